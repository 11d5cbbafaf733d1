"""The contract as a readable MIP: a reference model that replan's optimum is checked against.

It shares no code with replan's model. It reads the validated input tables and writes every
rule of the contract (shared/CONTRACT.md) the way the contract states it, one loop per rule
and one variable per decision, in PuLP, so that it can be read beside the text. It is meant
for instances of a few items and periods: every big-M is one generous number (`big_m`), and
every order line has its own on/off, whether it needs one or not.

`optimum(instance)` solves it with CBC and returns the optimal cost, or None when the
instance is infeasible.
"""

from __future__ import annotations

import math
from collections import defaultdict

import pulp


def optimum(instance) -> float | None:
    """The least cost of a plan for `instance`, found by CBC; None when no plan exists."""
    problem = Reference(instance).problem
    problem.solve(pulp.PULP_CBC_CMD(msg=False, gapRel=0, gapAbs=1e-7))
    status = pulp.LpStatus[problem.status]
    if status == "Infeasible":
        return None
    assert status == "Optimal" and problem.sol_status == 1, (status, problem.sol_status)
    return pulp.value(problem.objective) or 0.0  # PuLP writes an all-zero objective as a constant


def _finite(value) -> bool:
    return value is not None and not (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))


class Reference:
    """The model, built on construction; `problem` is the PuLP problem, `cost` its buckets."""

    def __init__(self, instance):
        self.tables, self.settings, self.T = instance.tables, instance.settings, instance.horizon
        self.periods = range(1, self.T + 1)
        self.problem = pulp.LpProblem("reference", pulp.LpMinimize)
        self.cost: dict[str, list] = defaultdict(list)
        self.count = 0
        self.items = {(r.item, r.location): r for r in self.tables["items"].itertuples()}
        self.offers = {(r.supplier, r.item, r.location, r.mode): r for r in self.tables["offers"].itertuples()}
        self.big_m = self._big_m()
        self._orders()
        self._transfers()
        self._demand()
        self._balances()
        self._limits()
        self._safety_stock()
        self.problem += pulp.lpSum(term for terms in self.cost.values() for term in terms)

    def _variable(self, name: str, *key, integer: bool = False, binary: bool = False):
        """A new variable ≥ 0; `key` only helps a reader of the LP file."""
        self.count += 1
        label = "_".join([name, *map(str, key)]).replace(" ", "").replace("-", "m")
        category = pulp.LpBinary if binary else pulp.LpInteger if integer else pulp.LpContinuous
        return pulp.LpVariable(f"{label}_{self.count}", lowBound=0, cat=category)

    def _big_m(self) -> float:
        """More than any optimal plan orders, ships or owes in one line."""
        t = self.tables
        need = (t["demand"].quantity.sum() + t["backlog"].quantity.sum() + t["items"].safety_stock.sum()
                + t["items"].initial_inventory.sum() + t["open_orders"].quantity.sum())
        lots = max([0.0, *t["price_breaks"].min_quantity, *t["offers"].moq, *t["offers"].order_multiple])
        least_share = min([1.0, *t["suppliers"].max_share.clip(lower=0.05)])
        return 4 * (need + 2 * lots) / least_share + 100

    # ---- orders: packs, MOQ, price tiers, order costs ----
    def offer_value(self, key, period, column):
        """An offer's value for orders placed in `period`: its calendar's where given."""
        cal = self.tables["offer_calendar"]
        hit = cal[(cal.supplier == key[0]) & (cal.item == key[1]) & (cal.location == key[2])
                  & (cal["mode"] == key[3]) & (cal.period == period)]
        if len(hit) and _finite(float(hit[column].iloc[0])):
            return float(hit[column].iloc[0])
        return float(getattr(self.offers[key], column))

    def tiers(self, key, period):
        """(least quantity, unit price) of each price tier of an order, the offer's own first."""
        base = float(self.offers[key].unit_price)
        price = self.offer_value(key, period, "unit_price")
        scale = price / base if base > 0 else 1.0
        pb = self.tables["price_breaks"]
        mine = pb[(pb.supplier == key[0]) & (pb.item == key[1]) & (pb.location == key[2]) & (pb["mode"] == key[3])]
        return [(0.0, price)] + [(float(r.min_quantity), float(r.unit_price) * scale)
                                 for r in mine.sort_values("min_quantity").itertuples()]

    def _orders(self):
        self.order = {}  # (offer key, order period) -> quantity
        self.spend = defaultdict(list)  # order period -> purchase cost terms
        for key, offer in self.offers.items():
            for t in self.periods:
                if t + offer.lead_time > self.T:
                    continue
                packs = self._variable("packs", *key, t, integer=True)
                quantity = offer.order_multiple * packs
                on = self._variable("on", *key, t, binary=True)
                self.problem += quantity <= self.big_m * on
                self.problem += quantity >= offer.moq * on
                capacity = self.offer_value(key, t, "capacity")
                if _finite(capacity):
                    self.problem += quantity <= capacity
                parts, chosen = [], []
                for least, price in self.tiers(key, t):
                    part, tier = self._variable("tier", *key, t, least), self._variable("pick", *key, t, least, binary=True)
                    self.problem += part <= self.big_m * tier
                    self.problem += part >= least * tier
                    parts.append(part)
                    chosen.append(tier)
                    self.spend[t].append(price * part)
                    self.cost["purchase"].append(price * part)
                self.problem += pulp.lpSum(parts) == quantity
                self.problem += pulp.lpSum(chosen) == on
                self.cost["ordering"].append(self.offer_value(key, t, "order_cost") * on)
                self.order[key, t] = quantity
        suppliers = self.tables["suppliers"].set_index("supplier")
        for supplier, row in suppliers.iterrows():
            for t in self.periods:
                lines = [q for (key, p), q in self.order.items() if key[0] == supplier and p == t]
                if lines and row.order_cost > 0:
                    shipment = self._variable("shipment", supplier, t, binary=True)
                    for quantity in lines:
                        self.problem += quantity <= self.big_m * shipment
                    self.cost["ordering"].append(row.order_cost * shipment)

    # ---- transfers: the item's own lane row, else the lane's all-items row ----
    def _transfers(self):
        self.moves = []  # (item, from, to, ship period, arrival period, quantity, lane row)
        lanes = self.tables["transfers"]
        for item, here in self.items:
            for row in lanes[lanes.from_location == here].itertuples():
                if (item, row.to_location) not in self.items or row.item not in ("", item):
                    continue
                own = lanes[(lanes.from_location == here) & (lanes.to_location == row.to_location)
                            & (lanes["item"] == item)]
                if row.item == "" and len(own):
                    continue  # the item's own row overrides the all-items row
                for t in self.periods:
                    if t + row.lead_time <= self.T:
                        quantity = self._variable("move", item, here, row.to_location, t)
                        self.moves.append((item, here, row.to_location, t, t + int(row.lead_time), quantity, row.Index))
                        self.cost["transfer"].append(row.unit_cost * quantity)

    # ---- demand classes (customer, priority): served, owed, lost ----
    def _demand(self):
        due = defaultdict(float)  # (item, location, customer, priority, demand period) -> units
        for r in self.tables["demand"].itertuples():
            due[r.item, r.location, r.customer, r.priority, int(r.period)] += r.quantity
        for r in self.tables["backlog"].itertuples():
            due[r.item, r.location, r.customer, r.priority, int(r.since_period)] += r.quantity
        self.due = due
        classes = sorted({key[:4] for key in due})
        self.served = {}
        for cls in classes:
            sku = self.items[cls[:2]]
            owed_before = sum(q for key, q in due.items() if key[:4] == cls and key[4] <= 0)
            weight = cls[3]
            if not sku.lost_sales and _finite(sku.max_backorder_periods):  # the rule below, at t = 0
                m = int(sku.max_backorder_periods)
                if owed_before > sum(q for key, q in due.items() if key[:4] == cls and -m < key[4] <= 0):
                    self.problem += self._variable("backlog_already_too_old") <= -1  # no plan
            for t in self.periods:
                served = self.served[cls, t] = self._variable("served", *cls, t)
                arriving = due.get((*cls, t), 0.0)
                if sku.lost_sales:  # what is not served in its period is lost; nothing is owed
                    lost = owed_before + arriving - served
                    self.problem += lost >= 0
                    self.cost["lost_sales"].append(sku.lost_sale_cost * weight * lost)
                    owed_before = 0
                    continue
                owed = self._variable("owed", *cls, t)
                self.problem += owed == owed_before + arriving - served
                self.cost["backorder"].append(sku.backorder_cost * weight * owed)
                if _finite(sku.max_backorder_periods):
                    m = int(sku.max_backorder_periods)
                    recent = sum(q for key, q in due.items() if key[:4] == cls and t - m < key[4] <= t)
                    self.problem += owed <= recent
                owed_before = owed
            if not sku.lost_sales:
                self.cost["lost_sales"].append(sku.lost_sale_cost * weight * owed_before)

    # ---- stock: on hand at the end of each period ----
    def _balances(self):
        self.on_hand = {}
        receipts = defaultdict(list)
        for (key, t), quantity in self.order.items():
            receipts[key[1], key[2], t + int(self.offers[key].lead_time)].append(quantity)
        for r in self.tables["open_orders"].itertuples():
            arrival = max(int(r.arrival_period), 1)
            if arrival <= self.T:
                receipts[r.item, r.location, arrival].append(r.quantity)
        for item, where in self.items:
            before = self.items[item, where].initial_inventory
            for t in self.periods:
                stock = self.on_hand[item, where, t] = self._variable("stock", item, where, t)
                moved_in = [q for i, _, to, _, arrive, q, _ in self.moves if (i, to, arrive) == (item, where, t)]
                moved_out = [q for i, frm, _, ship, _, q, _ in self.moves if (i, frm, ship) == (item, where, t)]
                served = [q for cls, p in self.served if cls[:2] == (item, where) and p == t
                          for q in [self.served[cls, p]]]
                self.problem += stock == (before + pulp.lpSum(receipts[item, where, t]) + pulp.lpSum(moved_in)
                                          - pulp.lpSum(moved_out) - pulp.lpSum(served))
                self.cost["holding"].append(self.items[item, where].holding_cost * stock)
                before = stock

    # ---- hard limits: capacities, budget, shares, lanes, storage ----
    def _limits(self):
        suppliers = self.tables["suppliers"].set_index("supplier")
        override = self.tables["supplier_capacity"].set_index(["supplier", "period"])["capacity"]
        for supplier, row in suppliers.iterrows():
            for t in self.periods:
                capacity = float(override.get((supplier, t), row.capacity))
                lines = [q for (key, p), q in self.order.items() if key[0] == supplier and p == t]
                if lines and _finite(capacity):
                    self.problem += pulp.lpSum(lines) <= capacity
        if self.settings.budget is not None:
            for t in self.periods:
                if self.spend[t]:
                    self.problem += pulp.lpSum(self.spend[t]) <= self.settings.budget
        for item, where in self.items:
            mine = {key: q for key, q in self.order.items() if key[0][1:3] == (item, where)}
            offered_by = {key[0][0] for key in mine}
            if len({k[0] for k in self.offers if k[1:3] == (item, where)}) < 2:
                continue
            for supplier in offered_by:
                share = suppliers.loc[supplier, "max_share"]
                self.problem += (pulp.lpSum(q for key, q in mine.items() if key[0][0] == supplier)
                                 <= share * pulp.lpSum(mine.values()))
        lanes = self.tables["transfers"]
        for row in lanes.itertuples():
            if _finite(row.capacity):
                for t in self.periods:
                    shipped = [q for *_, ship, _, q, lane in self.moves if lane == row.Index and ship == t]
                    if shipped:
                        self.problem += pulp.lpSum(shipped) <= row.capacity
        for row in self.tables["locations"].itertuples():
            if _finite(row.capacity):
                for t in self.periods:
                    used = [self.items[i, w].volume * self.on_hand[i, w, t] for i, w in self.items if w == row.location]
                    self.problem += pulp.lpSum(used) <= row.capacity

    # ---- safety stock: priced shortfall below the target ----
    def _safety_stock(self):
        counted = self.T if self.settings.end_inventory == "safety_stock" else self.T - 1
        for (item, where), sku in self.items.items():
            if sku.safety_stock <= 0:
                continue
            for t in range(1, counted + 1):
                short = self._variable("short", item, where, t)
                self.problem += short >= sku.safety_stock - self.on_hand[item, where, t]
                self.cost["safety_stock"].append(sku.safety_stock_penalty * short)
