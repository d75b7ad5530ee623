"""The anniversary test per unit, sharing what the units share.

Every unit is tested over the same calendar, so the units share the tested years, the
pseudo-anniversaries and the design matrix of the expectation model
(:func:`~eventdata.analysis._inference.plan_tests`, made once); the events are counted per
day and unit in one pass of :func:`eventdata.events.counts.counts`. The units' baselines are
fitted in one stack of Newton steps (:func:`~eventdata.analysis._glm.fit_log_glms`), their
pseudo-anniversaries solved in one stack
(:func:`~eventdata.analysis._placebo.left_out_sums_of_units`) and their result tables built
as one frame of each kind (:func:`~eventdata.analysis._inference.window_tables`), and with
``method="negbin"`` or ``"quasipoisson"`` the profile-likelihood inferences of the pooled
series and every unit run together
(:func:`~eventdata.analysis._inference.model_inferences`: their GLM fits and dispersion
searches stacked step by step). Every step is done unit by unit inside the stacks, so a
unit's numbers are those of :func:`eventdata.anniversary_test` on that unit's events alone,
over the same calendar, to the last bit.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eventdata import plot
from eventdata.analysis._calendar import (
    CORRECTIONS,
    check_options,
    check_window,
    parse_anniversary,
)
from eventdata.analysis._daily import coarse_rows, daily_series
from eventdata.analysis._glm import fit_log_glms
from eventdata.analysis._inference import (
    adjust_pvalues,
    fit_baseline,
    model_inferences,
    plan_tests,
    run_tests,
    window_tables,
)
from eventdata.analysis._placebo import left_out_sums_of_units
from eventdata.analysis._text import format_pvalue, format_ratio
from eventdata.core.errors import EventDataError
from eventdata.core.options import require_columns
from eventdata.core.progress import ProgressOption
from eventdata.core.result import Result
from eventdata.core.warn import warn_at_caller
from eventdata.events.counts import counts
from eventdata.events.grid import with_priogrid

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["UnitAnniversaryTests", "per_unit_tests"]

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
class UnitAnniversaryTests(Result):
    """The anniversary test per unit, corrected across units, and pooled.

    Attributes
    ----------
    by : str
        The unit: ``"admin1"``, ``"country"``, ``"priogrid"`` or another column.
    anniversary : str
        ``"MM-DD"``.
    units : pandas.DataFrame
        One row per tested unit, smallest adjusted p-value first: ``unit``,
        ``n_events``, ``observed`` and ``expected`` (in the windows),
        ``rate_ratio``, ``ci_low``, ``ci_high``, ``pvalue``, ``pvalue_adjusted``
        (across the units tested), ``method`` and ``warnings`` (what the unit's
        test warned about, if anything). Also ``table``.
    sparse : pandas.DataFrame
        Units not tested: ``unit``, ``n_events``, ``reason``.
    pooled : AnniversaryResult
        The test on all events together.
    results : dict
        Each tested unit's :class:`~eventdata.AnniversaryResult` (with no
        time-precision report of its own: the pooled result has it).
    correction : str
        ``"bh"``, ``"holm"``, ``"bonferroni"`` or ``"none"``.
    """

    by: str
    anniversary: str
    units: pd.DataFrame
    sparse: pd.DataFrame
    pooled: Any
    results: dict = field(default_factory=dict)
    correction: str = "bh"

    @property
    def table(self) -> pd.DataFrame:
        """The tested units (``units``); :meth:`to_frame` adds the pooled and untested rows."""
        return self.units

    @property
    def rate_ratio(self) -> pd.Series:
        """Rate ratio per tested unit."""
        return self.units.set_index("unit")["rate_ratio"]

    @property
    def ci(self) -> pd.DataFrame:
        """Interval per tested unit: ``ci_low``, ``ci_high``."""
        return self.units.set_index("unit")[["ci_low", "ci_high"]]

    @property
    def pvalue(self) -> pd.Series:
        """p-value per tested unit (not adjusted)."""
        return self.units.set_index("unit")["pvalue"]

    @property
    def pvalue_adjusted(self) -> pd.Series:
        """Adjusted p-value per tested unit."""
        return self.units.set_index("unit")["pvalue_adjusted"]

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
        parts = [part for part in (self.units, pooled, sparse) if len(part)]
        frame = pd.concat(parts, ignore_index=True)
        frame.insert(0, "by", self.by)
        frame["tested"] = [True] * len(self.units) + [True] + [False] * len(sparse)
        return frame

    def _headline_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "anniversary": self.anniversary,
            "correction": self.correction,
            "units": self.units,
            "pooled": {
                "rate_ratio": self.pooled.rate_ratio,
                "ci": self.pooled.ci,
                "pvalue": self.pooled.pvalue,
                "method": self.pooled.method,
            },
            "not_tested": self.sparse,
        }

    def summary(self) -> str:
        """A short text report."""
        lines = [
            f"Anniversary {self.anniversary} by {self.by}: {len(self.units)} units tested, "
            f"{len(self.sparse)} not tested; p-values adjusted across units ({self.correction})",
            f"Pooled: rate ratio {format_ratio(self.pooled.rate_ratio)} "
            f"[{format_ratio(self.pooled.ci[0])}, {format_ratio(self.pooled.ci[1])}], "
            f"p {format_pvalue(self.pooled.pvalue, equals=True)}",
        ]
        for row in self.units.itertuples(index=False):
            lines.append(
                f"  {row.unit}: {row.rate_ratio:.2f} [{row.ci_low:.2f}, {row.ci_high:.2f}], "
                f"p = {row.pvalue:.3g}, adjusted {row.pvalue_adjusted:.3g}"
            )
        for row in self.sparse.itertuples(index=False):
            lines.append(f"  {row.unit}: not tested ({row.reason})")
        return "\n".join(lines)

    def plot(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Forest plot of the units' rate ratios; see :func:`eventdata.plot.unit_forest`."""
        return plot.unit_forest(self, ax=ax, **kwargs)


def per_unit_tests(
    events: pd.DataFrame,
    anniversary: str,
    *,
    by: str,
    min_events: int,
    correction: str,
    result_type: Callable[..., Any],
    start: Any = None,
    end: Any = None,
    precision: str = "auto",
    coverage: Any = None,
    exposure: Any = None,
    progress: ProgressOption = None,
    test_options: dict[str, Any],
) -> UnitAnniversaryTests:
    """The anniversary test of each unit of ``events[by]`` and of all events.

    ``result_type`` builds a result from its fields (the caller's result class);
    ``test_options`` are the anniversary test's ``window``, ``years``, ``method``,
    ``alternative``, ``level``, ``buffer``, ``trend_df`` and ``harmonics``. The
    pooled test gets ``progress``.
    """
    if not isinstance(anniversary, str):
        raise EventDataError("anniversary_by_unit tests one anniversary: give one 'MM-DD'")
    if correction not in CORRECTIONS:
        raise EventDataError(f"correction must be one of {list(CORRECTIONS)}, not {correction!r}")
    if (
        isinstance(min_events, bool)
        or not isinstance(min_events, int | np.integer)
        or min_events < 1
    ):
        raise EventDataError(f"min_events must be a whole number of at least 1, not {min_events!r}")
    if not isinstance(by, str):
        raise EventDataError(f"by must be one column name, not {by!r}")
    if not isinstance(events, pd.DataFrame):
        raise EventDataError("a test by unit needs incident records (a DataFrame with event_date)")
    if by == "priogrid" and "priogrid" not in events.columns:
        events = with_priogrid(events)
    require_columns(events, "event_date", by)
    options = dict(test_options)
    window = check_window(options.pop("window"))
    method, alternative, level = options["method"], options["alternative"], options["level"]
    check_options(method, alternative, "none", level, options["buffer"])
    parsed = [parse_anniversary(anniversary)]
    dates = pd.to_datetime(events["event_date"], errors="coerce")
    first = pd.Timestamp(start) if start is not None else dates.min()
    last = pd.Timestamp(end) if end is not None else dates.max()

    run = {"method": method, "alternative": alternative, "level": level}
    # the pooled test warns as the test of all events does, at the caller's line (through
    # anniversary_test or anniversary_by_unit: a fixed stacklevel is right for one only);
    # its model inference is made with the units' (below)
    with _warnings_at_caller():
        daily = daily_series(
            events, start=first, end=last, precision=precision, coverage=coverage, exposure=exposure
        )
        plan = plan_tests(
            daily,
            [anniversary],
            parsed,
            window=window,
            years=options["years"],
            buffer=options["buffer"],
            trend_df=options["trend_df"],
            harmonics=options["harmonics"],
        )
        pooled_baseline = fit_baseline(daily, plan)
    # one pass counts every unit, day by day, over the pooled series' calendar; an event id
    # is counted once within its unit, as a unit's events alone are (not once overall)
    within = events
    if "event_id_cnty" in events.columns:
        within = events.drop_duplicates([by, "event_id_cnty"]).drop(columns="event_id_cnty")
    table = counts(
        within, freq="D", by=by, start=first, end=last, precision=precision, coverage=coverage
    )
    # one column of daily counts per unit, missing where the table has no count
    codes, names = pd.factorize(table[by])
    column_of = {name: column for column, name in enumerate(names)}
    wide = np.full((len(daily.days), len(names)), np.nan)
    days = daily.days.get_indexer(table["date"])
    listed = (days >= 0) & (codes >= 0)
    wide[days[listed], codes[listed]] = table["count"].to_numpy("float64", na_value=np.nan)[listed]
    units = events[by]
    sizes = units.value_counts(dropna=True, sort=False)
    positions = pd.Series(np.arange(len(events))).groupby(units.to_numpy(), sort=False).indices
    # the events the daily counts leave out as too coarse, found once: each unit takes its own
    coarse = None
    if "time_precision" in events.columns and precision not in ("keep", "spread"):
        coarse = coarse_rows(events) & dates.notna().to_numpy()
    event_days = dates.to_numpy().astype("datetime64[ns]")
    sparse, prepared = [], {}
    for unit in sorted(sizes.index, key=str):
        n = int(sizes[unit])
        if n < min_events:
            sparse.append(
                {"unit": unit, "n_events": n, "reason": f"{n} events, fewer than {min_events}"}
            )
            continue
        values = (
            wide[:, column_of[unit]]
            if unit in column_of
            else np.zeros(len(daily.days))  # every event of the unit left out by precision
        )
        covered = daily.covered & np.isfinite(values)
        unit_daily = replace(
            daily,
            y=np.where(covered, values, 0.0),
            covered=covered,
            report=None,
            coarse_dates=(
                None if coarse is None else event_days[positions[unit]][coarse[positions[unit]]]
            ),
        )
        prepared[unit] = (n, unit_daily)
    # the units' baselines fitted together: one design, a Newton step for all units at once
    fit_rows = plan.fit_rows
    with_events = [unit for unit, (_, series) in prepared.items() if series.y[fit_rows].any()]
    coefficients = dict.fromkeys(prepared)
    if with_events:
        batch = fit_log_glms(
            plan.design[0][fit_rows],
            np.stack([prepared[unit][1].y[fit_rows] for unit in with_events]),
            offset=np.stack([prepared[unit][1].offset[fit_rows] for unit in with_events]),
        )
        coefficients.update(zip(with_events, batch, strict=True))
    fitted = {}
    for unit, (n, unit_daily) in prepared.items():
        beta = coefficients[unit]
        try:
            fitted[unit] = (
                n,
                unit_daily,
                fit_baseline(
                    unit_daily, plan, None if beta is None or np.isnan(beta).any() else beta
                ),
            )
        except EventDataError as error:
            sparse.append({"unit": unit, "n_events": n, "reason": str(error).splitlines()[0]})
    # the pseudo-anniversaries of every unit at once: one gather of the design, one stack
    placebos = left_out_sums_of_units(
        [baseline for _, _, baseline in fitted.values()],
        plan.tested[0][1],
        plan.shifts[0],
        plan.window,
    )
    # their result tables, built once for all units and cut into each unit's
    tables = window_tables(
        [baseline for _, _, baseline in fitted.values()],
        plan.tested[0],
        plan.shifts[0],
        plan.window,
        placebos,
    )
    # the negbin or quasi-Poisson inferences of the pooled series and the units, each
    # one's GLM fits stacked with the others'
    models = [None] * (len(fitted) + 1)
    if method in ("negbin", "quasipoisson"):
        models = model_inferences(
            [pooled_baseline] + [baseline for _, _, baseline in fitted.values()],
            plan.tested[0],
            plan.window,
            method,
            alternative,
            level,
        )
    with _warnings_at_caller():
        pooled = result_type(
            **run_tests(
                daily,
                plan,
                progress=progress,
                baseline=pooled_baseline,
                models=models[:1],
                **run,
            )[0]
        )
    rows, results = [], {}
    for (unit, (n, unit_daily, baseline)), placebo, table, model in zip(
        fitted.items(), placebos, tables, models[1:], strict=True
    ):
        # the units' tests warn unit by unit into their rows; the pooled test warns as usual
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fields = run_tests(
                    unit_daily,
                    plan,
                    baseline=baseline,
                    placebos=[placebo],
                    tables=[table],
                    models=[model],
                    **run,
                )
            except EventDataError as error:
                sparse.append({"unit": unit, "n_events": n, "reason": str(error).splitlines()[0]})
                continue
        results[unit] = result = result_type(**fields[0])
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
    tested = pd.DataFrame(rows, columns=[c for c in _COLUMNS if c != "pvalue_adjusted"])
    tested.insert(
        tested.columns.get_loc("pvalue") + 1,
        "pvalue_adjusted",
        adjust_pvalues(tested["pvalue"].to_numpy("float64"), correction),
    )
    tested = tested.sort_values(["pvalue_adjusted", "pvalue"], kind="stable")
    sparse.sort(key=lambda row: str(row["unit"]))
    sparse_frame = pd.DataFrame(sparse, columns=["unit", "n_events", "reason"])
    return UnitAnniversaryTests(
        by, anniversary, tested.reset_index(drop=True), sparse_frame, pooled, results, correction
    )


@contextmanager
def _warnings_at_caller() -> Iterator[None]:
    """Say the warnings of the block again at the first caller outside eventdata (also when
    the block raises)."""
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        for warning in caught:
            warn_at_caller(str(warning.message), warning.category)
