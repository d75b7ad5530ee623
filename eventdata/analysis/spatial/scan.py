"""The space-time permutation scan statistic (Kulldorff et al. 2005), as SaTScan computes it.

Where and when did more events happen than the places' and the days' own
totals predict? The scan slides cylinders over the events: a circle (centred
on a location, growing through its nearest neighbours) times an interval of
days. Under the null of no space-time interaction an event's place and its day
are independent given their margins, so a cylinder of locations ``A`` and days
``D`` expects ``mu = n_A * n_D / C`` events (``n_A`` the events of its
locations over the whole period, ``n_D`` those of its days in all locations,
``C`` all events). Its log-likelihood ratio is

``LLR = c ln(c / mu) + (C - c) ln((C - c) / (C - mu))`` for ``c > mu``, else 0,

and the most likely cluster is the cylinder with the largest one. Its p-value
comes from Monte Carlo replications that shuffle the days among the events
(keeping every location's and every day's total) and take each replicate's
largest LLR: ``p = (1 + #{replicates >= observed}) / (1 + replications)``.
Secondary clusters are each centre's best cylinder, taken in decreasing LLR
order when they share no location with a cluster already reported (SaTScan's
"no geographical overlap"), and get p-values from the same replicate maxima.
No population is needed, which suits event data.

The scan is vectorised: per replicate the events become a location x day
count table; the circles' cumulative counts come from one cumulative sum along
each centre's neighbour order, every interval from a sliding window over the
days, and circles holding the same events (from different centres, or grown
only by locations without events) are evaluated once.

References
----------
Kulldorff M, Heffernan R, Hartman J, Assunção R, Mostashari F. A space-time
permutation scan statistic for disease outbreak detection. PLoS Medicine
2005;2(3):e59.

Kulldorff M. SaTScan User Guide for version 10.1, 2022 (the space-time
permutation model; the "no geographical overlap" criterion for secondary clusters).

The cost grows with (locations)² x days x ``max_days``: events at thousands
of distinct coordinates call for ``max_radius_km``, a shorter ``max_days``,
``days_per_unit=7``, or locations snapped to a grid (for instance PRIO-GRID
centroids, :func:`eventdata.analysis.spatial.priogrid_centroid`) first.

Examples
--------
See :func:`space_time_scan`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy.special import xlogy

from eventdata.core.errors import EventDataError, InsufficientDataError
from eventdata.core.options import as_day, require_columns
from eventdata.events._geo import event_coordinates, haversine_km
from eventdata.events.distance import places_frame

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["ScanResult", "space_time_scan"]

_COLUMNS = [
    "rank",
    "centre",
    "latitude",
    "longitude",
    "radius_km",
    "start",
    "end",
    "observed",
    "expected",
    "rate_ratio",
    "test_statistic",
    "pvalue",
    "n_locations",
    "locations",
]
# cylinders evaluated at once (circles x days x window lengths): bounds the memory
_CHUNK = 1_000_000
# cylinders whose expected counts and log terms are kept between replications (3 floats each)
_CACHE = 4_000_000


@dataclass(frozen=True, eq=False)
class ScanResult:
    """The clusters a space-time permutation scan found, and how it ran.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per cluster, most likely first: ``rank``, ``centre`` (the
        centre location's name), ``latitude``, ``longitude`` (the centre),
        ``radius_km`` (to the farthest location in the circle), ``start`` and
        ``end`` (first and last day, inclusive), ``observed`` and ``expected``
        events, ``rate_ratio`` (observed / expected), ``test_statistic`` (the
        LLR), ``pvalue`` (Monte Carlo; NaN without replications),
        ``n_locations`` and ``locations`` (their names, nearest first).
    null_statistics : numpy.ndarray
        The largest LLR of each replication.
    n_events : int
        Events scanned (those with coordinates and a date in the study period).
    n_locations : int
        Distinct locations (circle centres).
    parameters : dict
        The options the scan ran with.
    """

    table: pd.DataFrame
    null_statistics: np.ndarray
    n_events: int
    n_locations: int
    parameters: dict = field(default_factory=dict)

    @property
    def most_likely(self) -> pd.Series:
        """The most likely cluster (the first row of :attr:`table`)."""
        if self.table.empty:
            raise InsufficientDataError("the scan found no cylinder with more events than expected")
        return self.table.iloc[0]

    @property
    def pvalue(self) -> float:
        """The most likely cluster's Monte Carlo p-value (NaN when none was found)."""
        return float(self.table["pvalue"].iloc[0]) if len(self.table) else float("nan")

    def to_frame(self) -> pd.DataFrame:
        """The clusters as a tidy frame (a copy of :attr:`table`)."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """Clusters (as records) and parameters, for JSON."""
        table = self.table.assign(
            start=self.table["start"].dt.strftime("%Y-%m-%d"),
            end=self.table["end"].dt.strftime("%Y-%m-%d"),
        )
        return {
            "method": "space-time permutation scan (Kulldorff et al. 2005)",
            "n_events": self.n_events,
            "n_locations": self.n_locations,
            "parameters": dict(self.parameters),
            "clusters": table.astype(object).where(table.notna(), None).to_dict(orient="records"),
        }

    def summary(self) -> str:
        """A short text report of the clusters."""
        head = (
            f"Space-time permutation scan: {self.n_events} events at {self.n_locations} "
            f"locations, {self.parameters.get('replications', 0)} replications"
        )
        if self.table.empty:
            return head + "\nNo cylinder had more events than expected."
        lines = [head]
        for row in self.table.itertuples(index=False):
            lines.append(
                f"{row.rank}. {row.centre} ({row.latitude:.4f}, {row.longitude:.4f}) "
                f"r={row.radius_km:.2f} km, {row.start:%Y-%m-%d} to {row.end:%Y-%m-%d}: "
                f"{row.observed} observed, {row.expected:.2f} expected, "
                f"LLR {row.test_statistic:.6f}, p={row.pvalue:.3g}"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return "<pre>" + html.escape(self.summary()) + "</pre>"

    def plot(
        self, *, ax: Axes | None = None, events: pd.DataFrame | None = None, **kwargs: Any
    ) -> Axes:
        """Cluster map: the clusters' circles (and the events, when given); see
        :func:`eventdata.plot.cluster_map`."""
        from eventdata import plot

        return plot.cluster_map(self, events=events, ax=ax, **kwargs)


def space_time_scan(
    events: pd.DataFrame,
    *,
    locations: pd.DataFrame | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    prospective: bool = False,
    max_share: float = 0.5,
    max_radius_km: float | None = None,
    max_days: int | None = None,
    max_period_share: float = 0.5,
    min_events: int = 2,
    replications: int = 999,
    max_clusters: int = 10,
    days_per_unit: int = 1,
    seed: int | np.random.Generator | None = None,
) -> ScanResult:
    """Find space-time clusters of events with the space-time permutation scan.

    Parameters
    ----------
    events : pandas.DataFrame
        Records with ``event_date``, ``latitude`` and ``longitude`` (and
        ``location``, used to name places). Events without coordinates or
        date are left out (counted in ``parameters["left_out"]``).
    locations : pandas.DataFrame, optional
        Places that serve as circle centres and members, with ``name`` (or
        ``location``), ``latitude`` and ``longitude``, as SaTScan's
        coordinates file; every event's coordinates must be one of them.
        Default: the events' distinct coordinates.
    start, end : date-like, optional
        Study period (default: first and last event date).
    prospective : bool
        Only clusters that last until ``end`` (SaTScan's prospective analysis,
        for clusters still going on).
    max_share : float
        Largest circle, as a share of all events (SaTScan's maximum spatial
        cluster size; default 0.5).
    max_radius_km : float, optional
        Largest circle radius, in km.
    max_days : int, optional
        Longest interval in days; default ``max_period_share`` of the study period.
    max_period_share : float
        Longest interval as a share of the study period (default 0.5), when
        ``max_days`` is not given.
    min_events : int
        Fewest events a cluster may hold (default 2).
    replications : int
        Monte Carlo replications (999, 9999, ...; 0 for none).
    max_clusters : int
        Most clusters reported (the most likely and secondary ones). With
        replications, a secondary cluster whose statistic every replication
        beat (p = 1) is not reported, as SaTScan does.
    days_per_unit : int
        Time aggregation (SaTScan's time aggregation length): 7 scans weeks
        counted from ``start``. Intervals then start and end on unit
        boundaries, ``max_days`` is rounded down to whole units, and the cost
        falls with the square of the unit.
    seed : int or numpy.random.Generator, optional
        For the replications.

    Returns
    -------
    ScanResult

    Raises
    ------
    EventDataError
        If a column is missing, an option is out of range, or an event lies
        at coordinates that are not among ``locations``.
    InsufficientDataError
        If fewer than two events or days are left to scan.

    Notes
    -----
    Reproduces SaTScan 10's retrospective and prospective space-time
    permutation analyses of its NYC fever sample to all printed decimals
    (tests/test_spatial_scan.py). Cost per replication is about
    (centres x circles per centre x days x ``max_days``) cylinder
    evaluations; see benchmarks/scan_speed.py.

    Examples
    --------
    >>> import pandas as pd
    >>> events = pd.DataFrame({
    ...     "latitude": [35.0, 35.0, 35.0, 35.5, 36.0, 36.0, 35.5, 35.0],
    ...     "longitude": [40.0, 40.0, 40.0, 40.5, 41.0, 41.0, 40.5, 40.0],
    ...     "event_date": pd.to_datetime(["2022-01-05", "2022-01-05", "2022-01-06", "2022-01-01",
    ...                                   "2022-01-02", "2022-01-09", "2022-01-07", "2022-01-01"])})
    >>> scan = space_time_scan(events, replications=0)
    >>> top = scan.most_likely
    >>> int(top["observed"]), str(top["start"].date()), str(top["end"].date())
    (3, '2022-01-05', '2022-01-06')
    """
    _check_options(
        max_share, max_radius_km, max_days, max_period_share, min_events, replications, max_clusters
    )
    if (
        isinstance(days_per_unit, bool)
        or not isinstance(days_per_unit, (int, np.integer))
        or days_per_unit < 1
    ):
        raise EventDataError(
            f"days_per_unit must be a whole number of at least 1, not {days_per_unit!r}"
        )
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    place, day, places, first, n_days, left_out = _prepare(events, locations, start, end)
    n_events = len(place)
    if n_events < 2 or n_days < 1:
        raise InsufficientDataError(
            f"the scan needs at least two dated, located events, not {n_events}"
        )
    last = first + pd.Timedelta(days=n_days - 1)
    unit = int(days_per_unit)
    day, n_days = day // unit, -(-n_days // unit)
    if max_days is not None:
        window = max(1, int(max_days) // unit)
    else:
        window = max(1, int(np.floor(max_period_share * n_days)))
    window = min(window, n_days)
    plan = _Plan.build(places, place, n_days, max_share, max_radius_km)
    day_totals = np.bincount(day, minlength=n_days).astype("float64")
    observed = plan.best_cylinders(place, day, day_totals, window, prospective, min_events)
    null = np.empty(replications)
    for r in range(replications):
        null[r] = plan.largest(
            place, rng.permutation(day), day_totals, window, prospective, min_events
        )
    calendar = (first, last, unit, prospective)
    table = _report(
        observed, plan, (place, day), places, calendar, null, replications, max_clusters
    )
    parameters = {
        "start": first,
        "end": last,
        "days_per_unit": unit,
        "prospective": prospective,
        "max_share": max_share,
        "max_radius_km": max_radius_km,
        "max_days": window * unit,
        "min_events": min_events,
        "replications": replications,
        "left_out": left_out,
    }
    return ScanResult(table, null, n_events, len(places), parameters)


def _check_options(
    max_share, max_radius_km, max_days, max_period_share, min_events, replications, max_clusters
):
    if not 0 < max_share <= 1:
        raise EventDataError(
            f"max_share must be a share of the events in (0, 1], not {max_share!r}"
        )
    if not 0 < max_period_share <= 1:
        raise EventDataError(f"max_period_share must lie in (0, 1], not {max_period_share!r}")
    if max_radius_km is not None and not max_radius_km >= 0:
        raise EventDataError(f"max_radius_km must be a non-negative number, not {max_radius_km!r}")
    for name, value, least in (
        ("max_days", max_days, 1),
        ("min_events", min_events, 1),
        ("replications", replications, 0),
        ("max_clusters", max_clusters, 1),
    ):
        if value is None and name == "max_days":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
            raise EventDataError(
                f"{name} must be a whole number of at least {least}, not {value!r}"
            )


def _prepare(events, locations, start, end):
    """Events as (location index, day index), the places, the first day and the day count."""
    require_columns(events, "event_date")
    lat, lon = event_coordinates(events)
    dates = pd.to_datetime(events["event_date"], errors="coerce")
    first = as_day(start, "start") if start is not None else dates.min()
    last = as_day(end, "end") if end is not None else dates.max()
    if pd.isna(first) or pd.isna(last) or last < first:
        raise InsufficientDataError("the scan needs a study period with at least one dated event")
    first, last = pd.Timestamp(first).normalize(), pd.Timestamp(last).normalize()
    days = ((dates.dt.normalize() - first).dt.days).to_numpy("float64", na_value=np.nan)
    n_days = int((last - first).days) + 1
    keep = ~np.isnan(lat) & ~np.isnan(lon) & ~np.isnan(days) & (days >= 0) & (days < n_days)
    if locations is None:
        names = (
            events["location"].astype("string").to_numpy(dtype=object)
            if "location" in events.columns
            else np.full(len(events), None, dtype=object)
        )
        coords = pd.DataFrame({"latitude": lat[keep], "longitude": lon[keep], "name": names[keep]})
        # sorted, so that the result does not depend on the order of the rows
        places = coords.sort_values(["latitude", "longitude", "name"], kind="stable")
        places = places.drop_duplicates(["latitude", "longitude"]).reset_index(drop=True)
        unnamed = places["name"].isna()
        places.loc[unnamed, "name"] = [
            f"({a:.4f}, {b:.4f})"
            for a, b in zip(
                places.loc[unnamed, "latitude"], places.loc[unnamed, "longitude"], strict=True
            )
        ]
        places = places[["name", "latitude", "longitude"]]
    else:
        places = places_frame(locations)
    lookup = pd.MultiIndex.from_frame(places[["latitude", "longitude"]])
    index = lookup.get_indexer(pd.MultiIndex.from_arrays([lat[keep], lon[keep]]))
    if (index < 0).any():
        where = np.flatnonzero(index < 0)[0]
        raise EventDataError(
            f"an event at ({lat[keep][where]}, {lon[keep][where]}) is at none of the locations"
        )
    index, days = index.astype(np.intp), days[keep].astype(np.intp)
    canonical = np.lexsort((days, index))  # replications then do not depend on the row order
    return index[canonical], days[canonical], places, first, n_days, int((~keep).sum())


@dataclass
class _Plan:
    """The circles to scan: for each centre its neighbour order, and which circles count."""

    order: np.ndarray  # (centres, K) neighbour indices, nearest first
    radius: np.ndarray  # (centres, K) km to the k-th neighbour
    size: np.ndarray  # (centres, K) events in the circle of the first k+1 neighbours
    centre: np.ndarray  # (circles,) centre of each distinct circle scanned
    step: np.ndarray  # (circles,) its last neighbour's position in the order
    _terms: tuple | None = None  # expected counts and log terms, kept between replications

    @classmethod
    def build(cls, places, place, n_days, max_share, max_radius_km) -> _Plan:
        lat = places["latitude"].to_numpy("float64")
        lon = places["longitude"].to_numpy("float64")
        km = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
        order = np.argsort(km, axis=1, kind="stable")
        radius = np.take_along_axis(km, order, axis=1)
        per_place = np.bincount(place, minlength=len(places))
        size = np.cumsum(per_place[order], axis=1)
        total = len(place)
        allowed = size <= max_share * total
        if max_radius_km is not None:
            allowed &= radius <= max_radius_km
        # a circle ends where the next neighbour is farther (equidistant ones enter together)
        allowed[:, :-1] &= radius[:, 1:] > radius[:, :-1]
        allowed &= per_place[order] > 0  # a neighbour without events adds nothing to scan
        # circles holding the same events are scanned once (the first centre's smallest one)
        weights = np.random.default_rng(0).integers(1, 2**62, len(places), dtype=np.int64)
        weights[per_place == 0] = 0
        key = np.cumsum(weights[order], axis=1, dtype=np.int64)
        centres, steps = np.nonzero(allowed)
        # of circles holding the same events, SaTScan reports the one with the fewest locations
        by_size = np.lexsort((centres, steps, key[centres, steps]))
        keys = key[centres, steps][by_size]
        first = np.sort(by_size[np.r_[True, keys[1:] != keys[:-1]]])
        depth = int(steps.max()) + 1 if len(steps) else 1
        return cls(
            order[:, :depth], radius[:, :depth], size[:, :depth], centres[first], steps[first]
        )

    def _cumulative(self, place, day, n_days) -> np.ndarray:
        """(circles, days + 1) cumulative event counts over the days, for each circle."""
        table = np.zeros((self.order.shape[0], n_days + 1), dtype=np.int64)
        np.add.at(table, (place, day + 1), 1)
        np.cumsum(table, axis=1, out=table)
        out = np.empty((len(self.centre), n_days + 1), dtype=np.int64)
        block = max(1, _CHUNK // max(1, self.order.shape[1] * (n_days + 1)))
        for lo in range(0, self.order.shape[0], block):
            hi = min(lo + block, self.order.shape[0])
            chosen = (self.centre >= lo) & (self.centre < hi)
            if not chosen.any():
                continue
            grown = np.cumsum(table[self.order[lo:hi]], axis=1)
            out[chosen] = grown[self.centre[chosen] - lo, self.step[chosen]]
        return out

    def _cylinders(self, place, day, day_totals, window, prospective, min_events, largest=False):
        """Yield (first circle, LLR array (circles, starts, lengths)) chunk by chunk."""
        n_days = len(day_totals)
        total = len(place)
        cumulative = self._cumulative(place, day, n_days)
        if self._terms is None or self._terms[0] != (n_days, window, prospective, total):
            self._terms = ((n_days, window, prospective, total), {})
        cache = self._terms[1]
        table = _llr_table(total)
        if prospective:
            lengths = np.arange(1, window + 1)
            counts = (cumulative[:, n_days, None] - cumulative[:, n_days - lengths])[:, None, :]
            yield (
                0,
                self._llr(
                    0, counts, cache, table, day_totals, window, prospective, min_events, largest
                ),
            )
            return
        padded = np.concatenate([cumulative, np.repeat(cumulative[:, -1:], window, axis=1)], axis=1)
        step = max(1, _CHUNK // (n_days * window))
        for lo in range(0, len(self.centre), step):
            block = padded[lo : lo + step]
            # interval (start s, length w + 1): days s .. s + w; past the end: a shorter one again
            counts = (
                sliding_window_view(block, window + 1, axis=1)[:, :n_days, 1:]
                - block[:, :n_days, None]
            )
            yield (
                lo,
                self._llr(
                    lo, counts, cache, table, day_totals, window, prospective, min_events, largest
                ),
            )

    def _llr(self, lo, counts, cache, table, day_totals, window, prospective, min_events, largest):
        """Kulldorff's LLR of each cylinder of a chunk, 0 unless it has more events than expected.

        ``c ln(c/mu) + (C-c) ln((C-c)/(C-mu)) = g(c) - c (ln mu - ln(C-mu)) - C ln(C-mu)``
        with ``g(c) = c ln c + (C-c) ln(C-c)`` from a table: the terms in ``mu`` do not
        change between replications and are kept while they fit in memory.
        """
        terms = cache.get(lo)
        if terms is None:
            terms = self._expected_terms(lo, counts.shape[0], day_totals, window, prospective)
            if sum(t[0].size for t in cache.values()) + terms[0].size <= _CACHE:
                cache[lo] = terms
        expected, slope, offset = terms
        # days without events give infinite log terms; their cylinders hold nothing and are masked
        with np.errstate(invalid="ignore"):
            value = table[counts]
            value -= counts * slope
            value -= offset
        value[(counts <= expected) | (counts < min_events)] = 0.0
        return value if not largest else value.max(initial=0.0)

    def _expected_terms(self, lo, n, day_totals, window, prospective):
        n_days = len(day_totals)
        total = float(day_totals.sum())
        sizes = self.size[self.centre[lo : lo + n], self.step[lo : lo + n]].astype("float64")
        day_cumulative = np.concatenate([[0.0], np.cumsum(day_totals)])
        if prospective:
            lengths = np.arange(1, window + 1)
            day_sums = (day_cumulative[n_days] - day_cumulative[n_days - lengths])[None, :]
        else:
            day_padded = np.concatenate([day_cumulative, np.repeat(day_cumulative[-1:], window)])
            day_sums = (
                sliding_window_view(day_padded, window + 1)[:n_days, 1:] - day_padded[:n_days, None]
            )
        expected = sizes[:, None, None] * (day_sums[None] / total)
        with np.errstate(divide="ignore"):
            log_rest = np.log(total - expected)
            slope = np.log(expected) - log_rest
        return expected, slope, total * log_rest

    def largest(self, place, day, day_totals, window, prospective, min_events) -> float:
        chunks = self._cylinders(place, day, day_totals, window, prospective, min_events, True)
        return max((float(value) for _, value in chunks), default=0.0)

    def best_cylinders(
        self, place, day, day_totals, window, prospective, min_events
    ) -> pd.DataFrame:
        """Each circle's best cylinder: start day, length, observed, expected, LLR."""
        n_days = len(day_totals)
        total = float(len(place))
        rows = []
        for lo, llr in self._cylinders(place, day, day_totals, window, prospective, min_events):
            flat = llr.reshape(len(llr), -1)
            where = np.argmax(flat, axis=1)
            starts, lengths = np.unravel_index(where, llr.shape[1:])
            rows.append((np.arange(lo, lo + len(llr)), starts, lengths))
        circle, start, length = (np.concatenate(parts) for parts in zip(*rows, strict=True))
        if prospective:
            start = n_days - 1 - length  # the interval ends on the last day
        length = length + 1
        end = np.minimum(start + length, n_days) - 1
        cumulative = self._cumulative(place, day, n_days)
        observed = (cumulative[circle, end + 1] - cumulative[circle, start]).astype("float64")
        day_cumulative = np.concatenate([[0.0], np.cumsum(day_totals)])
        sizes = self.size[self.centre, self.step].astype("float64")
        expected = sizes * (day_cumulative[end + 1] - day_cumulative[start]) / total
        rest = total - observed
        # the reported statistic, straight from the formula
        with np.errstate(divide="ignore", invalid="ignore"):
            llr = xlogy(observed, observed / expected) + xlogy(rest, rest / (total - expected))
        llr = np.where((observed > expected) & (observed >= min_events), llr, 0.0)
        return pd.DataFrame(
            {
                "circle": circle,
                "start": start,
                "end": end,
                "observed": observed,
                "expected": expected,
                "llr": llr,
            }
        )


def _llr_table(total: int) -> np.ndarray:
    """``g(c) = c ln c + (C - c) ln(C - c)`` for c = 0 .. C."""
    c = np.arange(total + 1, dtype="float64")
    return xlogy(c, c) + xlogy(total - c, total - c)


def _report(observed, plan, events, places, calendar, null, replications, max_clusters):
    """Each centre's best circle, in decreasing LLR, keeping those that share no location."""
    first, last, unit, prospective = calendar
    place, day = events
    found = observed[observed["llr"] > 0].copy()
    found["centre"] = plan.centre[found["circle"].to_numpy()]
    found["step"] = plan.step[found["circle"].to_numpy()]
    # the best per centre; ties go to the circle with the fewest locations, then the earliest days
    found = found.sort_values(
        ["llr", "step", "start"], ascending=[False, True, True], kind="stable"
    )
    found = found.drop_duplicates("centre")
    taken = np.zeros(len(places), dtype=bool)
    rows = []
    for row in found.itertuples(index=False):
        members = plan.order[row.centre, : row.step + 1]
        if taken[members].any():
            continue
        taken[members] = True
        # days without any event at the edges change nothing: report the tightest interval
        # (a prospective cluster lasts until the end by definition)
        inside = np.isin(place, members) & (day >= row.start) & (day <= row.end)
        start, end = int(day[inside].min()), int(day[inside].max())
        if prospective:
            end = int(row.end)
        exceed = int((null >= row.llr - 1e-9 * max(1.0, row.llr)).sum())
        if rows and replications and exceed == replications:
            break  # every replication beat it (p = 1): SaTScan stops reporting here
        rows.append(
            {
                "rank": len(rows) + 1,
                "centre": places["name"].iloc[row.centre],
                "latitude": float(places["latitude"].iloc[row.centre]),
                "longitude": float(places["longitude"].iloc[row.centre]),
                "radius_km": float(plan.radius[row.centre, row.step]),
                "start": first + pd.Timedelta(days=start * unit),
                "end": min(first + pd.Timedelta(days=(end + 1) * unit - 1), last),
                "observed": int(np.rint(row.observed)),
                "expected": float(row.expected),
                "rate_ratio": float(row.observed / row.expected),
                "test_statistic": float(row.llr),
                "pvalue": (1 + exceed) / (1 + replications) if replications else float("nan"),
                "n_locations": len(members),
                "locations": places["name"].iloc[members].tolist(),
            }
        )
        if len(rows) == max_clusters:
            break
    table = pd.DataFrame(rows, columns=_COLUMNS)
    return (
        table.astype({"start": "datetime64[ns]", "end": "datetime64[ns]"}) if table.empty else table
    )
