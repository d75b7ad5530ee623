"""Which unit escalated: the anniversary test run per province, country or grid cell.

:func:`anniversary_by_unit` splits the events by a unit column (``admin1``,
``country``) or by PRIO-GRID cell (``"priogrid"``, from the coordinates), runs
:func:`eventdata.anniversary_test` on each unit over the same calendar (the
whole data's first to last day, so every unit has the same days, zeros
included, and one design matrix and set of pseudo-anniversaries serves them
all), corrects the units' p-values together (Benjamini-Hochberg by
default, through statsmodels' ``multipletests``), and runs the pooled test on
all events. Units with too few events to test, or whose test cannot run, are
listed with the reason rather than dropped.

With ``method="placebo"`` a unit's p-value cannot fall below
``1 / (n_placebo + 1)`` (about 0.003 over eight years), and Benjamini-Hochberg
over ``k`` units multiplies the smallest by up to ``k``: with many units prefer
``method="negbin"`` or a longer series.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from eventdata.analysis._by_unit import UnitAnniversaryTests
from eventdata.analysis.anniversary import anniversary_test

__all__ = ["UnitAnniversaryTests", "anniversary_by_unit"]


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
    The same as ``anniversary_test(events, anniversary, by=by, ...)``. The units
    share the calendar, the pseudo-anniversaries and the design matrix of the
    expectation model, and are counted in one pass; their baselines are fitted
    together, their pseudo-anniversaries solved together, their tables built
    together and their negbin or quasi-Poisson inferences run together, each
    unit's numbers computed on its own, so they are those of
    :func:`eventdata.anniversary_test` on its events alone over the same
    calendar. Warnings of the pooled test
    point at the caller's line; the units' are listed in their rows
    (``benchmarks/units_benchmark.py`` times it).

    Examples
    --------
    >>> import eventdata as ed
    >>> events = ed.datasets.simulate("2016-01-01", "2022-12-31", seed=2)
    >>> result = anniversary_by_unit(events, "01-03", by="country", method="negbin")
    >>> sorted(result.table["unit"])
    ['Iraq', 'Syria']
    """
    return anniversary_test(
        events,
        anniversary,
        by=by,
        min_events=min_events,
        correction=correction,
        start=start,
        end=end,
        **options,
    )
