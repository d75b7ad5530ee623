"""The engine of the space-time permutation scan: its circles, its cylinders, their statistic.

Private to :mod:`eventdata.analysis.spatial` (see :mod:`~eventdata.analysis.spatial.scan`
for the method). Two facts make the Monte Carlo replications cheap:

- a replication shuffles the days among the events, so every location's and every day's
  total stays: the circles, their order, and every cylinder's expected count ``mu`` are
  the same in all replications; only the counts ``c`` change;
- ``LLR(c, mu)`` grows with ``c`` (above ``mu``) and falls with ``mu``, so for a level
  ``L`` each cylinder has a least count ``T(mu)`` below which its LLR cannot reach ``L``.
  The thresholds are worked out once per level (the largest ``mu`` each count can beat,
  by bisection, looked up on a fine grid of ``ln mu``, rounding down). A replication
  then costs two integer subtractions and a maximum per cylinder (16-bit counts when
  they fit); the LLR itself is computed only for the few cylinders at or above their
  threshold. When none of them reaches ``L``, the replication is looked at again at
  ``L / 2`` (and so on, down to every cylinder with more events than expected), so
  the largest LLR is always exact.

The first level is a share of the observed largest LLR, then of a low quantile of the
replications' own. Circle counts come from growing each centre's circle neighbour by
neighbour over a location x day table of cumulative counts (ten replications at once);
counts over the intervals of one length are differences of two row slices (days as
rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from eventdata.analysis.spatial._circles import Plan

__all__ = ["Cylinders", "log_likelihood_ratio"]

# cylinders handled in one step (circles x intervals): bounds the memory
CHUNK = 4_000_000
# cylinders whose count thresholds are kept between replications
CACHE = 64_000_000
# the first level looked at: a share of the observed largest LLR, then, after RELEVEL
# replications, of their largest LLRs' 10th percentile
LEVEL_SHARE = 0.9
RELEVEL = (10, 50)
# replications whose circle counts are built together (fewer numpy calls per replication)
BATCH = 10
# below it, every cylinder with more events than expected is evaluated
MIN_LEVEL = 0.5
# cells of the grid of ln(mu) per unit (thresholds at a level are looked up on it)
GRID = 2048
# (interval, group) pairs whose members are counted in one step
PIECE = 100_000


def log_likelihood_ratio(c, mu, total) -> np.ndarray:
    """Kulldorff's LLR ``c ln(c/mu) + (C-c) ln((C-c)/(C-mu))`` (for ``c > mu > 0``)."""
    c = np.asarray(c, dtype="float64")
    rest = total - c
    with np.errstate(divide="ignore", invalid="ignore"):
        outside = np.where(rest > 0, rest * np.log(rest / (total - mu)), 0.0)
        return c * np.log(c / mu) + outside


@dataclass(frozen=True)
class _Intervals:
    """Intervals of one block: rows of the cumulative table where they start and end."""

    lo: slice | np.ndarray
    hi: slice | np.ndarray
    start: np.ndarray  # first unit of each interval
    length: np.ndarray  # its length in units
    day_share: np.ndarray  # its events (all locations) over all events


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
    _thresholds: dict = field(default_factory=dict)
    _size_tables: dict = field(default_factory=dict)
    _grids: dict = field(default_factory=dict)
    _cached: int = 0

    def __post_init__(self):
        self.total = int(self.day_totals.sum())
        # counts fit in 16 bits for most data, which halves the memory each replication reads
        self.dtype = np.dtype(np.int16 if self.total < np.iinfo(np.int16).max - 1 else np.int32)
        self.sizes = self.plan.size[self.plan.centre, self.plan.step].astype("float64")
        members = self.plan.members
        self._member_sizes = np.where(members >= 0, self.sizes[members], np.inf)
        # a group's thresholds are its smallest circle's; kept per distinct size
        self._size_values, self._size_index = np.unique(
            self.sizes[self.plan.first], return_inverse=True
        )
        # no cylinder with an event expects less than one event's share of the smallest circle
        smallest = self.sizes.min() if len(self.sizes) else 1.0  # none: one place, too big
        self._log_floor = np.log(smallest / self.total) - 1.0 / GRID
        self.blocks = self._blocks()
        longest = max(len(b.start) for b in self.blocks)
        n_groups = len(self.plan.last)
        step = max(1, CHUNK // longest)
        self.chunks = [(lo, min(lo + step, n_groups)) for lo in range(0, n_groups, step)]
        self._buffer = np.empty(longest * min(step, n_groups), dtype=self.dtype)

    @property
    def n_cylinders(self) -> int:
        """Cylinders of the groups' largest circles (what a replication compares)."""
        return len(self.plan.last) * sum(len(b.start) for b in self.blocks)

    def _blocks(self) -> list[_Intervals]:
        n_days = len(self.day_totals)
        day_cumulative = np.concatenate([[0.0], np.cumsum(self.day_totals)])
        if self.prospective:  # intervals that end on the last unit, shortest first
            lengths = np.arange(1, self.window + 1)
            lo = n_days - lengths
            share = (day_cumulative[n_days] - day_cumulative[lo]) / self.total
            return [_Intervals(lo, slice(n_days, n_days + 1), lo, lengths, share)]
        blocks = []
        for length in range(1, self.window + 1):  # all starts of one length per block
            starts = np.arange(n_days - length + 1)
            share = (day_cumulative[starts + length] - day_cumulative[starts]) / self.total
            blocks.append(
                _Intervals(
                    slice(0, n_days - length + 1),
                    slice(length, n_days + 1),
                    starts,
                    np.full(len(starts), length),
                    share,
                )
            )
        return blocks

    def _counts(self, cumulative, a, b, block) -> np.ndarray:
        """(intervals, groups) counts of the groups' largest circles, in the engine's buffer."""
        shape = (len(block.start), b - a)
        out = self._buffer[: shape[0] * shape[1]].reshape(shape)
        return np.subtract(cumulative[block.hi, a:b], cumulative[block.lo, a:b], out=out)

    def _threshold(self, level, chunk, index) -> np.ndarray:
        """The least count at which a group's largest circle could let a member reach
        ``level``, for each interval of a block and group of a chunk.

        Kept per cylinder while they fit in :data:`CACHE`, else gathered again from the
        block's table per smallest-circle size.
        """
        key = (level, chunk, index)
        if key in self._thresholds:
            return self._thresholds[key]
        a, b = self.chunks[chunk]
        least = np.take(self._size_table(level, index), self._size_index[a:b], axis=1)
        if self._cached + least.size <= CACHE:
            self._thresholds[key] = least
            self._cached += least.size
        return least

    def _size_table(self, level, index) -> np.ndarray:
        """(intervals, distinct sizes): the least count that could reach ``level``.

        At a level, from a table over a fine grid of ``ln mu`` (``mu`` is a circle's size
        times an interval's share, so ``ln mu`` is a sum): the grid point at or below a
        cylinder's ``mu`` gives a count at most its least one, never more.
        """
        key = (level, index)
        if key in self._size_tables:
            return self._size_tables[key]
        block = self.blocks[index]
        if level > 0:
            with np.errstate(divide="ignore"):
                log_share = np.log(block.day_share)
            log_mu = log_share[:, None] + np.log(self._size_values)[None, :]
            # one grid step lower than the floor: rounding in the logs never raises a count
            # (cell 0 holds the intervals without events, whose log is -inf)
            cell = np.maximum((log_mu - self._log_floor) * GRID, 0.0).astype(np.intp)
            least = self._least_counts(level)[cell]
        else:  # more events than expected
            least = np.floor(block.day_share[:, None] * self._size_values[None, :]) + 1
        least = np.clip(np.maximum(least, self.min_events), 0, self.total + 1).astype(self.dtype)
        if sum(t.size for t in self._size_tables.values()) + least.size > CACHE:
            self._size_tables = {}  # those of other levels
        self._size_tables[key] = least
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
        groups, places = tables
        for chunk, (a, b) in enumerate(self.chunks):
            for index, block in enumerate(self.blocks):
                least = self._threshold(level, chunk, index)
                margin = self._counts(groups, a, b, block)
                margin -= least
                # intervals (rows) where some group may reach the level: usually none or few
                rows = np.flatnonzero(margin.max(axis=1) >= 0)
                if not len(rows):
                    continue
                at, group = np.nonzero(margin[rows] >= 0)
                rows = rows[at]
                top = margin[rows, group].astype(np.int64) + least[rows, group]
                for piece in range(0, len(rows), PIECE):
                    cut = slice(piece, piece + PIECE)
                    found = self._members(places, block, rows[cut], group[cut] + a, top[cut])
                    if found is not None:
                        yield found

    def _members(self, places, block, rows, group, top):
        """The member cylinders of some (interval, group) pairs above expectation."""
        start = block.start[rows]
        end = start + block.length[rows]  # one past, as a row of the cumulative tables
        tail = self.plan.tail[group]
        dropped = places[tail, end[:, None]] - places[tail, start[:, None]]
        lost = np.zeros((len(rows), tail.shape[1] + 1), dtype=np.int64)
        np.cumsum(dropped, axis=1, out=lost[:, 1:])
        c = top[:, None] - np.take_along_axis(lost, self.plan.lacks[group], axis=1)
        mu = block.day_share[rows][:, None] * self._member_sizes[group]  # padding: inf
        at, member = np.nonzero((c > mu) & (c >= self.min_events))
        if not len(at):
            return None
        c, mu = c[at, member].astype("float64"), mu[at, member]
        llr = log_likelihood_ratio(c, mu, self.total)
        circle = self.plan.members[group[at], member]
        return circle, start[at], block.length[rows][at], c, mu, llr

    def largest(self, tables, level: float) -> float:
        """The largest LLR over all cylinders, for one replication's tables.

        The cylinders that could reach ``level`` are looked at first, then those that
        could reach half of it, and so on: the first level some cylinder reaches holds
        the largest.
        """
        while level >= MIN_LEVEL:
            found = self._largest(tables, level)
            if found >= level:  # every cylinder that could beat it was looked at
                return found
            level /= 2
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

    def null_statistics(self, place, day, replications, rng, guess) -> np.ndarray:
        """The largest LLR of each replication (the days shuffled among the events).

        ``guess``: where to look first (the observed largest LLR: under the null it is one
        more draw of the replications' distribution). After some replications the first
        level is a share of a low quantile of their largest LLRs.
        """
        n_days = len(self.day_totals)
        null = np.empty(replications)
        level = LEVEL_SHARE * guess
        # replications whose counts are built together (bounded like a chunk)
        cells = (len(self.plan.last) + self.plan.order.shape[0] + 1) * (n_days + 1)
        batch = max(1, min(BATCH, CHUNK // max(1, cells)))
        relevel = list(RELEVEL)
        for lo in range(0, replications, batch):
            if relevel and lo >= relevel[0]:
                relevel = [r for r in relevel if r > lo]
                level = LEVEL_SHARE * float(np.quantile(null[:lo], 0.1))
                # those of the old levels
                self._thresholds, self._cached, self._size_tables = {}, 0, {}
            shuffled = np.stack(
                [rng.permutation(day) for _ in range(min(batch, replications - lo))]
            )
            groups, places = self.plan.tables(place, shuffled, n_days, self.dtype)
            for r in range(len(groups)):
                null[lo + r] = self.largest((groups[r], places[r]), level)
        return null
