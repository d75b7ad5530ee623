"""The circles of the space-time permutation scan, and their groups.

Private to :mod:`eventdata.analysis.spatial`. SaTScan grows a circle around each location
through its nearest neighbours; every distinct set of events is one circle. Events at
thousands of distinct places (ACLED's villages) give hundreds of thousands of circles, most
of them one neighbour larger than the previous one, so the engine looks at them in
**groups**: consecutive circles of one centre whose sizes differ by about the square root of
the smallest. A group's largest circle holds at least the events of each member over any
interval, and its smallest expects the fewest, so one comparison bounds every member's
statistic; only groups that could reach a level are looked at circle by circle (their
members' counts are the largest circle's less the places it adds, see
:mod:`~eventdata.analysis.spatial._cylinders`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eventdata.core.errors import EventDataError
from eventdata.events.geo import haversine_km

__all__ = ["Plan"]

# centres whose distances are sorted at once (bounds the memory of the plan's build)
ROWS = 256
# a group spans at most SPREAD x sqrt(smallest size) events more than its smallest circle
SPREAD = 1.0
# and at most WIDTH neighbours (the places a member may lack)
WIDTH = 48
# the neighbour orders (locations x deepest circle) may take at most this many cells
MAX_CELLS = 40_000_000


@dataclass
class Plan:
    """The circles to scan: for each centre its neighbour order, and which circles count."""

    order: np.ndarray  # (centres, K) neighbour indices, nearest first
    radius: np.ndarray  # (centres, K) km to the k-th neighbour
    size: np.ndarray  # (centres, K) events in the circle of the first k+1 neighbours
    centre: np.ndarray  # (circles,) centre of each distinct circle scanned, ascending
    step: np.ndarray  # (circles,) its last neighbour's position in the order

    @classmethod
    def build(cls, latitude, longitude, place, max_share, max_radius_km, check=None) -> Plan:
        """Circles around each location, as SaTScan grows them, each distinct one once.

        ``check(groups, circles)``, when given, is called with the fewest groups the
        circles can make (a group holds at most :data:`WIDTH` circles) before they are
        grouped.

        Raises
        ------
        EventDataError
            If the neighbour orders would take more than :data:`MAX_CELLS` cells.
        """
        n = len(latitude)
        per_place = np.bincount(place, minlength=n)
        # circles holding the same events are scanned once (the first centre's smallest one)
        weights = np.random.default_rng(0).integers(1, 2**62, n, dtype=np.int64)
        weights[per_place == 0] = 0
        parts = []
        for lo in range(0, n, ROWS):
            rows = slice(lo, min(lo + ROWS, n))
            km = haversine_km(latitude[rows, None], longitude[rows, None], latitude, longitude)
            order = _nearest_first(km, max_radius_km)
            radius = np.take_along_axis(km, order, axis=1)
            size = np.cumsum(per_place[order], axis=1)
            allowed = size <= max_share * len(place)
            if max_radius_km is not None:
                allowed &= radius <= max_radius_km
            # a circle ends where the next neighbour is farther (equidistant ones enter
            # together), and is scanned when it holds more events than the circle before
            # (places without events add nothing, with or without others as far)
            end = np.ones_like(allowed)
            end[:, :-1] = radius[:, 1:] > radius[:, :-1]
            before = np.zeros_like(size)
            before[:, 1:] = np.where(end[:, :-1], size[:, :-1], 0)
            allowed &= end & (size > np.maximum.accumulate(before, axis=1))
            centres, steps = np.nonzero(allowed)
            depth = int(steps.max()) + 1 if len(steps) else 1
            key = np.cumsum(weights[order[:, :depth]], axis=1, dtype=np.int64)[centres, steps]
            parts.append(
                (order[:, :depth], radius[:, :depth], size[:, :depth], centres + lo, steps, key)
            )
            if n * max(p[0].shape[1] for p in parts) > MAX_CELLS:
                raise EventDataError(
                    f"this scan is too large to run: circles around {n:,} locations reach "
                    f"{depth:,} neighbours and more; bound them with max_radius_km or a "
                    f"smaller max_share (now {max_share:g} of the events)"
                )
        depth = max(p[0].shape[1] for p in parts)
        order, radius, size = (
            np.concatenate(
                [np.pad(p[i], ((0, 0), (0, depth - p[i].shape[1])), mode="edge") for p in parts]
            )
            for i in range(3)
        )
        centres, steps, key = (np.concatenate([p[i] for p in parts]) for i in (3, 4, 5))
        if check is not None:
            check(-(-len(centres) // WIDTH), len(centres))
        # of circles holding the same events, SaTScan reports the one with the fewest locations
        by_size = np.lexsort((centres, steps, key))
        keys = key[by_size]
        first = np.sort(by_size[np.r_[True, keys[1:] != keys[:-1]][: len(keys)]])
        return cls(order, radius, size, centres[first], steps[first])

    def __post_init__(self):
        self._group()
        # the groups sorted by their largest circle's depth, and where each depth begins
        steps = self.step[self.last]
        groups = np.argsort(steps, kind="stable")
        bounds = np.searchsorted(steps[groups], np.arange(self.order.shape[1] + 1))
        # the centres, deepest circle first: at each depth only a prefix still grows
        deepest = np.full(self.order.shape[0], -1)
        np.maximum.at(deepest, self.centre[self.last], steps)
        by_depth = np.argsort(-deepest, kind="stable")
        growing = np.searchsorted(-deepest[by_depth], -np.arange(self.order.shape[1]), "right")
        row = np.empty_like(by_depth)
        row[by_depth] = np.arange(len(by_depth))
        self._last_by_step = (groups, row[self.centre[self.last][groups]], bounds)
        self._growing = (by_depth, growing)

    def _group(self) -> None:
        """Groups of consecutive circles of one centre (see the module's docstring).

        ``last`` (groups,): each group's largest circle; ``first``: its smallest (the
        groups in increasing size of their smallest circle);
        ``members`` (groups, M): its circles, -1 padded; ``lacks`` (groups, M): how many
        of ``tail``'s places each member lacks; ``tail`` (groups, W): the places the
        largest circle adds to the smallest, farthest first, padded with the index of a
        place without events (one past the last).
        """
        sizes = self.size[self.centre, self.step]
        band = np.floor(np.sqrt(sizes) * (2.0 / SPREAD)).astype(np.int64)
        n = len(self.centre)
        if n == 0:
            empty = np.zeros((0, 1), dtype=np.intp)
            self.first = self.last = np.zeros(0, dtype=np.intp)
            self.members, self.lacks, self.tail = empty - 1, empty, empty
            return
        new = np.ones(n, dtype=bool)
        new[1:] = (self.centre[1:] != self.centre[:-1]) | (band[1:] != band[:-1])
        starts = np.flatnonzero(new)
        # split further where a group would span more than WIDTH neighbours
        group = np.cumsum(new) - 1
        span = self.step - self.step[starts][group]
        new |= span // WIDTH != np.r_[-1, (span // WIDTH)[:-1]]
        starts = np.flatnonzero(new)
        group = np.cumsum(new) - 1
        ends = np.r_[starts[1:], n] - 1
        count = ends - starts + 1
        position = np.arange(n) - starts[group]
        members = np.full((len(starts), int(count.max())), -1, dtype=np.intp)
        members[group, position] = np.arange(n)
        top = self.step[ends]
        lacks = np.zeros(members.shape, dtype=np.intp)
        lacks[group, position] = top[group] - self.step
        width = int((top - self.step[starts]).max())
        tail = np.full((len(starts), max(width, 1)), self.order.shape[0], dtype=np.intp)
        if width:
            back = top[:, None] - np.arange(width)[None, :]  # farthest first
            inside = back > self.step[starts][:, None]
            centre = self.centre[starts]
            tail[inside] = self.order[
                np.broadcast_to(centre[:, None], back.shape)[inside], back[inside]
            ]
        # groups sorted by their smallest circle's size: thresholds then change by ranges
        by_size = np.argsort(sizes[starts], kind="stable")
        self.first, self.last = starts[by_size], ends[by_size]
        self.members, self.lacks, self.tail = members[by_size], lacks[by_size], tail[by_size]

    def tables(self, place, days, n_days, dtype) -> tuple[np.ndarray, np.ndarray]:
        """Cumulative event counts over the days, of each group's largest circle and of
        each place (with a last row of zeros).

        ``days``: one row of event days per replication (the events' places stay).
        Returns ``(replications, days + 1, groups)`` (days as rows: the counts over the
        intervals of one length are then two row slices) and
        ``(replications, places + 1, days + 1)``.
        """
        n_places, depth = self.order.shape
        batch = days.shape[0]
        cell = (np.arange(batch)[:, None] * (n_places + 1) + place[None, :]) * (n_days + 1)
        cell = cell + days + 1
        flat = np.bincount(cell.ravel(), minlength=batch * (n_places + 1) * (n_days + 1))
        table = np.cumsum(flat.reshape(batch, n_places + 1, n_days + 1), axis=2, dtype=dtype)
        out = np.empty((batch, len(self.last), n_days + 1), dtype=dtype)
        # grow every centre's circle one neighbour at a time, keeping the groups' largest
        # (a loop over the depth: numpy's cumulative sum along a middle axis is slow)
        groups, rows, bounds = self._last_by_step
        by_depth, growing = self._growing
        grown = np.zeros((batch, n_places, n_days + 1), dtype=dtype)  # rows: by_depth
        for k in range(depth):
            a, b, n = bounds[k], bounds[k + 1], growing[k]
            if n == 0:
                break
            grown[:, :n] += table[:, self.order[by_depth[:n], k]]
            if a < b:
                out[:, groups[a:b]] = grown[:, rows[a:b]]
        return np.ascontiguousarray(out.transpose(0, 2, 1)), table


def _nearest_first(km: np.ndarray, max_radius_km: float | None) -> np.ndarray:
    """Each row's columns by distance, ties by column (a stable sort); within a radius,
    only those inside it and the next one (a partial sort)."""
    if max_radius_km is not None:
        inside = int((km <= max_radius_km).sum(axis=1).max(initial=0)) + 1
        if inside < km.shape[1] // 4:
            km = np.where(km <= max_radius_km, km, np.inf)
            near = np.argpartition(km, inside - 1, axis=1)[:, :inside]
            return np.take_along_axis(
                near, np.lexsort((near, np.take_along_axis(km, near, axis=1)), axis=1), axis=1
            )
    return np.argsort(km, axis=1, kind="stable")
