"""The Knox test: are events that are close in space also close in time?

Knox (1964) counts the pairs of events that lie within ``distance_km`` of each
other and within ``days`` of each other. Without space-time interaction the
count of such pairs is what the spatial and temporal closeness give by
chance; it is judged against Monte Carlo permutations that shuffle the dates
among the events (keeping where events happen and when, but not which goes
with which): ``p = (1 + #{permutations >= observed}) / (1 + permutations)``.
The expected count under independence, ``NS * NT / N`` (space pairs times
time pairs over all pairs), and a Poisson p-value are reported too; the
Poisson one ignores the dependence between pairs that share an event and is
too small when events repeat at the same places (Kulldorff and Hjalmars 1999).

Space pairs are found on the sphere (great-circle distance, no projection):
a k-d tree on the events' unit vectors with the chord matching
``distance_km``. Each permutation then costs one pass over those pairs.

References
----------
Knox EG. The detection of space-time interactions. Journal of the Royal
Statistical Society C 1964;13(1):25-30.

Kulldorff M, Hjalmars U. The Knox method and other tests for space-time
interaction. Biometrics 1999;55(2):544-552.

Examples
--------
>>> import eventdata as ed
>>> events = ed.datasets.simulate("2022-01-01", "2022-06-30", seed=3)
>>> result = knox_test(events, distance_km=20, days=3, permutations=99, seed=0)
>>> result.statistic >= 0
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eventdata.core.errors import EventDataError, InsufficientDataError
from eventdata.core.options import as_rng, require_columns
from eventdata.core.result import Result
from eventdata.events.geo import EARTH_RADIUS_KM, event_coordinates, haversine_km
from eventdata.plot import knox_null

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["KnoxResult", "knox_test"]


@dataclass(frozen=True, eq=False)
class KnoxResult(Result):
    """A Knox test: pairs close in space and time, against chance.

    Attributes
    ----------
    statistic : int
        Pairs of events within ``distance_km`` and within ``days`` of each other.
    expected : float
        Their expected number without interaction, ``NS * NT / N``.
    rate_ratio : float
        ``statistic / expected``.
    pvalue : float
        Monte Carlo p-value (one-sided: more close pairs than chance); NaN
        without permutations.
    pvalue_poisson : float
        ``P(X >= statistic)`` for X Poisson with mean ``expected``.
    n_space_pairs, n_time_pairs, n_pairs : int
        Pairs close in space, close in time, and all pairs.
    null_statistics : numpy.ndarray
        The statistic of each permutation.
    distance_km, days : float
        The closeness thresholds (both inclusive).
    n_events : int
        Events tested (with coordinates and a date).
    """

    statistic: int
    expected: float
    rate_ratio: float
    pvalue: float
    pvalue_poisson: float
    n_space_pairs: int
    n_time_pairs: int
    n_pairs: int
    null_statistics: np.ndarray
    distance_km: float
    days: float
    n_events: int
    parameters: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The 2 x 2 table of pairs, observed and expected (tidy: one row per cell)."""
        ns, nt, nst, n = self.n_space_pairs, self.n_time_pairs, self.statistic, self.n_pairs
        observed = [nst, ns - nst, nt - nst, n - ns - nt + nst]
        e = self.expected
        expected = [e, ns - e, nt - e, n - ns - nt + e]
        return pd.DataFrame(
            {
                "close_in_space": [True, True, False, False],
                "close_in_time": [True, False, True, False],
                "observed": observed,
                "expected": expected,
            }
        )

    def _headline_dict(self) -> dict[str, Any]:
        return {
            "method": "Knox test (Monte Carlo)",
            "statistic": self.statistic,
            "expected": self.expected,
            "rate_ratio": self.rate_ratio,
            "pvalue": self.pvalue,
            "pvalue_poisson": self.pvalue_poisson,
            "n_space_pairs": self.n_space_pairs,
            "n_time_pairs": self.n_time_pairs,
            "n_pairs": self.n_pairs,
            "distance_km": self.distance_km,
            "days": self.days,
            "n_events": self.n_events,
            "permutations": len(self.null_statistics),
        }

    def summary(self) -> str:
        """A short text report."""
        return (
            f"Knox test: {self.n_events} events, pairs within {self.distance_km:g} km and "
            f"{self.days:g} days: {self.statistic} observed, {self.expected:.1f} expected "
            f"(ratio {self.rate_ratio:.2f}); Monte Carlo p = {self.pvalue:.3g} "
            f"({len(self.null_statistics)} permutations), Poisson p = {self.pvalue_poisson:.3g}"
        )

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """The permutation distribution and the observed statistic; see
        :func:`eventdata.plot.knox_null`."""
        return knox_null(self, ax=ax, **kwargs)


def knox_test(
    events: pd.DataFrame,
    *,
    distance_km: float,
    days: float,
    permutations: int = 999,
    seed: int | np.random.Generator | None = None,
) -> KnoxResult:
    """Test for space-time interaction by counting pairs close in space and in time.

    Parameters
    ----------
    events : pandas.DataFrame
        Records with ``event_date``, ``latitude`` and ``longitude``; events
        without them are left out (counted in ``parameters["left_out"]``).
    distance_km : float
        Two events are close in space when at most this far apart (great circle).
    days : float
        Two events are close in time when at most this many days apart.
    permutations : int
        Monte Carlo permutations of the dates (0 for none).
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    KnoxResult

    Raises
    ------
    EventDataError
        If a column is missing or an option is out of range.
    InsufficientDataError
        If fewer than two events have coordinates and a date.

    Examples
    --------
    >>> import pandas as pd
    >>> events = pd.DataFrame({
    ...     "latitude": [35.0, 35.01, 36.0, 36.0],
    ...     "longitude": [40.0, 40.0, 41.0, 41.0],
    ...     "event_date": pd.to_datetime(["2022-01-01", "2022-01-02", "2022-01-01", "2022-03-01"])})
    >>> result = knox_test(events, distance_km=5, days=2, permutations=0)
    >>> result.statistic, result.n_space_pairs, result.n_time_pairs
    (1, 2, 3)
    """
    for name, value in (("distance_km", distance_km), ("days", days)):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float, np.number))
            or not value >= 0
        ):
            raise EventDataError(f"{name} must be a non-negative number, not {value!r}")
    if (
        isinstance(permutations, bool)
        or not isinstance(permutations, (int, np.integer))
        or permutations < 0
    ):
        raise EventDataError(
            f"permutations must be a whole number of at least 0, not {permutations!r}"
        )
    require_columns(events, "event_date")
    lat, lon = event_coordinates(events)
    time = pd.to_datetime(events["event_date"], errors="coerce")
    day = ((time - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400.0).to_numpy(
        "float64", na_value=np.nan
    )
    keep = ~(np.isnan(lat) | np.isnan(lon) | np.isnan(day))
    lat, lon, day = lat[keep], lon[keep], day[keep]
    n = len(day)
    if n < 2:
        raise InsufficientDataError(
            f"the Knox test needs at least two located, dated events, not {n}"
        )
    from scipy import stats  # heavy: loaded when first used

    rng = as_rng(seed)
    first, second = _space_pairs(lat, lon, float(distance_km))
    close_time = np.abs(day[first] - day[second]) <= days
    statistic = int(close_time.sum())
    ordered = np.sort(day)
    n_time = int((np.searchsorted(ordered, ordered + days, side="right") - np.arange(n) - 1).sum())
    n_pairs = n * (n - 1) // 2
    expected = len(first) * n_time / n_pairs
    null = np.empty(permutations, dtype=np.int64)
    for r in range(permutations):
        shuffled = rng.permutation(day)
        null[r] = np.count_nonzero(np.abs(shuffled[first] - shuffled[second]) <= days)
    pvalue = (1 + int((null >= statistic).sum())) / (1 + permutations) if permutations else np.nan
    return KnoxResult(
        statistic=statistic,
        expected=float(expected),
        rate_ratio=statistic / expected if expected > 0 else float("nan"),
        pvalue=float(pvalue),
        pvalue_poisson=float(stats.poisson.sf(statistic - 1, expected))
        if expected > 0
        else float("nan"),
        n_space_pairs=len(first),
        n_time_pairs=n_time,
        n_pairs=n_pairs,
        null_statistics=null,
        distance_km=float(distance_km),
        days=float(days),
        n_events=n,
        parameters={"permutations": permutations, "left_out": int((~keep).sum())},
    )


def _space_pairs(lat, lon, distance_km) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) of points within ``distance_km`` on the sphere."""
    from scipy.spatial import cKDTree  # heavy: loaded when first used

    phi, lmb = np.radians(lat), np.radians(lon)
    unit = np.column_stack([np.cos(phi) * np.cos(lmb), np.cos(phi) * np.sin(lmb), np.sin(phi)])
    angle = min(distance_km / EARTH_RADIUS_KM, np.pi)
    chord = 2 * np.sin(angle / 2)
    # a hair wider, then the exact great-circle test: the chord is rounded in floating point
    pairs = cKDTree(unit).query_pairs(chord * (1 + 1e-9) + 1e-12, output_type="ndarray")
    if len(pairs) == 0:
        return np.empty(0, np.intp), np.empty(0, np.intp)
    first, second = pairs[:, 0], pairs[:, 1]
    within = haversine_km(lat[first], lon[first], lat[second], lon[second]) <= distance_km
    return first[within], second[within]
