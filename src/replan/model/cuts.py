"""(l,S) inequalities for lot sizing with backlog, separated from the LP relaxation.

The plain model links an order quantity to its on/off decision by
`x ≤ U·y`, with U the most the line could ever need to order. Its LP
relaxation pays a fraction x/U of every fixed cost and of every MOQ, so its
bound is weak.

The units arriving at sku k come in *pieces*: a line's units q·n[ℓ], or, for
a line with price breaks, each tier's units w[ℓ,j]. A piece X_p arrives in
period a_p and has indicators Y that are 0 only when X_p is: the line's y[ℓ]
or tier's u[ℓ,j], and the supplier's shipment z[s,t] (Y ≡ 1 when it has
none). For any period l and any set S of k's pieces arriving in 1..l:

    Σ_{p∈S} X_p ≤ Σ_{p∈S} N_k(a_p..l)·Y_p + Σ_{a∈A(S)} B_k[a-1] + I[k,l] + R_k(min A(S)..l)

with A(S) the arrival periods of S, N_k(a..l) the demand of periods a..l
less the open orders arriving then (at least 0), B_k[t] what k's classes
owe at the end of t (the backlog lines at t = 0), and R_k the moves out of
k shipped in a period. Valid: let a0 be the first arrival of a piece of S
that orders anything; its Y is 1, so the right side holds N_k(a0..l). All
of S arrives in a0..l, beside the open orders, and what arrives then is
served (at most B_k[a0-1] plus the demand D_k(a0..l)), shipped out or
still on hand at l.

For any arrival period a of S, the term B_k[a-1] may instead move onto the
indicators of a's pieces, as its upper bound B̄_k[a-1] (the backlog lines
plus the demand of 1..a-1 of k's classes that can owe) times each Y_p: the
proof holds as it is, since a0's piece with Y = 1 brings B̄_k[a0-1] ≥
B_k[a0-1]. Without it a price tier's large minimum breaks the bound: its
LP bought a whole horizon's units at the 600-unit tier's price with
u = 0.03, the owed B_k[a-1] soaking up 600·u − D·u, while a real 600-unit
order must sit in stock; with it, such a tier pays the stock an order of
its minimum holds, in proportion to u (on that item alone, the gap between the LP
and the optimum fell from 13.7% to 1.3%).

Stock that must be on hand anyway leaves no room for an order. The *safety-stock
form* of a cut takes F = min(F_k[l], F_k[a-1] for a ∈ A(S)) off its right side
and adds e[k,l] and each e[k,a-1], with F_k[t] the safety stock where a
shortfall e[k,t] prices it (I[k,t] + e[k,t] ≥ F_k[t]; the opening stock at t
= 0, where e ≡ 0). Valid: when a piece orders, the stock at a0-1, at least
F_k[a0-1] − e[k,a0-1], is still on hand at l beside what S leaves; when none
does, the right side is at least I[k,l] + e[k,l] − F_k[l] ≥ 0. It is the
plain inequality with the safety stock counted as demand. Without it the LP
holds the safety stock and counts the same units as the stock an order
leaves: an item of the 200-item benchmark bought its 126 units a week at a
240-unit tier's price with u ≈ 0.48, holding only its 73 units of safety
stock; with it, its LP cost rose by 45% of its gap to the item's optimum.

Demand the plan would rather lose leaves no room either. In the *lost-sales
form*, for a set C of k's lost-sales classes, their demand comes off N_k and
what they are served joins the moves out in R_k: what arrives in a0..l is
served to the other classes (at most what they owe and their demand), to C
(what C is served), shipped out or held. `separate` adds it, beside the
others, for the classes the LP serves less than half their demand. Where
losing a sale costs less than buying the unit (the benchmark's items lose
at half their price), the plain form counted units no one will be sold as
room for an order: an item's LP bought a 720-unit tier in weekly slivers.
On the 200-item benchmark's largest part, 12 rounds with it reach 3,656,026
against 3,654,602 (+0.04%); each round adds more rows and takes about 30%
longer, so the bounds are level for the first 15 s of rounds and higher after.

With S a single piece these are the singleton (l,S) inequalities of Barany,
Van Roy and Wolsey with the backlog term of Pochet and Wolsey; the whole
family, on uncapacitated lot sizing without backlog, is the convex hull
(with the safety-stock form, also with a safety stock always kept). There are
exponentially many, so they are not written out: `separate` finds, for
every sku and period l, the set S its LP solution breaks most (exactly,
since each arrival period's pieces enter or leave together, but for F taken
as F_k[l]), and for every piece its most violated singleton.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .index import Index

TOL = 1e-4
NONE = -1
LOST_SERVED = 0.5
"""A lost-sales class the LP serves less than this share of its demand gets the lost-sales form."""


@dataclass(frozen=True)
class Pieces:
    """Disjoint parts of the units arriving at each sku, one row each."""

    qty: np.ndarray       # column of the quantity (packs or tier units)
    unit: np.ndarray      # units per unit of that column
    on: np.ndarray        # P × 2 columns of its indicators; NONE where it has fewer
    k: np.ndarray         # sku the quantity arrives at
    arrival: np.ndarray   # period it arrives in (1..T)
    whole: np.ndarray     # a whole-number column Y with least·Y ≤ the piece's units (`rounding`)
    least: np.ndarray     # its units per unit of Y: the tier's minimum, the MOQ or the pack

    def subset(self, keep: np.ndarray) -> Pieces:
        """The pieces `keep` (a mask or positions)."""
        return Pieces(*(getattr(self, f.name)[keep] for f in dataclasses.fields(self)))


@dataclass(frozen=True)
class Separator:
    """The data the inequalities need, derived once per model."""

    pieces: Pieces
    T: int
    net_cum: np.ndarray       # K × (T+1): demand less open orders arriving, periods 1..t, N_k(1..t)
    backlog: np.ndarray       # K: owed at the start (backlog lines)
    owed_most: np.ndarray     # K × (T+1): the most k's classes can owe at the end of t, B̄_k[t]
    floor: np.ndarray         # K × (T+1): F_k[t], on hand at the end of t unless short: I ≥ F − e
    owed: pd.DataFrame        # k, t, col: owed variables of k's classes at the end of t
    short: np.ndarray         # K × (T+1): column of the shortfall e[k,t] below F_k[t]; NONE if none
    out: pd.DataFrame         # k, t, col: moves out of k shipped in t
    stock: np.ndarray         # K × T columns of I[k,t]
    lost: LostClasses


@dataclass(frozen=True)
class LostClasses:
    """The lost-sales classes (those that cannot owe), one row each."""

    k: np.ndarray             # their sku
    demand_cum: np.ndarray    # × (T+1): their demand of periods 1..t
    serve: np.ndarray         # × T: columns of what they are served in t


def separator(index: Index, v) -> Separator:
    """Collect the pieces of `v` (a build's Variables) and the data to test them."""
    lines, T, K = index.lines, index.T, index.K
    k, arrival, pack = (lines[c].to_numpy(int) for c in ("k", "arrival", "pack"))
    z = v.line_shipments(lines)
    tiered = np.zeros(len(lines), bool)
    tier_line = index.tiers["line"].to_numpy(int)
    tiered[tier_line] = True
    plain = np.flatnonzero(~tiered)
    moq = lines["moq_packs"].to_numpy(float)[plain]
    by_moq = (v.order_on[plain] >= 0) & (moq > 1)  # n ≥ moq·y holds only where the MOQ binds
    pieces = Pieces(
        qty=np.concatenate([v.order[plain], v.tier_qty]),
        unit=np.concatenate([pack[plain], np.ones(len(tier_line), int)]),
        on=np.column_stack([np.concatenate([v.order_on[plain], v.tier_on]),
                            np.concatenate([z[plain], z[tier_line]])]),
        k=np.concatenate([k[plain], k[tier_line]]),
        arrival=np.concatenate([arrival[plain], arrival[tier_line]]),
        whole=np.concatenate([np.where(by_moq, v.order_on[plain], v.order[plain]), v.tier_on]),
        least=np.concatenate([np.where(by_moq, moq, 1.0) * pack[plain], index.tiers["lo"].to_numpy(float)]))

    classes = index.classes
    cls_k = classes["k"].to_numpy(int)
    class_cum = np.cumsum(index.demand, axis=1)
    net_cum = np.zeros((K, T + 1))
    np.add.at(net_cum[:, 1:], cls_k, class_cum)
    net_cum[:, 1:] -= np.cumsum(index.receipts, axis=1)
    backlog = np.bincount(cls_k, classes["backlog"].to_numpy(float), minlength=K)
    c, t = np.nonzero(v.owed >= 0)
    owed = pd.DataFrame({"k": cls_k[c], "t": t + 1, "col": v.owed[c, t]})
    owed_most = np.zeros((K, T + 1))
    owed_most[:, 0] = backlog
    np.add.at(owed_most, (cls_k[c], t + 1), classes["backlog"].to_numpy(float)[c] + class_cum[c, t])
    short = np.column_stack([np.full(K, NONE), v.shortfall]) if v.shortfall.size else np.full((K, T + 1), NONE)
    floor = np.where(short >= 0, index.skus["safety_stock"].to_numpy(float)[:, None], 0.0)
    floor[:, 0] = index.skus["initial_inventory"].to_numpy(float)
    moves = index.moves
    out = pd.DataFrame({"k": index.lanes["k_from"].to_numpy(int)[moves["lane"].to_numpy(int)],
                        "t": moves["t"].to_numpy(int), "col": v.move})
    lost = np.flatnonzero((v.lost >= 0).any(axis=1)) if v.lost.size else np.empty(0, int)
    lost_classes = LostClasses(cls_k[lost], np.column_stack([np.zeros(len(lost)), class_cum[lost]]),
                               v.serve[lost])
    return Separator(pieces, T, net_cum, backlog, owed_most, floor, owed, short, out, v.stock,
                     lost_classes)


@dataclass(frozen=True)
class Cuts:
    """Inequalities as data: cut r is the sku `k[r]` up to period `last[r]`, over the pieces
    `members.p` with their chosen indicator column `members.on` (NONE: Y ≡ 1); `members.most`
    where the piece's arrival period has its owed term B_k[a-1] as B̄_k[a-1]·Y_p. With
    `floor[r]`, the cut is in its safety-stock form (see the module's docstring)."""

    k: np.ndarray
    last: np.ndarray
    floor: np.ndarray
    members: pd.DataFrame    # r, p, on, most


def separate(sep: Separator, x: np.ndarray, limit: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """The inequalities `x` violates most: the best set per sku and period, and the best
    singleton per piece, each group at most `limit`.

    Returns (A, hi): rows A·x ≤ hi over all of the model's columns.
    """
    blocks = [rows(one, c, len(x)) for one in (sep, _lost_form(sep, x)) if one is not None
              for c in _found(one, x, limit)]
    if not blocks:
        return sp.csr_matrix((0, len(x))), np.empty(0)
    return sp.vstack([A for A, _ in blocks], format="csr"), np.concatenate([hi for _, hi in blocks])


def _found(sep: Separator, x: np.ndarray, limit: int) -> list[Cuts]:
    """The set and the singleton inequalities that `x` violates, those found."""
    lv = levels(sep, x)
    return [c for c in (_sets(sep, x, lv, limit), _singletons(sep, x, lv, limit)) if len(c.k)]


def _lost_form(sep: Separator, x: np.ndarray) -> Separator | None:
    """The separator of the lost-sales form (`lost_served`) for the lost-sales classes that
    `x` serves less than `LOST_SERVED` of their demand; None if there are none."""
    lost = sep.lost
    mostly = np.flatnonzero(x[lost.serve].sum(axis=1) < LOST_SERVED * lost.demand_cum[:, -1])
    return lost_served(sep, mostly) if len(mostly) else None


def lost_served(sep: Separator, classes: np.ndarray) -> Separator:
    """The separator for the skus of lost-sales `classes` (rows of `sep.lost`), with those
    classes' demand off N_k and what they are served joining the moves out R_k."""
    lost = sep.lost
    net_cum = sep.net_cum.copy()
    np.subtract.at(net_cum, lost.k[classes], lost.demand_cum[classes])
    c, t = np.nonzero(lost.serve[classes] >= 0)
    served = pd.DataFrame({"k": lost.k[classes][c], "t": t + 1, "col": lost.serve[classes][c, t]})
    s = sep.pieces
    pieces = s.subset(np.isin(s.k, lost.k[classes]))
    return dataclasses.replace(sep, pieces=pieces, net_cum=net_cum,
                               out=pd.concat([sep.out, served], ignore_index=True))


def _indicator(sep: Separator, x: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For pieces `p`: the indicator column with the lower LP value (NONE if none) and that value."""
    on = sep.pieces.on[p]
    value = np.where(on >= 0, x[np.maximum(on, 0)], np.inf)
    pick = value.argmin(axis=1)
    col = on[np.arange(len(p)), pick]
    return col, np.where(col >= 0, value[np.arange(len(p)), pick], 1.0)


@dataclass(frozen=True)
class Levels:
    """What the LP solution holds per sku at the end of each period t = 0..T (K × (T+1))."""

    owed: np.ndarray      # owed by k's classes (the backlog lines at t = 0)
    short: np.ndarray     # shortfall e[k,t] below F_k[t] (0 where there is no such column)
    out_cum: np.ndarray   # moves out of k shipped in 1..t
    stock: np.ndarray     # on hand (0 at t = 0: the opening stock is not a variable)


def levels(sep: Separator, x: np.ndarray) -> Levels:
    """What `x` holds per sku and period."""
    K, T = len(sep.backlog), sep.T
    owed = _per_period(sep.owed, x, K, T)
    owed[:, 0] = sep.backlog
    short = np.where(sep.short >= 0, x[np.maximum(sep.short, 0)], 0.0)
    return Levels(owed, short, np.cumsum(_per_period(sep.out, x, K, T), axis=1),
                  np.concatenate([np.zeros((K, 1)), x[sep.stock]], axis=1))


def held(levels: Levels, k: np.ndarray, a: np.ndarray) -> np.ndarray:
    """len(k) × (T+1): I[k,l] + R_k(a..l) for every l (meaningful for l ≥ a)."""
    return levels.stock[k] + levels.out_cum[k] - levels.out_cum[k, a - 1][:, None]


def _coef(sep: Separator, k: np.ndarray, a: np.ndarray, most: bool | np.ndarray,
          l: np.ndarray) -> np.ndarray:
    """The coefficient of Y_p for pieces at sku `k` arriving in `a`, up to each period of `l`
    (len(k) × m): N_k(a..l), plus B̄_k[a-1] where `most`, at least 0; 0 for l < a."""
    net = sep.net_cum[k[:, None], l] - sep.net_cum[k, a - 1][:, None]
    most = np.where(most, sep.owed_most[k, a - 1], 0.0)
    return np.where(l >= a[:, None], np.maximum(net + most[:, None], 0.0), 0.0)


FORMS = ((False, False), (True, False), (False, True), (True, True))
"""A singleton's forms: (owed term as B̄_k[a-1]·Y_p, safety-stock form)."""


def _singletons(sep: Separator, x: np.ndarray, levels: Levels, limit: int) -> Cuts:
    """Per piece with a fractional indicator, its most violated singleton inequality."""
    s, T = sep.pieces, sep.T
    col, y = _indicator(sep, x, np.arange(len(s.qty)))
    qty = x[s.qty] * s.unit
    pick = np.flatnonzero((col >= 0) & (y > 1e-6) & (y < 1 - 1e-6) & (qty > 1e-6))
    if not len(pick):
        return _no_cuts()
    k, a = s.k[pick], s.arrival[pick]
    l = np.broadcast_to(np.arange(T + 1), (len(pick), T + 1))
    base = qty[pick, None] - held(levels, k, a)
    owed, short = levels.owed[k, a - 1][:, None], levels.short[k, a - 1][:, None]
    floor = np.minimum(sep.floor[k], sep.floor[k, a - 1][:, None]) - levels.short[k] - short
    slack = {most: _coef(sep, k, a, most, l) * y[pick, None] + (0.0 if most else owed) for most in (False, True)}
    forms = np.stack([base - slack[most] + (floor if floored else 0.0) for most, floored in FORMS])
    forms = np.where(l >= a[:, None], forms, -np.inf)
    form, violation = forms.argmax(axis=0), forms.max(axis=0)
    best = violation.argmax(axis=1)
    worst = violation[np.arange(len(pick)), best]
    keep = np.flatnonzero(worst > TOL * np.maximum(1.0, qty[pick]))
    keep = keep[np.argsort(-worst[keep])][:limit]
    chosen = np.array(FORMS)[form[keep, best[keep]]]
    return Cuts(k[keep], best[keep], chosen[:, 1], pd.DataFrame({
        "r": np.arange(len(keep)), "p": pick[keep], "on": col[pick[keep]], "most": chosen[:, 0]}))


def _sets(sep: Separator, x: np.ndarray, levels: Levels, limit: int) -> Cuts:
    """Per sku k and period l, the set S of pieces that maximises the violation.

    A piece p gains v_p = X_p − N_k(a_p..l)·Y_p; an arrival period a enters S
    (with its pieces of positive gain) when their gains exceed B_k[a-1], or
    when, with B̄_k[a-1]·Y_p taken off each gain instead, those gains are
    positive, whichever gains more. In the safety-stock form each period's
    e[k,a-1] is taken off too, and the cut gains F_k[l] − e[k,l]; per sku and
    period, the form that is broken more. The moves term R_k(min A(S)..l) is
    left out of the choice (it only lowers a violation), then counted in the
    violation that decides.
    """
    s, T = sep.pieces, sep.T
    qty = x[s.qty] * s.unit
    p = np.flatnonzero(qty > 1e-6)
    if not len(p):
        return _no_cuts()
    col, y = _indicator(sep, x, p)
    k, a = s.k[p], s.arrival[p]
    l = np.broadcast_to(np.arange(T + 1), (len(p), T + 1))
    late = l >= a[:, None]
    gain = np.where(late, np.maximum(qty[p, None] - _coef(sep, k, a, False, l) * y[:, None], 0), 0)
    gain_most = np.where(late, np.maximum(qty[p, None] - _coef(sep, k, a, True, l) * y[:, None], 0), 0)
    _, first, group = np.unique(k * (T + 2) + a, return_index=True, return_inverse=True)
    g_k, g_a = k[first], a[first]
    g_gain, g_most = np.zeros((len(first), T + 1)), np.zeros((len(first), T + 1))
    np.add.at(g_gain, group, gain)
    np.add.at(g_most, group, gain_most)
    g_gain -= levels.owed[g_k, g_a - 1][:, None]
    use_most = g_most > g_gain
    g_gain = np.maximum(g_gain, g_most)
    K = len(sep.backlog)
    g_late = np.arange(T + 1)[None, :] >= g_a[:, None]
    plain = _best_sets(levels, g_k, g_a, np.where(g_late, g_gain, 0.0), K)
    floored = _best_sets(levels, g_k, g_a, np.where(g_late, g_gain - levels.short[g_k, g_a - 1][:, None], 0.0), K)
    # the safety-stock form's own terms, F_k[l] − e[k,l], with F_k[a-1] ≥ F_k[l] taken for granted
    floored_violation = floored.violation + sep.floor - levels.short
    use_floor = floored_violation > plain.violation
    best = np.where(use_floor, floored_violation, plain.violation)
    size = np.zeros((K, T + 1))
    np.add.at(size, k, np.where(late, qty[p, None], 0.0))
    found = np.where(use_floor, floored.first_a, plain.first_a) <= T
    ck, cl = np.nonzero(found & (best > TOL * np.maximum(1.0, size)))
    order = np.argsort(-best[ck, cl])[:limit]
    ck, cl = ck[order], cl[order]
    if not len(ck):
        return _no_cuts()
    floor = use_floor[ck, cl]
    # members: the pieces of positive gain in the chosen arrival periods of each cut
    r, i = same_sku(ck, k)
    g, at = group[i], cl[r]
    chosen = np.where(floor[r], floored.member[g, at], plain.member[g, at])
    most = use_most[g, at]
    keep = chosen & (np.where(most, gain_most[i, at], gain[i, at]) > 0)
    members = pd.DataFrame({"r": r[keep], "p": p[i[keep]], "on": col[i[keep]], "most": most[keep]})
    return Cuts(ck, cl, floor, members)


@dataclass(frozen=True)
class Sets:
    """Per sku and period l (K × (T+1)), the best set's violation (F_k[l] − e[k,l] apart) and
    its first arrival period (T+1: none); `member` (groups × (T+1)): whether a group is in it."""

    violation: np.ndarray
    first_a: np.ndarray
    member: np.ndarray


def _best_sets(levels: Levels, g_k: np.ndarray, g_a: np.ndarray, g_gain: np.ndarray, K: int) -> Sets:
    """The groups (a sku's pieces arriving in one period) of positive gain `g_gain`, summed per
    sku and period, less what the sku holds and ships out from the first of them on."""
    T = g_gain.shape[1] - 1
    member = g_gain > 1e-9
    total = np.zeros((K, T + 1))
    np.add.at(total, g_k, np.where(member, g_gain, 0.0))
    first_a = np.full((K, T + 1), T + 1)
    np.minimum.at(first_a, g_k, np.where(member, g_a[:, None], T + 1))
    start = np.minimum(first_a, T) - 1
    violation = (total - levels.stock
                 - (levels.out_cum - np.take_along_axis(levels.out_cum, start, axis=1)))
    return Sets(violation, first_a, member)


def same_sku(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (i, j) of positions with left[i] == right[j] (skus)."""
    pairs = pd.DataFrame({"i": np.arange(len(left)), "k": left}).merge(
        pd.DataFrame({"j": np.arange(len(right)), "k": right}), on="k")
    return pairs["i"].to_numpy(), pairs["j"].to_numpy()


def _no_cuts() -> Cuts:
    empty = np.empty(0, int)
    return Cuts(empty, empty, empty.astype(bool),
                pd.DataFrame({"r": empty, "p": empty, "on": empty, "most": empty.astype(bool)}))


def _per_period(terms: pd.DataFrame, x: np.ndarray, K: int, T: int) -> np.ndarray:
    """Σ x[col] per (k, t) as a K × (T+1) array."""
    grid = np.zeros((K, T + 1))
    np.add.at(grid, (terms["k"].to_numpy(int), terms["t"].to_numpy(int)), x[terms["col"].to_numpy(int)])
    return grid


def rows(sep: Separator, cuts: Cuts, n: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """The inequalities `cuts` as sparse rows A·x ≤ hi over `n` columns."""
    s = sep.pieces
    m = cuts.members
    r, p, on = m["r"].to_numpy(int), m["p"].to_numpy(int), m["on"].to_numpy(int)
    most = m["most"].to_numpy(bool)
    k, last = cuts.k[r], cuts.last[r]
    a = s.arrival[p]
    coef = _coef(sep, k, a, most, last[:, None])[:, 0]
    arrivals = pd.DataFrame({"r": r, "k": k, "t": a - 1})
    periods = arrivals[~most].drop_duplicates()
    owed = periods.merge(sep.owed, on=["k", "t"])
    count = len(cuts.k)
    # safety-stock form: e[k,a-1] of every arrival period and e[k,l]; F, the least floor among them
    ends = pd.DataFrame({"r": np.arange(count), "k": cuts.k, "t": cuts.last})
    floored = pd.concat([arrivals[cuts.floor[r]].drop_duplicates(), ends[cuts.floor]])
    short = sep.short[floored["k"].to_numpy(int), floored["t"].to_numpy(int)]
    least = np.full(count, np.inf)
    np.minimum.at(least, floored["r"].to_numpy(int),
                  sep.floor[floored["k"].to_numpy(int), floored["t"].to_numpy(int)])
    least = np.where(cuts.floor, least, 0.0)
    first = arrivals.groupby("r")["t"].min() + 1
    cut = pd.DataFrame({"r": first.index, "k": cuts.k[first.index], "a": first.to_numpy(),
                        "l": cuts.last[first.index]})
    out = cut.merge(sep.out, on="k")
    out = out[(out["t"] >= out["a"]) & (out["t"] <= out["l"])]
    has = on >= 0
    rows_ = np.concatenate([r, r[has], np.arange(count), owed["r"], floored["r"][short >= 0], out["r"]])
    cols = np.concatenate([s.qty[p], on[has], sep.stock[cuts.k, cuts.last - 1], owed["col"],
                           short[short >= 0], out["col"]])
    vals = np.concatenate([s.unit[p].astype(float), -coef[has], -np.ones(count),
                           -np.ones(len(owed) + (short >= 0).sum() + len(out))])
    A = sp.csr_matrix((vals, (rows_, cols)), shape=(count, n))
    A.sum_duplicates()
    at_start = periods[periods["t"] == 0]
    hi = (np.bincount(r[~has], coef[~has], minlength=count).astype(float)
          + np.bincount(at_start["r"].to_numpy(int), sep.backlog[at_start["k"].to_numpy(int)],
                        minlength=count)
          - least)
    return A, hi
