"""Realistic sample data sets, generated from a fixed seed.

The generator is the one source of the sets in `data/` (a test checks they
match), of `replan demo DIR`, and of the app's first screen.

- `demo`: an industrial-supplies distributor (safety wear, fasteners, tape,
  lighting), a central warehouse and a branch fed by transfers, 26 weeks with
  a spring peak, five suppliers (one with an express mode, one shut for Lunar
  New Year), price breaks, case packs, MOQs, backlog and open orders; and two
  years of weekly sales history before it (`sales.csv`, for `replan forecast`).
- `peak-season`: a garden-centre chain's single warehouse facing its spring
  rush over 20 weeks: a purchase budget, a full warehouse, lost sales for
  impatient walk-in demand, a service limit for trade customers, and an
  announced price increase.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from .io import write_tables

SAMPLES = ("demo", "peak-season")

# name, supplier, unit price, case pack, weekly base demand, lead time (weeks)
DEMO_ITEMS = [
    ("GLV-NIT-M", "Pacific Safety Supply", 6.40, 10, 120, 3),
    ("GLV-NIT-L", "Pacific Safety Supply", 6.40, 10, 150, 3),
    ("GLV-CUT5-L", "Pacific Safety Supply", 11.90, 12, 40, 3),
    ("GOG-CLR", "Pacific Safety Supply", 4.75, 20, 60, 3),
    ("EAR-PLG-200", "Pacific Safety Supply", 18.50, 5, 25, 3),
    ("VEST-HV-L", "Pacific Safety Supply", 5.20, 25, 55, 3),
    ("BOLT-M8X40", "Nordic Fasteners", 9.80, 10, 80, 2),
    ("BOLT-M10X60", "Nordic Fasteners", 14.30, 10, 45, 2),
    ("NUT-M8", "Nordic Fasteners", 3.10, 20, 95, 2),
    ("WSH-M8", "Nordic Fasteners", 2.20, 20, 90, 2),
    ("ANCH-M10", "Nordic Fasteners", 21.00, 5, 20, 2),
    ("SCR-WD-5X50", "Nordic Fasteners", 7.60, 10, 110, 2),
    ("TAPE-DUCT-50", "Midlands Tape & Adhesives", 4.90, 24, 140, 1),
    ("TAPE-MASK-25", "Midlands Tape & Adhesives", 2.10, 48, 160, 1),
    ("TAPE-INS-19", "Midlands Tape & Adhesives", 1.30, 50, 75, 1),
    ("TIE-200-BLK", "Midlands Tape & Adhesives", 3.40, 20, 130, 1),
    ("SIL-CLR-300", "Midlands Tape & Adhesives", 5.60, 12, 35, 1),
    ("LED-WL-20W", "Shenzhen Lumen Co", 24.00, 6, 18, 6),
    ("LED-HL-300", "Shenzhen Lumen Co", 9.50, 12, 30, 6),
    ("LED-TUBE-T8", "Shenzhen Lumen Co", 3.80, 25, 70, 6),
    ("EXT-CORD-10", "Shenzhen Lumen Co", 12.70, 8, 22, 6),
    ("WD40-400", "Rhein Industrial", 6.90, 12, 85, 3),
    ("CLN-DEGR-5L", "Rhein Industrial", 17.40, 4, 15, 3),
    ("ABS-PAD-100", "Rhein Industrial", 39.00, 1, 8, 3),
    ("SPILL-KIT-S", "Rhein Industrial", 64.00, 1, 5, 3),
]
DEMO_SUPPLIERS = pd.DataFrame({
    "supplier": ["Pacific Safety Supply", "Nordic Fasteners", "Midlands Tape & Adhesives",
                 "Shenzhen Lumen Co", "Rhein Industrial"],
    "capacity": [6000, np.nan, np.nan, 3000, np.nan],
    "order_cost": [120, 60, 45, 250, 80],
    "max_share": [1, 1, 1, 1, 1],
})


def write_sample(name: str, folder: str | Path) -> Path:
    """Write sample data set `name` (one of SAMPLES) as CSV files and settings.toml."""
    tables, settings = {"demo": _demo, "peak-season": _peak_season}[name]()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_tables(folder, tables, settings)
    return folder


def sample_path(name: str) -> Path:
    """A folder holding sample `name`, written once into a temporary folder."""
    version = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]  # a new generator, new files
    folder = Path(tempfile.gettempdir()) / "replan-samples" / version / name
    if not (folder / "settings.toml").exists():
        write_sample(name, folder)
    return folder


def _season(weeks: np.ndarray, peak: float, centre: float, width: float) -> np.ndarray:
    return 1 + peak * np.exp(-0.5 * ((weeks - centre) / width) ** 2)


def _demo() -> tuple[dict[str, pd.DataFrame], dict[str, object]]:
    rng = np.random.default_rng(20260105)
    T = 26
    weeks = np.arange(1, T + 1)
    branch_items = [row[0] for row in DEMO_ITEMS[::2]]
    items, offers, demand, breaks = [], [], [], []
    for code, supplier, price, pack, base, lead in DEMO_ITEMS:
        for location in ["DC-Leeds", "Branch-York"] if code in branch_items else ["DC-Leeds"]:
            share = 1.0 if location == "DC-Leeds" else 0.3
            items.append({
                "item": code, "location": location, "holding_cost": round(price * 0.25 / 52, 4),
                "backorder_cost": round(price * 0.10, 2), "initial_inventory": int(base * share * 2),
                "safety_stock": int(np.ceil(base * share * 0.8 / pack) * pack),
                "volume": round(0.002 * price + 0.01, 3),
            })
            season = _season(weeks, 0.6, 14, 3)
            for customer, priority, part in [("Trade accounts", 2, 0.6), ("Walk-in", 1, 0.4)]:
                mean = base * share * part * season
                qty = rng.poisson(mean)
                demand += [{"item": code, "location": location, "customer": customer,
                            "priority": priority, "period": int(w), "quantity": int(q)}
                           for w, q in zip(weeks, qty) if q > 0]
        offers.append({"supplier": supplier, "item": code, "location": "DC-Leeds", "mode": "standard",
                       "unit_price": price, "lead_time": lead, "moq": pack * 5,
                       "order_multiple": pack, "order_cost": 0, "capacity": np.nan})
        if supplier == "Rhein Industrial":
            offers.append({"supplier": supplier, "item": code, "location": "DC-Leeds", "mode": "express",
                           "unit_price": round(price * 1.18, 2), "lead_time": 1, "moq": 0,
                           "order_multiple": pack, "order_cost": 35, "capacity": base * 2})
        if supplier in ("Pacific Safety Supply", "Shenzhen Lumen Co"):
            breaks += [{"supplier": supplier, "item": code, "location": "DC-Leeds", "mode": "standard",
                        "min_quantity": pack * 40, "unit_price": round(price * 0.95, 2)},
                       {"supplier": supplier, "item": code, "location": "DC-Leeds", "mode": "standard",
                        "min_quantity": pack * 100, "unit_price": round(price * 0.90, 2)}]
    # a second source for nitrile gloves: dearer, but it keeps supply going
    for code in ("GLV-NIT-M", "GLV-NIT-L"):
        offers.append({"supplier": "Rhein Industrial", "item": code, "location": "DC-Leeds",
                       "mode": "standard", "unit_price": 7.10, "lead_time": 2, "moq": 100,
                       "order_multiple": 10, "order_cost": 0, "capacity": np.nan})
    tables = {
        "items": pd.DataFrame(items),
        "suppliers": DEMO_SUPPLIERS,
        "offers": pd.DataFrame(offers),
        "price_breaks": pd.DataFrame(breaks),
        "supplier_capacity": pd.DataFrame({"supplier": "Shenzhen Lumen Co", "period": [6, 7, 8, 9],
                                           "capacity": 0}),
        "demand": pd.DataFrame(demand),
        "backlog": pd.DataFrame([
            {"item": "GLV-NIT-L", "location": "DC-Leeds", "customer": "Trade accounts", "priority": 2,
             "quantity": 300, "since_period": -1},
            {"item": "LED-WL-20W", "location": "DC-Leeds", "customer": "Walk-in", "priority": 1,
             "quantity": 24, "since_period": 0},
        ]),
        "open_orders": pd.DataFrame([
            {"supplier": "Shenzhen Lumen Co", "item": "LED-TUBE-T8", "location": "DC-Leeds",
             "quantity": 500, "arrival_period": 2},
            {"supplier": "Nordic Fasteners", "item": "BOLT-M8X40", "location": "DC-Leeds",
             "quantity": 200, "arrival_period": 1},
        ]),
        "transfers": pd.DataFrame([{"from_location": "DC-Leeds", "to_location": "Branch-York",
                                    "lead_time": 1, "unit_cost": 0.15, "item": "",
                                    "capacity": 2500}]),
    }
    tables["sales"] = _demo_sales(tables["items"])
    return tables, {"horizon": T, "start_date": "2026-01-05", "period_days": 7, "time_limit": 5,
                    "mip_gap": 0.01}


PROMOTED = ("TAPE-DUCT-50", "WD40-400", "GLV-NIT-M")
LUMPY = {"SPILL-KIT-S": 0.25, "ABS-PAD-100": 0.35}  # chance of any demand in a week
STOCKOUT = ("LED-WL-20W", "DC-Leeds", "2025-08-04", "2025-09-01")
LAUNCH = ("EXT-CORD-10", "2025-09-01")  # a new item: four months of history


def _demo_sales(items: pd.DataFrame) -> pd.DataFrame:
    """Two years of weekly sales (Monday dates) ending the week before the demo starts, for
    `replan forecast`: the spring peak, promotions on three items (different weeks each
    year), two lumpy slow movers, a stockout spell and a new item."""
    rng = np.random.default_rng(20240108)
    weeks = pd.date_range("2024-01-08", "2025-12-29", freq="7D")
    season = _season(weeks.isocalendar().week.to_numpy(dtype=float), 0.6, 14, 3)
    base = {code: weekly for code, _, _, _, weekly, _ in DEMO_ITEMS}
    frames = []
    for code, location in zip(items["item"], items["location"]):
        mean = base[code] * (1.0 if location == "DC-Leeds" else 0.3) * season
        if code in PROMOTED:
            mean = mean * np.where(np.isin(np.arange(weeks.size), rng.choice(weeks.size, 5, False)), 1.8, 1)
        if code in LUMPY:
            chance = LUMPY[code]
            quantity = rng.poisson(mean / chance) * (rng.random(weeks.size) < chance)
        else:
            quantity = rng.poisson(mean)
        stockout = (code, location) == STOCKOUT[:2]
        short = stockout & (weeks >= STOCKOUT[2]) & (weeks <= STOCKOUT[3])
        quantity = np.where(short, np.minimum(quantity, rng.integers(0, 4, weeks.size)), quantity)
        frame = pd.DataFrame({"item": code, "location": location, "date": weeks.date.astype(str),
                              "quantity": quantity, "stockout": short})
        if code == LAUNCH[0]:
            frame = frame[weeks >= LAUNCH[1]]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _peak_season() -> tuple[dict[str, pd.DataFrame], dict[str, object]]:
    rng = np.random.default_rng(20260302)
    T = 20
    weeks = np.arange(1, T + 1)
    names = ["COMPOST-40L", "BARK-MULCH-60L", "TOPSOIL-25L", "SEED-LAWN-1KG", "FEED-LAWN-5KG",
             "POT-TERRA-30", "POT-PLAST-20", "HOSE-30M", "HOSE-REEL", "SPRINKLER-OSC",
             "GLOVES-GARDEN", "SHEARS-PRUNE", "TROWEL-SS", "RAKE-LEAF", "SPADE-BORDER",
             "SLUG-PELLET", "WEED-KILL-1L", "PLANT-FOOD-1L", "GROWBAG", "CANE-BAMBOO-10",
             "TWINE-JUTE", "LABEL-PLANT", "TRAY-SEED", "PROP-LID", "WATERCAN-10L",
             "BBQ-CHARCOAL", "PATIO-CLEAN", "FENCE-PAINT-5L", "DECK-OIL-2L", "BIRD-SEED-2KG"]
    suppliers = pd.DataFrame({
        "supplier": ["GreenGrow Ltd", "Terra Pots", "HoseCo", "Toolsmith", "Garden Chem"],
        "capacity": [9000, 4000, np.nan, np.nan, 5000],
        "order_cost": [150, 90, 60, 60, 110],
        "max_share": [1, 1, 1, 1, 1],
    })
    vendor = {0: "GreenGrow Ltd", 1: "Terra Pots", 2: "HoseCo", 3: "Toolsmith", 4: "Garden Chem"}
    items, offers, demand, calendar = [], [], [], []
    for i, code in enumerate(names):
        supplier = vendor[i * 5 // len(names)]
        price = round(float(rng.uniform(2, 30)), 2)
        base = int(rng.integers(20, 160))
        pack = int(rng.choice([1, 4, 6, 10, 12]))
        lost = i % 3 == 0
        items.append({"item": code, "location": "main", "holding_cost": round(price * 0.3 / 52, 4),
                      "backorder_cost": round(price * 0.15, 2), "initial_inventory": base,
                      "safety_stock": base // 2, "volume": round(float(rng.uniform(0.2, 2.5)), 2),
                      "lost_sales": lost, "lost_sale_cost": round(price * 0.8, 2),
                      "max_backorder_periods": "" if lost else 6})
        offers.append({"supplier": supplier, "item": code, "location": "main", "mode": "standard",
                       "unit_price": price, "lead_time": int(rng.integers(1, 4)), "moq": pack * 4,
                       "order_multiple": pack, "order_cost": 10, "capacity": np.nan})
        calendar.append({"supplier": supplier, "item": code, "location": "main", "mode": "standard",
                         "period": 12, "unit_price": round(price * 1.06, 2)})
        qty = rng.poisson(base * _season(weeks, 1.5, 9, 3))
        for customer, priority, part in [("Landscapers", 3, 0.5), ("Retail", 1, 0.5)]:
            demand += [{"item": code, "location": "main", "customer": customer, "priority": priority,
                        "period": int(w), "quantity": int(round(q * part))}
                       for w, q in zip(weeks, qty) if round(q * part) > 0]
    # price rises hold from week 12 to the end of the horizon
    calendar = [dict(row, period=p) for row in calendar for p in range(12, T + 1)]
    tables = {
        "items": pd.DataFrame(items),
        "suppliers": suppliers,
        "offers": pd.DataFrame(offers),
        "offer_calendar": pd.DataFrame(calendar),
        "demand": pd.DataFrame(demand),
        "locations": pd.DataFrame([{"location": "main", "capacity": 12000}]),
    }
    return tables, {"horizon": T, "start_date": "2026-03-02", "budget": 60000, "time_limit": 20,
                    "mip_gap": 0.01}
