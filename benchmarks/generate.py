"""A seeded generator of replenishment instances at the sizes of real assortments.

    python benchmarks/generate.py 1000 20 26 --out /tmp/b1000   # writes CSVs + settings.toml

`generate(items, suppliers, weeks, seed)` returns the contract's tables. An
instance has every feature that makes lot sizing hard: case packs and MOQs,
order-line and supplier order costs, all-units price breaks, an express mode
for some items, second sources, supplier capacities shared by their items,
two customer classes with priorities, lost-sales items, safety stock,
seasonal and intermittent demand, opening backlog and open orders.
Suppliers without a capacity or an order cost link nothing, so the instance
splits into components the way real data does.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

SIZES = ((50, 5, 12), (200, 10, 26), (1000, 20, 26), (5000, 30, 26), (10000, 50, 52))
"""items × suppliers × weeks, from a demo to a large distributor."""


def generate(items: int, suppliers: int, weeks: int, seed: int = 0) -> tuple[dict[str, pd.DataFrame], dict]:
    """The tables and settings of one instance; the same arguments give the same instance."""
    rng = np.random.default_rng([items, suppliers, weeks, seed])
    vendors = _suppliers(rng, items, suppliers)
    codes = [f"SKU-{i:05d}" for i in range(items)]
    price = np.round(rng.lognormal(2.3, 0.8, items), 2)
    pack = rng.choice([1, 1, 2, 4, 6, 10, 12, 24], items)
    base = rng.gamma(1.5, 30, items)
    intermittent = rng.random(items) < 0.15
    lost = rng.random(items) < 0.10
    items_table = pd.DataFrame({
        "item": codes, "holding_cost": np.round(price * 0.25 / 52, 4),
        "backorder_cost": np.round(price * 0.08, 2),
        "initial_inventory": np.round(base * rng.uniform(0, 3, items)).astype(int),
        "safety_stock": np.round(base * rng.uniform(0, 1, items)).astype(int),
        "lost_sales": lost, "lost_sale_cost": np.round(price * 0.5, 2),
    })
    primary = rng.integers(0, suppliers, items)
    offers = _offers(rng, codes, primary, price, pack, base, suppliers)
    return {
        "items": items_table,
        "suppliers": vendors,
        "offers": offers,
        "price_breaks": _breaks(rng, offers, pack),
        "demand": _demand(rng, codes, base, intermittent, weeks),
        "backlog": pd.DataFrame({"item": codes[::20], "customer": "key accounts", "priority": 3,
                                 "quantity": np.ceil(base[::20]).astype(int), "since_period": 0}),
        "open_orders": pd.DataFrame({
            "supplier": vendors["supplier"].to_numpy()[primary[1::7]], "item": codes[1::7],
            "quantity": (pack[1::7] * np.ceil(base[1::7] * 2 / pack[1::7])).astype(int),
            "arrival_period": rng.integers(1, 4, len(codes[1::7]))}),
    }, {"horizon": weeks, "start_date": "2026-01-05", "mip_gap": 0.01}


def _suppliers(rng: np.random.Generator, items: int, suppliers: int) -> pd.DataFrame:
    capacity = np.where(rng.random(suppliers) < 0.4, np.round(items / suppliers * 120, -1), np.nan)
    return pd.DataFrame({
        "supplier": [f"Supplier {s:03d}" for s in range(suppliers)],
        "capacity": capacity,
        "order_cost": np.where(rng.random(suppliers) < 0.5, rng.integers(50, 300, suppliers), 0),
        "max_share": 1.0,
    })


def _offers(rng: np.random.Generator, codes: list[str], primary: np.ndarray, price: np.ndarray,
            pack: np.ndarray, base: np.ndarray, suppliers: int) -> pd.DataFrame:
    n = len(codes)
    name = np.array([f"Supplier {s:03d}" for s in range(suppliers)])
    lead = rng.integers(1, 7, n)
    standard = pd.DataFrame({
        "supplier": name[primary], "item": codes, "mode": "standard", "unit_price": price,
        "lead_time": lead, "moq": pack * rng.choice([0, 2, 5, 10], n),
        "order_multiple": pack, "order_cost": rng.choice([0, 0, 15, 40], n), "capacity": np.nan})
    second = rng.random(n) < 0.4
    alternative = (primary + rng.integers(1, suppliers, n)) % suppliers  # never the primary
    backup = standard[second].assign(
        supplier=name[alternative[second]], unit_price=np.round(price[second] * rng.uniform(1.02, 1.15,
                                                                                          second.sum()), 2),
        lead_time=rng.integers(1, 5, second.sum()))
    fast = rng.random(n) < 0.2
    express = standard[fast].assign(mode="express", unit_price=np.round(price[fast] * 1.25, 2),
                                    lead_time=1, moq=0, order_cost=25,
                                    capacity=np.ceil(base[fast] * 2))
    return pd.concat([standard, backup, express], ignore_index=True)


def _breaks(rng: np.random.Generator, offers: pd.DataFrame, pack: np.ndarray) -> pd.DataFrame:
    standard = offers[(offers["mode"] == "standard") & (rng.random(len(offers)) < 0.3)]
    size = standard["order_multiple"].to_numpy()
    rows = [standard.assign(min_quantity=size * k, unit_price=np.round(standard["unit_price"] * f, 2))
            for k, f in ((20, 0.96), (60, 0.92))]
    return pd.concat(rows, ignore_index=True)[["supplier", "item", "mode", "min_quantity", "unit_price"]]


def _demand(rng: np.random.Generator, codes: list[str], base: np.ndarray, intermittent: np.ndarray,
            weeks: int) -> pd.DataFrame:
    t = np.arange(1, weeks + 1)
    phase = rng.uniform(0, 2 * np.pi, len(codes))
    season = 1 + 0.4 * np.sin(2 * np.pi * t[None, :] / 52 + phase[:, None])
    mean = base[:, None] * season
    mean = np.where(intermittent[:, None], mean * 4 * (rng.random(mean.shape) < 0.25), mean)
    frames = []
    for customer, priority, part in (("trade", 2, 0.6), ("retail", 1, 0.4)):
        qty = rng.poisson(mean * part)
        i, w = np.nonzero(qty)
        frames.append(pd.DataFrame({"item": np.asarray(codes)[i], "customer": customer,
                                    "priority": priority, "period": t[w], "quantity": qty[i, w]}))
    return pd.concat(frames, ignore_index=True)


def write(folder: Path, tables: dict[str, pd.DataFrame], settings: dict) -> Path:
    """Write an instance as the contract's CSV folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    (folder / "settings.toml").write_text("".join(
        f'{k} = "{v}"\n' if isinstance(v, str) else f"{k} = {v}\n" for k, v in settings.items()))
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("items", "suppliers", "weeks"):
        parser.add_argument(name, type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    print(write(args.out, *generate(args.items, args.suppliers, args.weeks, args.seed)))


if __name__ == "__main__":
    main()
