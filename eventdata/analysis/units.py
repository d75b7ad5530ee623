"""Which unit escalated: the anniversary test run per province, country or grid cell.

:func:`anniversary_by_unit` splits the events by a unit column (``admin1``,
``country``) or by PRIO-GRID cell (``"priogrid"``, from the coordinates), runs
:func:`eventdata.anniversary_test` on each unit over the same calendar (the
whole data's first to last day, so every unit has the same days, zeros
included), corrects the units' p-values together (Benjamini-Hochberg by
default, through statsmodels' ``multipletests``), and runs the pooled test on
all events. Units with too few events to test, or whose test cannot run, are
listed with the reason rather than dropped.

With ``method="placebo"`` a unit's p-value cannot fall below
``1 / (n_placebo + 1)`` (about 0.003 over eight years), and Benjamini-Hochberg
over ``k`` units multiplies the smallest by up to ``k``: with many units prefer
``method="negbin"`` or a longer series.
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from eventdata.analysis.anniversary import AnniversaryResult, anniversary_test
from eventdata.core.errors import EventDataError
from eventdata.core.options import require_columns
from eventdata.events.grid import with_priogrid

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["UnitAnniversaryTests", "anniversary_by_unit"]

_CORRECTIONS = {"bh": "fdr_bh", "holm": "holm", "bonferroni": "bonferroni"}
_COLUMNS = [
    "unit",
    "n_events",
    "observed",
    "expected",
    "rate_ratio",
    "ci_low",
    "ci_high",
    "pvalue",
    "pvalue_adjusted",
    "method",
    "warnings",
]


@dataclass(frozen=True, eq=False)
class UnitAnniversaryTests:
    """The anniversary test per unit, corrected across units, and pooled.

    Attributes
    ----------
    by : str
        The unit: ``"admin1"``, ``"country"``, ``"priogrid"`` or another column.
    anniversary : str
        ``"MM-DD"``.
    table : pandas.DataFrame
        One row per tested unit, smallest adjusted p-value first: ``unit``,
        ``n_events``, ``observed`` and ``expected`` (in the windows),
        ``rate_ratio``, ``ci_low``, ``ci_high``, ``pvalue``, ``pvalue_adjusted``
        (across the units tested), ``method`` and ``warnings`` (what the unit's
        test warned about, if anything).
    sparse : pandas.DataFrame
        Units not tested: ``unit``, ``n_events``, ``reason``.
    pooled : AnniversaryResult
        The test on all events together.
    results : dict
        Each tested unit's :class:`~eventdata.AnniversaryResult`.
    correction : str
        ``"bh"``, ``"holm"``, ``"bonferroni"`` or ``"none"``.
    """

    by: str
    anniversary: str
    table: pd.DataFrame
    sparse: pd.DataFrame
    pooled: AnniversaryResult
    results: dict = field(default_factory=dict)
    correction: str = "bh"

    @property
    def rate_ratio(self) -> pd.Series:
        """Rate ratio per tested unit."""
        return self.table.set_index("unit")["rate_ratio"]

    @property
    def pvalue_adjusted(self) -> pd.Series:
        """Adjusted p-value per tested unit."""
        return self.table.set_index("unit")["pvalue_adjusted"]

    def to_frame(self) -> pd.DataFrame:
        """Tested units, then the pooled test (``unit`` ``"(all)"``), then untested ones."""
        pooled = pd.DataFrame(
            [
                {
                    "unit": "(all)",
                    "observed": self.pooled.observed,
                    "expected": self.pooled.expected,
                    "rate_ratio": self.pooled.rate_ratio,
                    "ci_low": self.pooled.ci[0],
                    "ci_high": self.pooled.ci[1],
                    "pvalue": self.pooled.pvalue,
                    "method": self.pooled.method,
                }
            ]
        )
        sparse = self.sparse.rename(columns={"reason": "warnings"})
        frame = pd.concat([self.table, pooled, sparse], ignore_index=True)
        frame.insert(0, "by", self.by)
        frame["tested"] = [True] * len(self.table) + [True] + [False] * len(sparse)
        return frame

    def to_dict(self) -> dict[str, Any]:
        """Units, pooled test and untested units, for JSON."""
        return {
            "by": self.by,
            "anniversary": self.anniversary,
            "correction": self.correction,
            "units": self.table.to_dict(orient="records"),
            "pooled": {
                "rate_ratio": self.pooled.rate_ratio,
                "ci": list(self.pooled.ci),
                "pvalue": self.pooled.pvalue,
                "method": self.pooled.method,
            },
            "not_tested": self.sparse.to_dict(orient="records"),
        }

    def summary(self) -> str:
        """A short text report."""
        lines = [
            f"Anniversary {self.anniversary} by {self.by}: {len(self.table)} units tested, "
            f"{len(self.sparse)} not tested; p-values adjusted across units ({self.correction})",
            f"Pooled: rate ratio {self.pooled.rate_ratio:.2f} "
            f"[{self.pooled.ci[0]:.2f}, {self.pooled.ci[1]:.2f}], p = {self.pooled.pvalue:.3g}",
        ]
        for row in self.table.itertuples(index=False):
            lines.append(
                f"  {row.unit}: {row.rate_ratio:.2f} [{row.ci_low:.2f}, {row.ci_high:.2f}], "
                f"p = {row.pvalue:.3g}, adjusted {row.pvalue_adjusted:.3g}"
            )
        for row in self.sparse.itertuples(index=False):
            lines.append(f"  {row.unit}: not tested ({row.reason})")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return "<pre>" + html.escape(self.summary()) + "</pre>"

    def plot(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Forest plot of the units' rate ratios; see :func:`eventdata.plot.unit_forest`."""
        from eventdata import plot

        return plot.unit_forest(self, ax=ax, **kwargs)


def anniversary_by_unit(
    events: pd.DataFrame,
    anniversary: str = "01-03",
    *,
    by: str = "admin1",
    min_events: int = 30,
    correction: str = "bh",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    **options: Any,
) -> UnitAnniversaryTests:
    """Run the anniversary test in each province, country or grid cell, and pooled.

    Parameters
    ----------
    events : pandas.DataFrame
        Incident records with ``event_date`` and the unit column (or
        ``latitude`` and ``longitude`` for ``by="priogrid"``).
    anniversary : str
        One ``"MM-DD"``.
    by : str
        ``"admin1"`` (default), ``"country"``, ``"priogrid"`` (PRIO-GRID cells
        from the coordinates) or any other column naming units.
    min_events : int
        Units with fewer events in all are not tested (listed in ``sparse``).
    correction : {"bh", "holm", "bonferroni", "none"}
        Across the units tested (statsmodels' ``multipletests``).
    start, end : date-like, optional
        The calendar every unit is counted over (default: the whole data's first
        and last event).
    **options
        Passed to :func:`eventdata.anniversary_test` (``window``, ``method``,
        ``alternative``, ``years``, ...).

    Returns
    -------
    UnitAnniversaryTests

    Raises
    ------
    EventDataError
        If a column is missing, ``anniversary`` is not one date, or an option
        is out of range.

    Notes
    -----
    Each unit is a separate :func:`eventdata.anniversary_test` (its own baseline
    model and placebo set), so the time grows with the number of units.

    Examples
    --------
    >>> import eventdata as ed
    >>> events = ed.datasets.simulate("2016-01-01", "2022-12-31", seed=2)
    >>> result = anniversary_by_unit(events, "01-03", by="country", method="negbin")
    >>> sorted(result.table["unit"])
    ['Iraq', 'Syria']
    """
    if not isinstance(anniversary, str):
        raise EventDataError("anniversary_by_unit tests one anniversary: give one 'MM-DD'")
    if correction not in (*_CORRECTIONS, "none"):
        raise EventDataError(
            f"correction must be one of {[*_CORRECTIONS, 'none']}, not {correction!r}"
        )
    if (
        isinstance(min_events, bool)
        or not isinstance(min_events, (int, np.integer))
        or min_events < 1
    ):
        raise EventDataError(f"min_events must be a whole number of at least 1, not {min_events!r}")
    if not isinstance(by, str):
        raise EventDataError(f"by must be one column name, not {by!r}")
    if by == "priogrid" and "priogrid" not in events.columns:
        events = with_priogrid(events)
    require_columns(events, "event_date", by)
    dates = pd.to_datetime(events["event_date"], errors="coerce")
    first = pd.Timestamp(start) if start is not None else dates.min()
    last = pd.Timestamp(end) if end is not None else dates.max()
    pooled = anniversary_test(events, anniversary, start=first, end=last, **options)
    # the units' tests warn unit by unit into their rows; the pooled test warns as usual
    units = events[by]
    sizes = units.value_counts(dropna=True, sort=False)
    rows, sparse, results = [], [], {}
    for unit in sorted(sizes.index, key=str):
        n = int(sizes[unit])
        if n < min_events:
            sparse.append(
                {"unit": unit, "n_events": n, "reason": f"{n} events, fewer than {min_events}"}
            )
            continue
        subset = events[(units == unit).to_numpy(dtype=bool, na_value=False)]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = anniversary_test(subset, anniversary, start=first, end=last, **options)
            except EventDataError as error:
                sparse.append({"unit": unit, "n_events": n, "reason": str(error).splitlines()[0]})
                continue
        results[unit] = result
        rows.append(
            {
                "unit": unit,
                "n_events": n,
                "observed": result.observed,
                "expected": result.expected,
                "rate_ratio": result.rate_ratio,
                "ci_low": result.ci[0],
                "ci_high": result.ci[1],
                "pvalue": result.pvalue,
                "method": result.method,
                "warnings": "; ".join(sorted({type(w.message).__name__ for w in caught})),
            }
        )
    table = pd.DataFrame(rows, columns=[c for c in _COLUMNS if c != "pvalue_adjusted"])
    table.insert(
        table.columns.get_loc("pvalue") + 1, "pvalue_adjusted", _adjust(table["pvalue"], correction)
    )
    table = table.sort_values(["pvalue_adjusted", "pvalue"], kind="stable").reset_index(drop=True)
    sparse_frame = pd.DataFrame(sparse, columns=["unit", "n_events", "reason"])
    return UnitAnniversaryTests(by, anniversary, table, sparse_frame, pooled, results, correction)


def _adjust(pvalues: pd.Series, correction: str) -> np.ndarray:
    """Adjusted p-values; NaN stays NaN and is left out of the correction."""
    values = pvalues.to_numpy("float64")
    adjusted = values.copy()
    known = ~np.isnan(values)
    if correction != "none" and known.any():
        adjusted[known] = multipletests(values[known], method=_CORRECTIONS[correction])[1]
    return adjusted
