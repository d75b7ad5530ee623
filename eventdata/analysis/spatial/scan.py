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

The scan is vectorised (the engine is :mod:`eventdata.analysis.spatial._cylinders`):
circles holding the same events are evaluated once; a replication keeps every cylinder's
expected count, so it compares integer counts with the least count that could reach a
level, for groups of nested circles and bands of interval lengths at once, and counts
circle by circle and computes the LLR only where one could (a lower level when none
reaches it: the largest LLR is exact). 999 replications on 10,000 events at 50 places
over a year of days take seconds; events at thousands of distinct places (ACLED's
villages) take minutes for a year of days within 50 km, seconds for a two-week export
(benchmarks/scan_benchmark.py).

References
----------
Kulldorff M, Heffernan R, Hartman J, Assunção R, Mostashari F. A space-time
permutation scan statistic for disease outbreak detection. PLoS Medicine
2005;2(3):e59.

Kulldorff M. SaTScan User Guide for version 10.1, 2022 (the space-time
permutation model; the "no geographical overlap" criterion for secondary clusters).

The cost grows with the circles (locations x neighbours within the largest circle) times
the days of the study period: thirty years of days at thousands of places is too large to
run, and the scan says so at once (an :class:`~eventdata.core.errors.EventDataError`
naming ``days_per_unit``, ``max_days``, ``max_radius_km``), before any large allocation.

Examples
--------
See :func:`space_time_scan`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eventdata.analysis.spatial._circles import Plan
from eventdata.analysis.spatial._cylinders import Cylinders, interval_rows
from eventdata.core.errors import EventDataError, InsufficientDataError
from eventdata.core.options import as_day, as_rng, require_columns
from eventdata.core.progress import Progress, ProgressOption
from eventdata.core.result import Result
from eventdata.events.distance import places_frame
from eventdata.events.geo import event_coordinates
from eventdata.plot import cluster_map

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["ScanResult", "space_time_scan"]

# the largest LLR of the observed data is looked for from this level down (halving)
FIRST_LEVEL = 256.0
# the least LLR of a secondary cluster reported without replications (every cylinder with
# more events than expected has LLR > 0; below this it is noise in any data: p = 1)
LEAST_REPORTED = 0.05
# what a scan may take: bytes of one replication's count tables, cylinders compared in all
MAX_TABLE_BYTES = 2**30
MAX_WORK = 2e12

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


@dataclass(frozen=True, eq=False)
class ScanResult(Result):
    """The clusters a space-time permutation scan found, and how it ran.

    Attributes
    ----------
    clusters : pandas.DataFrame
        One row per cluster, most likely first: ``rank``, ``centre`` (the
        centre location's name), ``latitude``, ``longitude`` (the centre),
        ``radius_km`` (to the farthest location in the circle), ``start`` and
        ``end`` (first and last day, inclusive), ``observed`` and ``expected``
        events, ``rate_ratio`` (observed / expected), ``test_statistic`` (the
        LLR), ``pvalue`` (Monte Carlo; NaN without replications),
        ``n_locations`` and ``locations`` (their names, nearest first).
        :attr:`table` and :meth:`to_frame` give a copy.
    null_statistics : numpy.ndarray
        The largest LLR of each replication.
    n_events : int
        Events scanned (those with coordinates and a date in the study period).
    n_locations : int
        Distinct locations (circle centres).
    parameters : dict
        The options the scan ran with.
    """

    clusters: pd.DataFrame
    null_statistics: np.ndarray
    n_events: int
    n_locations: int
    parameters: dict = field(default_factory=dict)

    @property
    def most_likely(self) -> pd.Series:
        """The most likely cluster (the first row of :attr:`table`)."""
        if self.clusters.empty:
            raise InsufficientDataError("the scan found no cylinder with more events than expected")
        return self.clusters.iloc[0]

    @property
    def pvalue(self) -> float:
        """The most likely cluster's Monte Carlo p-value (NaN when none was found)."""
        return float(self.clusters["pvalue"].iloc[0]) if len(self.clusters) else float("nan")

    @property
    def rate_ratio(self) -> float:
        """The most likely cluster's observed / expected events (NaN when none was found)."""
        return float(self.clusters["rate_ratio"].iloc[0]) if len(self.clusters) else float("nan")

    def to_frame(self) -> pd.DataFrame:
        """The clusters as a tidy frame (a copy of :attr:`clusters`)."""
        return self.clusters.copy()

    def _headline_dict(self) -> dict[str, Any]:
        # "clusters" is the key the CLI's JSON has always had; the protocol adds "table"
        return {
            "method": "space-time permutation scan (Kulldorff et al. 2005)",
            "n_events": self.n_events,
            "n_locations": self.n_locations,
            "pvalue": self.pvalue,
            "rate_ratio": self.rate_ratio,
            "parameters": dict(self.parameters),
            "clusters": self.clusters,
        }

    def summary(self) -> str:
        """A short text report of the clusters."""
        head = (
            f"Space-time permutation scan: {self.n_events} events at {self.n_locations} "
            f"locations, {self.parameters.get('replications', 0)} replications"
        )
        if self.clusters.empty:
            return head + "\nNo cylinder had more events than expected."
        lines = [head]
        for row in self.clusters.itertuples(index=False):
            lines.append(
                f"{row.rank}. {row.centre} ({row.latitude:.4f}, {row.longitude:.4f}) "
                f"r={row.radius_km:.2f} km, {row.start:%Y-%m-%d} to {row.end:%Y-%m-%d}: "
                f"{row.observed} observed, {row.expected:.2f} expected, "
                f"LLR {row.test_statistic:.6f}, p={row.pvalue:.3g}"
            )
        return "\n".join(lines)

    def plot(
        self, ax: Axes | None = None, *, events: pd.DataFrame | None = None, **kwargs: Any
    ) -> Axes:
        """Cluster map: the clusters' circles (and the events, when given); see
        :func:`eventdata.plot.cluster_map`."""
        return cluster_map(self, events=events, ax=ax, **kwargs)


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
    progress: ProgressOption = None,
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
        beat (p = 1) is not reported, as SaTScan does; without replications,
        none with an LLR below 0.05 (noise in any data).
    days_per_unit : int
        Time aggregation (SaTScan's time aggregation length): 7 scans weeks
        counted from ``start``. Intervals then start and end on unit
        boundaries, ``max_days`` is rounded down to whole units, and the cost
        falls with the square of the unit.
    seed : int or numpy.random.Generator, optional
        For the replications.
    progress : bool or callable, optional
        Report the replications as they run: ``True`` draws a bar on stderr (when it is
        a terminal), a callable gets a :class:`eventdata.core.progress.ProgressStep`
        after each batch of replications.

    Returns
    -------
    ScanResult

    Raises
    ------
    EventDataError
        If a column is missing, an option is out of range, an event lies at
        coordinates that are not among ``locations``, or the scan is too large
        to run (the message says what would shrink it).
    TypeError
        If ``progress`` is not a bool, None or a callable.
    InsufficientDataError
        If fewer than two events or days are left to scan.

    Notes
    -----
    Reproduces SaTScan 10's retrospective and prospective space-time
    permutation analyses of its NYC fever sample to all printed decimals
    (tests/analysis/test_spatial_scan.py). Cost per replication is about
    (groups of nested circles x days x bands of interval lengths) integer
    comparisons, the groups about the square root of the circles' events per
    centre; see benchmarks/scan_benchmark.py. A scan that would make over
    2e12 comparisons in all (about half an hour on one core), or whose count
    tables would pass 1 GiB, raises :class:`~eventdata.core.errors.EventDataError`.

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
    rng = as_rng(seed)
    # (made first: a wrong progress option is told at once)
    bar = Progress(progress, total=replications, unit=" replications", description="scan")
    with bar:
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
        # a first check from the places alone (each with events is the centre of some circle)
        counts = np.bincount(place, minlength=len(places))
        centres = int(((counts > 0) & (counts <= max_share * n_events)).sum())
        _check_size(centres, len(places), centres, n_days, window, prospective, replications)
        plan = Plan.build(
            places["latitude"].to_numpy("float64"),
            places["longitude"].to_numpy("float64"),
            place,
            max_share,
            max_radius_km,
            check=lambda groups, circles: _check_size(
                groups, len(places), circles, n_days, window, prospective, replications
            ),
        )
        _check_size(
            len(plan.last), len(places), len(plan.centre), n_days, window, prospective, replications
        )
        cylinders = Cylinders(
            plan, np.bincount(day, minlength=n_days), window, prospective, min_events
        )
        tables = plan.tables(place, day[None], n_days, cylinders.dtype)
        observed = (tables[0][0], tables[1][0])
        top = cylinders.largest(observed, FIRST_LEVEL)
        null = cylinders.null_statistics(place, day, replications, rng, top, bar.advance)
        calendar = (first, last, unit, prospective)
        # each circle's best cylinder whose LLR reaches a level, from half the largest down
        # until the report is whole; with replications, not below what every replication
        # beat (never reported), without, not below LEAST_REPORTED
        floor = min(0.999 * null.min() if replications else LEAST_REPORTED, top)
        level = top / 2
        while True:
            level = max(level, floor)
            best = pd.DataFrame(cylinders.best(observed, level))
            table, complete = _report(
                best, plan, (place, day), places, calendar, null, replications, max_clusters
            )
            if complete or level <= floor:
                break
            level /= 4
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


def _check_size(groups, places, circles, n_days, window, prospective, replications):
    """Raise one clear error, before the large allocations, when a scan cannot run here."""
    intervals = interval_rows(n_days, window, prospective)
    table = (groups + places + 1) * (n_days + 1) * 4
    work = groups * intervals * (replications + 1)
    if table <= MAX_TABLE_BYTES and work <= MAX_WORK:
        return
    raise EventDataError(
        f"this scan is too large to run: {circles:,} circles (in {groups:,} groups) or more "
        f"x {intervals:,} interval starts over {n_days:,} time units, {replications} replications "
        f"(about {work:.1e} comparisons and {table / 2**30:.1f} GiB per replication); "
        "scan weeks or months (days_per_unit=7 or 30), shorten max_days, "
        "bound the circles (max_radius_km or a smaller max_share), or run fewer replications"
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
        places = places_frame(locations, "locations")
        shared = places[places.duplicated(["latitude", "longitude"], keep=False)]
        if len(shared):
            raise EventDataError(
                f"two locations share the coordinates ({shared['latitude'].iloc[0]}, "
                f"{shared['longitude'].iloc[0]}): {', '.join(shared['name'].head(3))}; "
                "give each place once"
            )
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


def _report(observed, plan, events, places, calendar, null, replications, max_clusters):
    """Each centre's best circle, in decreasing LLR, keeping those that share no location.

    Returns the table, and whether it stopped for ``max_clusters`` or a cluster every
    replication beat (rather than for want of circles in ``observed``).
    """
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
    complete = False  # stopped for max_clusters or p = 1, not for want of circles
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
            complete = True
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
            complete = True
            break
    table = pd.DataFrame(rows, columns=_COLUMNS)
    if table.empty:
        table = table.astype({"start": "datetime64[ns]", "end": "datetime64[ns]"})
    return table, complete
