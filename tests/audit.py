"""An independent audit of a plan against its input.

It shares no code with the model: it reads the validated input tables and
the plan's output tables and re-checks, in plain pandas, every rule of the
contract and every cost bucket. `audit()` returns a list of violations;
an empty list is a clean plan.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pandas as pd

TOL = 1e-5


def audit(instance, plan) -> list[str]:
    """Every way `plan` breaks the contract for `instance` (empty when it is sound)."""
    a = _Audit(instance, plan)
    a.columns()
    if a.problems:  # every other check reads them
        return a.problems
    for check in (a.dates, a.orders, a.balances, a.fulfillment, a.transfers, a.limits, a.whole, a.costs, a.kpis):
        check()
    return a.problems


def _close(a: float, b: float, tol: float = TOL) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


class _Audit:
    def __init__(self, instance, plan):
        self.t = {name: frame for name, frame in instance.tables.items()}
        self.s = instance.settings
        self.T = instance.horizon
        self.plan = plan
        self.problems: list[str] = []
        self.items = {(r.item, r.location): r for r in self.t["items"].itertuples()}
        self.offers = {(r.supplier, r.item, r.location, r.mode): r for r in self.t["offers"].itertuples()}

    def fail(self, text: str) -> None:
        self.problems.append(text)

    # ---- the contract's columns, and a date beside every period ----
    COLUMNS = {
        "orders": "supplier item location mode order_period order_date arrival_period arrival_date quantity "
                  "packs unit_price cost",
        "inventory": "item location period date receipts transfers_in transfers_out demand served on_hand "
                     "backorder lost safety_stock",
        "fulfillment": "item location customer priority demand_period demand_date quantity outcome "
                       "fulfilled_period fulfilled_date delay_periods",
        "transfers": "item from_location to_location ship_period ship_date arrival_period arrival_date quantity cost",
        "exceptions": "severity kind item location supplier period date message",
    }

    KPIS = ("status objective bound mip_gap costs fill_rate backorder_unit_periods solver build_seconds "
            "solve_seconds start_date input_digest")
    COSTS = "purchase ordering holding backorder lost_sales safety_stock transfer"

    def columns(self):
        for name, expected in self.COLUMNS.items():
            missing = set(expected.split()) - set(getattr(self.plan, name).columns)
            if missing:
                self.fail(f"{name} lacks the columns {sorted(missing)}")
        missing = set(self.KPIS.split()) - set(self.plan.kpis)
        if missing:
            self.fail(f"kpis lack {sorted(missing)}")
        elif set(self.plan.kpis["costs"] or {}) != set(self.COSTS.split()):
            self.fail(f"kpis costs are {sorted(self.plan.kpis['costs'] or {})}, not the contract's buckets")

    def dates(self):
        start = pd.Timestamp(self.s.start_date)
        for name in self.COLUMNS:
            table = getattr(self.plan, name)
            for period in [c for c in table.columns if c == "period" or c.endswith("_period")]:
                twin = "date" if period == "period" else period.replace("_period", "_date")
                if twin not in table.columns:
                    continue
                for p, d in zip(table[period], table[twin]):
                    expected = None if pd.isna(p) else start + pd.Timedelta(days=(int(p) - 1) * self.s.period_days)
                    got = None if pd.isna(d) else pd.Timestamp(d)
                    if got != expected:
                        self.fail(f"{name}.{twin}: {d} for {period} {p}, expected {expected}")
                        break

    # ---- orders: packs, MOQ, arrival, period prices, tiers ----
    def offer_value(self, key, period, column):
        cal = self.t["offer_calendar"]
        hit = cal[(cal.supplier == key[0]) & (cal.item == key[1]) & (cal.location == key[2])
                  & (cal["mode"] == key[3]) & (cal.period == period)]
        base = getattr(self.offers[key], column)
        if len(hit) and not math.isnan(hit[column].iloc[0]):
            return float(hit[column].iloc[0])
        return float(base)

    def price(self, key, period, quantity):
        offer_price = float(self.offers[key].unit_price)
        period_price = self.offer_value(key, period, "unit_price")
        pb = self.t["price_breaks"]
        pb = pb[(pb.supplier == key[0]) & (pb.item == key[1]) & (pb.location == key[2]) & (pb["mode"] == key[3])]
        pb = pb[pb.min_quantity <= quantity + 1e-9].sort_values("min_quantity")
        if pb.empty:
            return period_price
        scale = period_price / offer_price if offer_price > 0 else 1.0
        return float(pb.unit_price.iloc[-1]) * scale

    def orders(self):
        o = self.plan.orders
        if o.duplicated(["supplier", "item", "location", "mode", "order_period"]).any():
            self.fail("two order lines for one offer and period")
        for r in o.itertuples():
            key = (r.supplier, r.item, r.location, r.mode)
            if key not in self.offers:
                self.fail(f"order on unknown offer {key}")
                continue
            offer = self.offers[key]
            if r.quantity < offer.moq - TOL:
                self.fail(f"order {key} t={r.order_period}: {r.quantity} below MOQ {offer.moq}")
            if not _close(r.quantity, r.packs * offer.order_multiple) or r.packs != round(r.packs):
                self.fail(f"order {key}: {r.quantity} is not whole packs of {offer.order_multiple}")
            if r.arrival_period != r.order_period + offer.lead_time or not 1 <= r.order_period <= r.arrival_period <= self.T:
                self.fail(f"order {key}: order {r.order_period} arrival {r.arrival_period} lead {offer.lead_time}")
            cap = self.offer_value(key, r.order_period, "capacity")
            if r.quantity > cap + TOL:
                self.fail(f"order {key} t={r.order_period}: {r.quantity} above offer capacity {cap}")
            price = self.price(key, r.order_period, r.quantity)
            if not _close(r.unit_price, price) or not _close(r.cost, r.quantity * price):
                self.fail(f"order {key} t={r.order_period}: price {r.unit_price} cost {r.cost}, expected {price}")

    # ---- stock balances ----
    def balances(self):
        inv = self.plan.inventory
        if len(inv) != len(self.items) * self.T:
            self.fail(f"inventory has {len(inv)} rows, expected {len(self.items) * self.T}")
        receipts = defaultdict(float)
        for r in self.plan.orders.itertuples():
            receipts[(r.item, r.location, r.arrival_period)] += r.quantity
        for r in self.t["open_orders"].itertuples():
            receipts[(r.item, r.location, max(int(r.arrival_period), 1))] += r.quantity
        t_in, t_out = defaultdict(float), defaultdict(float)
        for r in self.plan.transfers.itertuples():
            t_in[(r.item, r.to_location, r.arrival_period)] += r.quantity
            t_out[(r.item, r.from_location, r.ship_period)] += r.quantity
        demand = self.t["demand"].groupby(["item", "location", "period"])["quantity"].sum()
        backlog = self.t["backlog"].groupby(["item", "location"])["quantity"].sum()
        for (item, loc), group in inv.groupby(["item", "location"]):
            sku = self.items[(item, loc)]
            on_hand = sku.initial_inventory
            owed = backlog.get((item, loc), 0.0)
            for r in group.sort_values("period").itertuples():
                p = r.period
                if not _close(r.receipts, receipts[(item, loc, p)]):
                    self.fail(f"{item}@{loc} t={p}: receipts {r.receipts} != {receipts[(item, loc, p)]}")
                if not (_close(r.transfers_in, t_in[(item, loc, p)]) and _close(r.transfers_out, t_out[(item, loc, p)])):
                    self.fail(f"{item}@{loc} t={p}: transfers do not match transfers.csv")
                if not _close(r.demand, demand.get((item, loc, p), 0.0)):
                    self.fail(f"{item}@{loc} t={p}: demand {r.demand} != input")
                on_hand = on_hand + r.receipts + r.transfers_in - r.transfers_out - r.served
                if not _close(on_hand, r.on_hand) or r.on_hand < -TOL:
                    self.fail(f"{item}@{loc} t={p}: on hand {r.on_hand}, balance gives {on_hand}")
                on_hand = r.on_hand
                owed = owed + r.demand - r.served - r.lost
                if not _close(owed, r.backorder) or r.backorder < -TOL or r.served < -TOL:
                    self.fail(f"{item}@{loc} t={p}: owed {r.backorder}, balance gives {owed}")
                owed = r.backorder
                if sku.lost_sales and r.backorder > TOL:
                    self.fail(f"{item}@{loc} t={p}: a lost-sales item owes {r.backorder}")

    # ---- fulfillment: totals, FIFO, promise dates ----
    def fulfillment(self):
        f = self.plan.fulfillment
        key = ["item", "location", "customer", "priority"]
        due = pd.concat([
            self.t["demand"][key + ["period", "quantity"]].rename(columns={"period": "demand_period"}),
            self.t["backlog"][key + ["since_period", "quantity"]].rename(columns={"since_period": "demand_period"}),
        ])
        due = due[due.quantity > 0].groupby(key + ["demand_period"])["quantity"].sum()
        got = f.groupby(key + ["demand_period"])["quantity"].sum()
        both = pd.concat([due.rename("due"), got.rename("got")], axis=1).fillna(0)
        for idx, r in both.iterrows():
            if not _close(r.due, r.got):
                self.fail(f"fulfillment of {idx}: {r.got} parts for {r.due} due")
        served = f[f.outcome == "served"].groupby(["item", "location", "fulfilled_period"])["quantity"].sum()
        inv = self.plan.inventory.set_index(["item", "location", "period"])["served"]
        for idx, qty in inv.items():
            if not _close(qty, served.get(idx, 0.0)):
                self.fail(f"served {idx}: inventory {qty}, fulfillment {served.get(idx, 0.0)}")
        for r in f.itertuples():
            if r.outcome == "served":
                if r.delay_periods != r.fulfilled_period - r.demand_period or r.fulfilled_period < max(r.demand_period, 1):
                    self.fail(f"part {r}: bad fulfilled period")
            elif not pd.isna(r.fulfilled_period):
                self.fail(f"part {r}: {r.outcome} part with a fulfilled period")
        for _, group in f[f.outcome == "served"].groupby(key):   # FIFO within a class
            order = group.sort_values(["fulfilled_period", "demand_period"])
            if not order["demand_period"].is_monotonic_increasing:
                # a later demand line may only be served once every earlier one is fully served
                first_open = defaultdict(int)
                for r in order.itertuples():
                    first_open[r.demand_period] = max(first_open[r.demand_period], r.fulfilled_period)
                periods = sorted(first_open)
                if any(first_open[a] > min(first_open[b] for b in periods if b > a) for a in periods[:-1]):
                    self.fail(f"class {group.iloc[0][key].tolist()}: not first-in first-out")

    # ---- transfers ----
    def transfers(self):
        lanes = self.t["transfers"]
        for r in self.plan.transfers.itertuples():
            rows = lanes[(lanes.from_location == r.from_location) & (lanes.to_location == r.to_location)]
            row = rows[rows["item"] == r.item]
            row = row if len(row) else rows[rows["item"] == ""]
            if row.empty or (r.item, r.from_location) not in self.items or (r.item, r.to_location) not in self.items:
                self.fail(f"transfer on no lane: {r}")
                continue
            lane = row.iloc[0]
            if r.arrival_period != r.ship_period + lane.lead_time or r.arrival_period > self.T:
                self.fail(f"transfer {r}: arrival does not match lead time {lane.lead_time}")
            if not _close(r.cost, r.quantity * lane.unit_cost):
                self.fail(f"transfer {r}: cost")

    # ---- hard limits ----
    def whole(self):
        """Where every input quantity is whole units, so are served and moved quantities."""
        given = {"items": ["initial_inventory", "safety_stock"], "demand": ["quantity"],
                 "backlog": ["quantity"], "open_orders": ["quantity"], "transfers": ["capacity"],
                 "offers": ["moq", "order_multiple", "capacity"], "suppliers": ["capacity"],
                 "supplier_capacity": ["capacity"], "price_breaks": ["min_quantity"]}
        values = np.concatenate([self.t[name][columns].to_numpy(float).ravel() for name, columns in given.items()])
        values = values[np.isfinite(values)]
        if not np.allclose(values, np.round(values), rtol=0, atol=1e-9):
            return
        for name, table, column in (("served", self.plan.inventory, "served"),
                                    ("fulfilled", self.plan.fulfillment, "quantity"),
                                    ("moved", self.plan.transfers, "quantity")):
            part = table[column].to_numpy(float)
            off = np.abs(part - np.round(part)) > TOL
            if off.any():
                self.fail(f"{name} {part[off][:3].tolist()} not whole units though every input quantity is")

    def limits(self):
        o = self.plan.orders
        sup = self.t["suppliers"].set_index("supplier")
        over = self.t["supplier_capacity"].set_index(["supplier", "period"])["capacity"]
        for (s, p), qty in o.groupby(["supplier", "order_period"])["quantity"].sum().items():
            cap = over.get((s, p), sup.loc[s, "capacity"])
            if qty > cap + TOL:
                self.fail(f"supplier {s} t={p}: {qty} above capacity {cap}")
        if self.s.budget is not None:
            for p, spend in o.groupby("order_period")["cost"].sum().items():
                if spend > self.s.budget * (1 + TOL) + TOL:
                    self.fail(f"t={p}: spend {spend} above budget {self.s.budget}")
        total = o.groupby(["item", "location"])["quantity"].sum()
        n_sup = self.t["offers"].groupby(["item", "location"])["supplier"].nunique()
        for (s, item, loc), qty in o.groupby(["supplier", "item", "location"])["quantity"].sum().items():
            share = sup.loc[s, "max_share"]
            if n_sup[(item, loc)] >= 2 and qty > share * total[(item, loc)] + TOL:
                self.fail(f"{s} supplies {qty} of {total[(item, loc)]} {item}@{loc}: above max_share {share}")
        lanes = self.t["transfers"]
        for r in lanes[np.isfinite(lanes.capacity)].itertuples():
            tr = self.plan.transfers
            mine = tr[(tr.from_location == r.from_location) & (tr.to_location == r.to_location)]
            specific = set(lanes[(lanes.from_location == r.from_location) & (lanes.to_location == r.to_location)
                                 & (lanes["item"] != "")]["item"])
            mine = mine[mine["item"] == r.item] if r.item else mine[~mine["item"].isin(specific)]
            for p, qty in mine.groupby("ship_period")["quantity"].sum().items():
                if qty > r.capacity + TOL:
                    self.fail(f"lane {r.from_location}->{r.to_location} t={p}: {qty} above {r.capacity}")
        inv = self.plan.inventory
        vol = {k: v.volume for k, v in self.items.items()}
        for r in self.t["locations"][np.isfinite(self.t["locations"].capacity)].itertuples():
            here = inv[inv.location == r.location]
            used = (here.on_hand * [vol[(i, r.location)] for i in here["item"]]).groupby(here.period).sum()
            if (used > r.capacity + TOL).any():
                self.fail(f"storage at {r.location} above {r.capacity}")
        f = self.plan.fulfillment
        for r in f.itertuples():
            m = self.items[(r.item, r.location)].max_backorder_periods
            if not np.isfinite(m) or self.items[(r.item, r.location)].lost_sales:
                continue
            waited = (r.fulfilled_period if r.outcome == "served" else self.T) - r.demand_period
            if waited > m + TOL and (r.outcome == "served" or r.demand_period + m < self.T):
                self.fail(f"{r.item}@{r.location} {r.customer}: waits {waited} > {m}")

    # ---- cost buckets, recomputed ----
    def costs(self):
        o, inv, f = self.plan.orders, self.plan.inventory, self.plan.fulfillment
        costs = {"purchase": float(o.cost.sum()), "transfer": float(self.plan.transfers.cost.sum())}
        ordering = sum(self.offer_value((r.supplier, r.item, r.location, r.mode), r.order_period, "order_cost")
                       for r in o.itertuples())
        sup = self.t["suppliers"].set_index("supplier")["order_cost"]
        ordering += sum(sup[s] for s, _ in o.groupby(["supplier", "order_period"]).groups)
        costs["ordering"] = ordering
        costs["holding"] = sum(self.items[(r.item, r.location)].holding_cost * r.on_hand for r in inv.itertuples())
        backorder = lost = 0.0
        for r in f.itertuples():
            sku = self.items[(r.item, r.location)]
            start = max(r.demand_period, 1)
            if r.outcome == "served":
                backorder += sku.backorder_cost * r.priority * r.quantity * (r.fulfilled_period - start)
            elif r.outcome == "open":
                backorder += sku.backorder_cost * r.priority * r.quantity * (self.T - start + 1)
                lost += sku.lost_sale_cost * r.priority * r.quantity
            else:
                lost += sku.lost_sale_cost * r.priority * r.quantity
        costs["backorder"], costs["lost_sales"] = backorder, lost
        counted = self.T if self.s.end_inventory == "safety_stock" else self.T - 1
        costs["safety_stock"] = sum(
            self.items[(r.item, r.location)].safety_stock_penalty * max(0.0, r.safety_stock - r.on_hand)
            for r in inv.itertuples() if r.period <= counted)
        reported = self.plan.kpis["costs"]
        for name, value in costs.items():
            if not _close(value, reported[name], 1e-6):
                self.fail(f"cost {name}: plan says {reported[name]}, audit finds {value}")
        if not _close(sum(reported.values()), self.plan.kpis["objective"], 1e-9):
            self.fail("objective is not the sum of the cost buckets")

    def kpis(self):
        k, f = self.plan.kpis, self.plan.fulfillment
        demand = f[f.demand_period >= 1]
        total = demand.quantity.sum()
        on_time = demand[(demand.outcome == "served") & (demand.delay_periods == 0)].quantity.sum()
        rate = on_time / total if total > 0 else 1.0
        if not _close(rate, k["fill_rate"]):
            self.fail(f"fill rate {k['fill_rate']} != {rate}")
        if not _close(self.plan.inventory.backorder.sum(), k["backorder_unit_periods"]):
            self.fail("backorder_unit_periods")
        if k["bound"] is not None and k["bound"] > k["objective"] + TOL * max(1, abs(k["objective"])):
            self.fail("bound above objective")
        if k["status"] not in ("optimal", "feasible") or pd.Timestamp(k["start_date"]) != pd.Timestamp(self.s.start_date):
            self.fail(f"kpis status {k['status']} or start_date {k['start_date']} for a plan")
