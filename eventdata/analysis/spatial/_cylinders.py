"""The engine of the space-time permutation scan: its cylinders and their statistic.

Private to :mod:`eventdata.analysis.spatial` (see :mod:`~eventdata.analysis.spatial.scan`
for the method, :mod:`~eventdata.analysis.spatial._circles` for the circles). Three facts
make the Monte Carlo replications cheap, and keep the largest LLR of each exact:

- a replication shuffles the days among the events, so every location's and every day's
  total stays: the circles, and every cylinder's expected count ``mu``, are the same in
  all replications; only the counts ``c`` change;
- ``LLR(c, mu)`` grows with ``c`` (above ``mu``) and falls with ``mu``, so for a level
  ``L`` each ``mu`` has a least count below which the LLR cannot reach ``L`` (worked out
  once per level on a fine grid of ``ln mu``, rounding down);
- a count over a wider span of days in a larger circle is at least as large, and the
  expectation over a narrower span in a smaller circle at most as large. So the
  circles are compared in **groups** (consecutive circles of one centre; the largest's
  count against the least count of the smallest's expectation) and the intervals in
  **bands** of lengths (the same start, lengths within 10%: the widest span's count
  against the narrowest's expectation). A replication costs one integer subtraction and
  comparison per group and band row (16-bit counts when they fit); only the few that
  pass are looked at length by length, then circle by circle (a member's count is the
  largest circle's less the places it adds), first through a bound without logarithms
  (``LLR <= x^2 / (2 mu) + x^2 / (C - mu)``, ``x = c - mu``), then exactly.

When no cylinder reaches the level, the replication is looked at again at ``L / 2`` (and
so on, down to every cylinder with more events than expected). The first level is a share
of the observed largest LLR, then of a low quantile of the replications' own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from eventdata.analysis.spatial._circles import Plan

__all__ = ["Cylinders", "bands", "interval_rows", "log_likelihood_ratio"]

# cylinders handled in one step (circles x intervals): bounds the memory
CHUNK = 4_000_000
# thresholds kept between replications (cells)
CACHE = 64_000_000
# cells per band of sizes from which a chunk's thresholds are subtracted band by band
# (a numpy call per band costs about what gathering this many cells' thresholds does)
RUNS = 2000
# width of a band of circle sizes sharing thresholds, in ln(size) (sizes within 3%)
BAND = 0.03
# the first level looked at: a share of the observed largest LLR, then, after RELEVEL
# replications, of their largest LLRs' 10th percentile
LEVEL_SHARE = 0.9
RELEVEL = (1, 10, 50)
# replications whose circle counts are built together (fewer numpy calls per replication)
BATCH = 10
# cells of the count tables built together for a batch of replications
TABLE_CELLS = 32_000_000
# below it, every cylinder with more events than expected is evaluated
MIN_LEVEL = 0.5
# cells of the grid of ln(mu) per unit (thresholds at a level are looked up on it)
GRID = 2048
# (interval, group) pairs whose members are counted in one step
PIECE = 100_000
# interval lengths scanned one by one; longer ones in bands of lengths within RATIO
SINGLE = 8
RATIO = 1.1


def log_likelihood_ratio(c, mu, total) -> np.ndarray:
    """Kulldorff's LLR ``c ln(c/mu) + (C-c) ln((C-c)/(C-mu))`` (for ``c > mu > 0``)."""
    c = np.asarray(c, dtype="float64")
    rest = total - c
    with np.errstate(divide="ignore", invalid="ignore"):
        outside = np.where(rest > 0, rest * np.log(rest / (total - mu)), 0.0)
        return c * np.log(c / mu) + outside


def bands(window: int) -> list[tuple[int, int]]:
    """The bands of interval lengths scanned together: (shortest, longest), in units."""
    out, shortest = [], 1
    while shortest <= window:
        longest = min(
            window, max(shortest, shortest if shortest <= SINGLE else int(shortest * RATIO))
        )
        out.append((shortest, longest))
        shortest = longest + 1
    return out


def interval_rows(n_days: int, window: int, prospective: bool) -> int:
    """How many rows (a start and a band of lengths) a replication compares per group."""
    if prospective:
        return window
    return sum(n_days - shortest + 1 for shortest, _ in bands(window))


@dataclass(frozen=True)
class _Intervals:
    """Intervals of one block: those starting on ``start`` with a length from ``length``
    to ``longest`` (ending by the last unit), and the rows of the cumulative tables that
    hold their widest span (``lo``, ``hi``).
    """

    lo: slice | np.ndarray
    hi: slice | np.ndarray
    start: np.ndarray  # first unit of each row
    length: np.ndarray  # the shortest interval's length in units
    day_share: np.ndarray  # its events (all locations) over all events: the least share
    extra: int  # how much longer than ``length`` the row's longest interval is


@dataclass
class Cylinders:
    """Every circle times every interval, with what does not change between replications.

    The circles are looked at in the plan's groups (:mod:`._circles`): a group's largest
    circle's count against the least count of its smallest circle's expectation bounds
    every member; the members of the few groups and intervals that pass are counted and
    their LLR computed.
    """

    plan: Plan
    day_totals: np.ndarray
    window: int
    prospective: bool
    min_events: int
    _tables: dict = field(default_factory=dict)
    _spreads: dict = field(default_factory=dict)
    _grids: dict = field(default_factory=dict)
    _cached: int = 0

    def __post_init__(self):
        self.total = int(self.day_totals.sum())
        # counts fit in 16 bits for most data, which halves the memory each replication reads
        self.dtype = np.dtype(np.int16 if self.total < np.iinfo(np.int16).max - 1 else np.int32)
        self.sizes = self.plan.size[self.plan.centre, self.plan.step].astype("float64")
        members = self.plan.members
        self._member_sizes = np.where(members >= 0, self.sizes[members], np.inf)
        # a group's thresholds are those of the smallest circle of its band of sizes (the
        # groups come sorted by their smallest circle's size, so a band is a column range)
        low = self.sizes[self.plan.first]
        band = np.floor(np.log(np.maximum(low, 1.0)) / BAND).astype(np.int64)
        new = np.r_[True, band[1:] != band[:-1]][: len(band)]
        self._band_sizes, self._band = low[new], np.cumsum(new) - 1
        # no cylinder with an event expects less than one event's share of the smallest circle
        smallest = self.sizes.min() if len(self.sizes) else 1.0  # none: one place, too big
        self._log_floor = np.log(smallest / self.total) - 1.0 / GRID
        self._day_cumulative = np.concatenate([[0.0], np.cumsum(self.day_totals)])
        self.blocks = self._blocks()
        longest = max(len(b.start) for b in self.blocks)
        n_groups = len(self.plan.last)
        step = max(1, CHUNK // longest)
        self.chunks = [(lo, min(lo + step, n_groups)) for lo in range(0, n_groups, step)]
        # each chunk's runs of one band: (first column, end column, band), chunk-relative
        self._runs = []
        for a, b in self.chunks:
            cut = np.flatnonzero(np.r_[True, self._band[a + 1 : b] != self._band[a : b - 1]])
            ends = np.r_[cut[1:], b - a]
            self._runs.append(list(zip(cut, ends, self._band[a + cut], strict=True)))
        self._buffer = np.empty(longest * min(step, n_groups), dtype=self.dtype)
        # each group's thresholds can be kept between replications (two levels at a time)
        self._spread_fits = 2 * self.n_cylinders <= CACHE

    @property
    def n_cylinders(self) -> int:
        """Cylinders of the groups' largest circles (what a replication compares)."""
        return len(self.plan.last) * sum(len(b.start) for b in self.blocks)

    def _blocks(self) -> list[_Intervals]:
        """The intervals, by lengths: each length alone up to :data:`SINGLE`, then bands of
        lengths within :data:`RATIO` of each other (a band's longest span bounds the
        counts of all its intervals, its shortest their expectation)."""
        n_days = len(self.day_totals)
        cumulative = self._day_cumulative
        if self.prospective:  # intervals that end on the last unit, shortest first
            lengths = np.arange(1, self.window + 1)
            lo = n_days - lengths
            share = (cumulative[n_days] - cumulative[lo]) / self.total
            return [_Intervals(lo, slice(n_days, n_days + 1), lo, lengths, share, 0)]
        blocks = []
        for shortest, longest in bands(self.window):
            # the starts whose widest span fits, then those it would pass the last unit
            whole = np.arange(n_days - longest + 1)
            cut = np.arange(n_days - longest + 1, n_days - shortest + 1)
            for starts, lo, hi in (
                (whole, slice(0, len(whole)), slice(longest, n_days + 1)),
                (cut, slice(cut[0], cut[-1] + 1) if len(cut) else cut, slice(n_days, n_days + 1)),
            ):
                if len(starts):
                    share = (cumulative[starts + shortest] - cumulative[starts]) / self.total
                    blocks.append(
                        _Intervals(
                            lo,
                            hi,
                            starts,
                            np.full(len(starts), shortest),
                            share,
                            longest - shortest,
                        )
                    )
        return blocks

    def _counts(self, cumulative, a, b, block) -> np.ndarray:
        """(intervals, groups) counts of the groups' largest circles, in the engine's buffer."""
        shape = (len(block.start), b - a)
        out = self._buffer[: shape[0] * shape[1]].reshape(shape)
        return np.subtract(cumulative[block.hi, a:b], cumulative[block.lo, a:b], out=out)

    def _table(self, level, index) -> np.ndarray:
        """(intervals, bands): the least count at which a group's largest circle could let
        a member reach ``level``, for each interval of a block and band of sizes.

        At a level, from a table over a fine grid of ``ln mu`` (``mu`` is a circle's size
        times an interval's share, so ``ln mu`` is a sum): the grid point at or below a
        cylinder's ``mu`` gives a count at most its least one, never more.
        """
        key = (level, index)
        if key in self._tables:
            return self._tables[key]
        block = self.blocks[index]
        if level > 0:
            with np.errstate(divide="ignore"):
                log_share = np.log(block.day_share)
            log_mu = log_share[:, None] + np.log(self._band_sizes)[None, :]
            # one grid step lower than the floor: rounding in the logs never raises a count
            # (cell 0 holds the intervals without events, whose log is -inf)
            cell = np.maximum((log_mu - self._log_floor) * GRID, 0.0).astype(np.intp)
            least = self._least_counts(level)[cell]
        else:  # more events than expected
            least = np.floor(block.day_share[:, None] * self._band_sizes[None, :]) + 1
        least = np.clip(np.maximum(least, self.min_events), 0, self.total + 1).astype(self.dtype)
        self._cached += least.size
        if self._cached > CACHE:  # those of other levels
            self._tables, self._spreads, self._cached = {}, {}, least.size
        self._tables[key] = least
        return least

    def _spread(self, level, chunk, index) -> np.ndarray:
        """The block's thresholds for each group of a chunk (kept while they fit)."""
        key = (level, chunk, index)
        if key in self._spreads:
            return self._spreads[key]
        a, b = self.chunks[chunk]
        least = np.take(self._table(level, index), self._band[a:b], axis=1)
        if self._cached + least.size <= CACHE:
            self._spreads[key] = least
            self._cached += least.size
        return least

    def _least_counts(self, level: float) -> np.ndarray:
        """The least count that can reach ``level``, on the grid of ``ln mu`` (cell 0: any)."""
        if level in self._grids:
            return self._grids[level]
        # no cylinder holds more events than the largest circle
        c = np.arange(int(self.sizes.max(initial=0)) + 1, dtype="float64")
        low, high = np.zeros_like(c), c.copy()  # LLR(c, 0+) is infinite, LLR(c, c) = 0
        target = level * (1 - 1e-9)  # a hair low: the exact LLR decides at the end
        # (high stays above the boundary: fewer steps only let a few more cylinders through)
        for _ in range(40):
            middle = 0.5 * (low + high)
            reach = log_likelihood_ratio(c, middle, self.total) >= target
            low, high = np.where(reach, middle, low), np.where(reach, high, middle)
        # the largest mu each count beats (above it, the count is too few): rising with c
        beatable = np.maximum.accumulate(np.r_[-np.inf, high[1:]])
        cells = int(np.ceil((np.log(self.total + 1.0) - self._log_floor) * GRID)) + 2
        grid = np.exp(self._log_floor + (np.arange(cells) - 1) / GRID)
        least = np.searchsorted(beatable, grid, side="left")
        least[0] = 0  # below the grid's floor (mu of days without events): any count
        self._grids[level] = least
        return least

    def _candidates(self, tables, level):
        """Every member cylinder of the groups and intervals that could reach ``level``
        and holds more events than expected (and ``min_events``), in pieces:
        ``(circle, start, length, observed, expected, llr)``."""
        groups = tables[0]
        passed, waiting = [], 0
        for chunk, ((a, b), runs) in enumerate(zip(self.chunks, self._runs, strict=True)):
            for index, block in enumerate(self.blocks):
                least = self._table(level, index)
                margin = self._counts(groups, a, b, block)
                if not self._spread_fits and len(runs) * RUNS <= margin.size:
                    # few bands for the cells, and no room to keep each group's: one each
                    for lo, hi, band in runs:
                        np.subtract(
                            margin[:, lo:hi], least[:, band : band + 1], out=margin[:, lo:hi]
                        )
                else:  # many: each group's column of thresholds, kept while they fit
                    margin -= self._spread(level, chunk, index)
                # intervals (rows) where some group may reach the level: usually none or few
                rows = np.flatnonzero(margin.max(axis=1) >= 0)
                if not len(rows):
                    continue
                at, group = np.nonzero(margin[rows] >= 0)
                rows = rows[at]
                # each row once per length of its band (counted together, in pieces)
                passed.append((block.start[rows], block.length[rows], block.extra, group + a))
                waiting += len(rows) * (block.extra + 1)
                if waiting >= PIECE:
                    yield from self._members(tables, passed, level)
                    passed, waiting = [], 0
        if passed:
            yield from self._members(tables, passed, level)

    def _members(self, tables, passed, level):
        """The member cylinders above expectation of the (start, band, group) that passed,
        for every length of each band that ends by the last unit."""
        groups, places = tables
        start = np.concatenate([np.repeat(s, extra + 1) for s, _, extra, _ in passed])
        group = np.concatenate([np.repeat(g, extra + 1) for _, _, extra, g in passed])
        length = np.concatenate(
            [
                np.repeat(n, extra + 1) + np.tile(np.arange(extra + 1), len(n))
                for _, n, extra, _ in passed
            ]
        )
        end = start + length  # one past, as a row of the cumulative tables
        fits = end <= len(self.day_totals)
        start, end, length, group = start[fits], end[fits], length[fits], group[fits]
        top = groups[end, group].astype(np.int64) - groups[start, group]
        share = (self._day_cumulative[end] - self._day_cumulative[start]) / self.total
        # the group's largest count against its smallest circle's expectation, length by
        # length, before the members are counted
        fits = self._could_reach(top, share * self.sizes[self.plan.first[group]], level)
        start, end, length, group, top, share = (
            v[fits] for v in (start, end, length, group, top, share)
        )
        for cut in (slice(lo, lo + PIECE) for lo in range(0, len(start), PIECE)):
            found = self._count_members(
                places, start[cut], end[cut], group[cut], top[cut], share[cut], level
            )
            if found is not None:
                circle, at, c, mu, llr = found
                yield circle, start[cut][at], length[cut][at], c, mu, llr

    def _count_members(self, places, start, end, group, top, share, level):
        """Each member's count, from its group's largest circle's less the places it adds."""
        if self.plan.members.shape[1] == 1:  # every group one circle: its count is known
            c = top[:, None]
        else:
            tail = self.plan.tail[group]
            dropped = places[tail, end[:, None]] - places[tail, start[:, None]]
            lost = np.zeros((len(start), tail.shape[1] + 1), dtype=np.int64)
            np.cumsum(dropped, axis=1, out=lost[:, 1:])
            c = top[:, None] - np.take_along_axis(lost, self.plan.lacks[group], axis=1)
        mu = share[:, None] * self._member_sizes[group]  # padding: inf
        at, member = np.nonzero(self._could_reach(c, mu, level))
        if not len(at):
            return None
        c, mu = c[at, member].astype("float64"), mu[at, member]
        llr = log_likelihood_ratio(c, mu, self.total)
        return self.plan.members[group[at], member], at, c, mu, llr

    def _could_reach(self, c, mu, level) -> np.ndarray:
        """Whether counts ``c`` over expectations ``mu`` are above them, hold
        ``min_events``, and could reach ``level``: ``LLR <= x^2 / (2 mu) + x^2 / (C - mu)``
        with ``x = c - mu`` (no logarithm needed)."""
        keep = (c > mu) & (c >= self.min_events)
        if level > 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                x = c - mu
                keep &= x * x * (0.5 / mu + 1.0 / (self.total - mu)) >= level * (1 - 1e-9)
        return keep

    def largest(self, tables, level: float, step: float = 2.0) -> float:
        """The largest LLR over all cylinders, for one replication's tables.

        The cylinders that could reach ``level`` are looked at first, then those that
        could reach ``level / step``, and so on: the first level some cylinder reaches
        holds the largest.
        """
        while level >= MIN_LEVEL:
            found = self._largest(tables, level)
            if found >= level:  # every cylinder that could beat it was looked at
                return found
            level /= step
        return self._largest(tables, 0.0)

    def _largest(self, tables, level) -> float:
        best = 0.0
        for *_, llr in self._candidates(tables, level):
            best = max(best, float(llr.max()))
        return best

    def best(self, tables, level: float = 0.0) -> dict[str, np.ndarray]:
        """Each circle's best cylinder (ties: the earliest start, then the shortest), for
        the circles whose best reaches ``level`` (all with more events than expected at 0).
        """
        n = len(self.sizes)
        value, start, length = np.full(n, -np.inf), np.zeros(n, np.intp), np.ones(n, np.intp)
        observed, expected = np.zeros(n), np.zeros(n)
        for circle, first, span, c, mu, llr in self._candidates(tables, level):
            # each circle's best of this piece, then against its best so far
            order = np.lexsort((span, first, -llr, circle))
            head = order[np.r_[True, circle[order][1:] != circle[order][:-1]]]
            circle, first, span, llr = circle[head], first[head], span[head], llr[head]
            v, s, w = value[circle], start[circle], length[circle]
            better = (llr > v) | ((llr == v) & ((first < s) | ((first == s) & (span < w))))
            take = circle[better]
            value[take], start[take], length[take] = llr[better], first[better], span[better]
            observed[take], expected[take] = c[head][better], mu[head][better]
        keep = np.flatnonzero(value >= level) if level > 0 else np.flatnonzero(value > 0)
        return {
            "circle": keep,
            "start": start[keep],
            "end": start[keep] + length[keep] - 1,
            "observed": observed[keep],
            "expected": expected[keep],
            "llr": value[keep],
        }

    def null_statistics(self, place, day, replications, rng, guess, done=None) -> np.ndarray:
        """The largest LLR of each replication (the days shuffled among the events).

        ``done(n)``, when given, is called after each batch of ``n`` replications.

        ``guess``: where to look first (the observed largest LLR: under the null it is one
        more draw of the replications' distribution). After some replications the first
        level is a share of a low quantile of their largest LLRs.
        """
        n_days = len(self.day_totals)
        null = np.empty(replications)
        level = LEVEL_SHARE * guess
        # replications whose counts are built together (bounded like a chunk)
        cells = (len(self.plan.last) + self.plan.order.shape[0] + 1) * (n_days + 1)
        batch = max(1, min(BATCH, TABLE_CELLS // max(1, cells)))
        relevel = list(RELEVEL)
        # the first replication alone: the observed LLR can be far above the null's
        starts = [0, *range(1, replications, batch)] if replications else []
        ends = [*starts[1:], replications] if starts else []
        for lo, hi in zip(starts, ends, strict=True):
            if relevel and lo >= relevel[0]:
                relevel = [r for r in relevel if r > lo]
                level = LEVEL_SHARE * float(np.quantile(null[:lo], 0.1))
                self._tables, self._spreads, self._cached = {}, {}, 0  # of the old levels
            shuffled = np.stack([rng.permutation(day) for _ in range(hi - lo)])
            groups, places = self.plan.tables(place, shuffled, n_days, self.dtype)
            for r in range(len(groups)):
                null[lo + r] = self.largest((groups[r], places[r]), level)
            if done is not None:
                done(len(groups))
        return null
