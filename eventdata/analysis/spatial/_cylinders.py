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

from eventdata.events.geo import haversine_km

__all__ = ["Cylinders", "Plan", "log_likelihood_ratio"]

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


def log_likelihood_ratio(c, mu, total) -> np.ndarray:
    """Kulldorff's LLR ``c ln(c/mu) + (C-c) ln((C-c)/(C-mu))`` (for ``c > mu > 0``)."""
    c = np.asarray(c, dtype="float64")
    rest = total - c
    with np.errstate(divide="ignore", invalid="ignore"):
        outside = np.where(rest > 0, rest * np.log(rest / (total - mu)), 0.0)
        return c * np.log(c / mu) + outside


@dataclass
class Plan:
    """The circles to scan: for each centre its neighbour order, and which circles count."""

    order: np.ndarray  # (centres, K) neighbour indices, nearest first
    radius: np.ndarray  # (centres, K) km to the k-th neighbour
    size: np.ndarray  # (centres, K) events in the circle of the first k+1 neighbours
    centre: np.ndarray  # (circles,) centre of each distinct circle scanned, ascending
    step: np.ndarray  # (circles,) its last neighbour's position in the order

    @classmethod
    def build(cls, latitude, longitude, place, max_share, max_radius_km) -> Plan:
        """Circles around each location, as SaTScan grows them, each distinct one once."""
        km = haversine_km(latitude[:, None], longitude[:, None], latitude[None], longitude[None])
        order = np.argsort(km, axis=1, kind="stable")
        radius = np.take_along_axis(km, order, axis=1)
        per_place = np.bincount(place, minlength=len(latitude))
        size = np.cumsum(per_place[order], axis=1)
        allowed = size <= max_share * len(place)
        if max_radius_km is not None:
            allowed &= radius <= max_radius_km
        # a circle ends where the next neighbour is farther (equidistant ones enter together)
        allowed[:, :-1] &= radius[:, 1:] > radius[:, :-1]
        allowed &= per_place[order] > 0  # a neighbour without events adds nothing to scan
        # circles holding the same events are scanned once (the first centre's smallest one)
        weights = np.random.default_rng(0).integers(1, 2**62, len(latitude), dtype=np.int64)
        weights[per_place == 0] = 0
        key = np.cumsum(weights[order], axis=1, dtype=np.int64)
        centres, steps = np.nonzero(allowed)
        # of circles holding the same events, SaTScan reports the one with the fewest locations
        by_size = np.lexsort((centres, steps, key[centres, steps]))
        keys = key[centres, steps][by_size]
        first = np.sort(by_size[np.r_[True, keys[1:] != keys[:-1]][: len(keys)]])
        depth = int(steps.max()) + 1 if len(steps) else 1
        return cls(
            order[:, :depth], radius[:, :depth], size[:, :depth], centres[first], steps[first]
        )

    def cumulative(self, place, days, n_days, dtype) -> np.ndarray:
        """(replications, days + 1, circles) cumulative event counts over the days.

        ``days``: one row of event days per replication (the events' places stay).
        """
        n_places, depth = self.order.shape
        batch = days.shape[0]
        cell = (np.arange(batch)[:, None] * n_places + place[None, :]) * (n_days + 1) + days + 1
        flat = np.bincount(cell.ravel(), minlength=batch * n_places * (n_days + 1))
        table = np.cumsum(flat.reshape(batch, n_places, n_days + 1), axis=2, dtype=dtype)
        out = np.empty((batch, len(self.centre), n_days + 1), dtype=dtype)
        # grow every centre's circle one neighbour at a time, keeping the circles scanned
        # (a loop over the depth: numpy's cumulative sum along a middle axis is slow)
        circles, centres, bounds = self._by_step
        grown = np.zeros((batch, n_places, n_days + 1), dtype=dtype)
        for k in range(depth):
            grown += table[:, self.order[:, k]]
            a, b = bounds[k], bounds[k + 1]
            if a < b:
                out[:, circles[a:b]] = grown[:, centres[a:b]]
        # days as rows: the counts over the intervals of one length are then two row slices
        return np.ascontiguousarray(out.transpose(0, 2, 1))

    def __post_init__(self):
        # the circles sorted by their depth, their centres, and where each depth begins
        circles = np.argsort(self.step, kind="stable")
        bounds = np.searchsorted(self.step[circles], np.arange(self.order.shape[1] + 1))
        self._by_step = (circles, self.centre[circles], bounds)


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
    """Every circle times every interval, with what does not change between replications."""

    plan: Plan
    day_totals: np.ndarray
    window: int
    prospective: bool
    min_events: int
    _thresholds: dict = field(default_factory=dict)
    _grids: dict = field(default_factory=dict)
    _cached: int = 0

    def __post_init__(self):
        self.total = int(self.day_totals.sum())
        # counts fit in 16 bits for most data, which halves the memory each replication reads
        self.dtype = np.dtype(np.int16 if self.total < np.iinfo(np.int16).max - 1 else np.int32)
        self.sizes = self.plan.size[self.plan.centre, self.plan.step].astype("float64")
        self._log_sizes = np.log(self.sizes)
        # no cylinder with an event expects less than one event's share of the smallest circle
        smallest = self.sizes.min() if len(self.sizes) else 1.0  # none: one place, too big
        self._log_floor = np.log(smallest / self.total) - 1.0 / GRID
        self.blocks = self._blocks()
        longest = max(len(b.start) for b in self.blocks)
        step = max(1, CHUNK // longest)
        self.chunks = [
            (lo, min(lo + step, len(self.sizes))) for lo in range(0, len(self.sizes), step)
        ]
        self._buffer = np.empty(longest * min(step, len(self.sizes)), dtype=self.dtype)

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

    def _expected(self, a, b, block) -> np.ndarray:
        """(intervals, circles) expected counts of one block."""
        return block.day_share[:, None] * self.sizes[None, a:b]

    def _counts(self, cumulative, a, b, block) -> np.ndarray:
        """(intervals, circles) counts of one block, in the engine's buffer."""
        shape = (len(block.start), b - a)
        out = self._buffer[: shape[0] * shape[1]].reshape(shape)
        return np.subtract(cumulative[block.hi, a:b], cumulative[block.lo, a:b], out=out)

    def _threshold(self, level, chunk, index) -> np.ndarray:
        """The least count at which each cylinder of a block could reach ``level``.

        At a level, from a table over a fine grid of ``ln mu`` (``mu`` is a circle's size
        times an interval's share, so ``ln mu`` is a sum): the grid point at or below a
        cylinder's ``mu`` gives a count at most its least one, never more.
        """
        key = (level, chunk, index)
        if key in self._thresholds:
            return self._thresholds[key]
        a, b = self.chunks[chunk]
        block = self.blocks[index]
        if level > 0:
            with np.errstate(divide="ignore"):
                log_share = np.log(block.day_share)
            log_mu = log_share[:, None] + self._log_sizes[None, a:b]
            # one grid step lower than the floor: rounding in the logs never raises a count
            # (cell 0 holds the intervals without events, whose log is -inf)
            cell = np.maximum((log_mu - self._log_floor) * GRID, 0.0).astype(np.intp)
            least = self._least_counts(level)[cell]
        else:  # more events than expected
            least = np.floor(self._expected(a, b, block)) + 1
        least = np.clip(np.maximum(least, self.min_events), 0, self.total + 1).astype(self.dtype)
        if self._cached + least.size <= CACHE:
            self._thresholds[key] = least
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

    def largest(self, cumulative, level: float) -> float:
        """The largest LLR over all cylinders, for one table of cumulative counts.

        The cylinders that could reach ``level`` are looked at first, then those that
        could reach half of it, and so on: the first level some cylinder reaches holds
        the largest.
        """
        while level >= MIN_LEVEL:
            found = self._largest(cumulative, level)
            if found >= level:  # every cylinder that could beat it was looked at
                return found
            level /= 2
        return self._largest(cumulative, 0.0)

    def _largest(self, cumulative, level) -> float:
        best = 0.0
        for chunk, (a, b) in enumerate(self.chunks):
            for index, block in enumerate(self.blocks):
                least = self._threshold(level, chunk, index)
                margin = self._counts(cumulative, a, b, block)
                margin -= least
                # intervals (rows) where some circle may reach the level: usually none or few
                starts = np.flatnonzero(margin.max(axis=1) >= 0)
                if not len(starts):
                    continue
                rows, circles = np.nonzero(margin[starts] >= 0)
                starts = starts[rows]
                c = (margin[starts, circles] + least[starts, circles]).astype("float64")
                expected = block.day_share[starts] * self.sizes[a + circles]
                llr = log_likelihood_ratio(c, expected, self.total)
                llr = llr[(c > expected) & (c >= self.min_events)]
                if len(llr):
                    best = max(best, float(llr.max()))
        return best

    def best(self, cumulative) -> dict[str, np.ndarray]:
        """Each circle's best cylinder (ties: the earliest start, then the shortest)."""
        n = len(self.sizes)
        value, start, length = np.zeros(n), np.zeros(n, np.intp), np.ones(n, np.intp)
        observed, expected = np.zeros(n), np.zeros(n)
        for a, b in self.chunks:
            rows = np.arange(b - a)
            for block in self.blocks:
                counts = self._counts(cumulative, a, b, block).astype("float64")
                mu = self._expected(a, b, block)
                high = (counts > mu) & (counts >= self.min_events)
                llr = np.zeros(counts.shape)
                llr[high] = log_likelihood_ratio(counts[high], mu[high], self.total)
                where = np.argmax(llr, axis=0)
                top = llr[where, rows]
                first = block.start[where]
                better = (top > value[a:b]) | ((top == value[a:b]) & (first < start[a:b]))
                value[a:b] = np.where(better, top, value[a:b])
                start[a:b] = np.where(better, first, start[a:b])
                length[a:b] = np.where(better, block.length[where], length[a:b])
                observed[a:b] = np.where(better, counts[where, rows], observed[a:b])
                expected[a:b] = np.where(better, mu[where, rows], expected[a:b])
        return {
            "circle": np.arange(n),
            "start": start,
            "end": start + length - 1,
            "observed": observed,
            "expected": expected,
            "llr": value,
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
        batch = max(1, min(BATCH, CHUNK // max(1, len(self.sizes) * (n_days + 1))))
        relevel = list(RELEVEL)
        for lo in range(0, replications, batch):
            if relevel and lo >= relevel[0]:
                relevel = [r for r in relevel if r > lo]
                level = LEVEL_SHARE * float(np.quantile(null[:lo], 0.1))
                self._thresholds, self._cached = {}, 0  # those of the old levels
            shuffled = np.stack(
                [rng.permutation(day) for _ in range(min(batch, replications - lo))]
            )
            counts = self.plan.cumulative(place, shuffled, n_days, self.dtype)
            for r, cumulative in enumerate(counts):
                null[lo + r] = self.largest(cumulative, level)
        return null
