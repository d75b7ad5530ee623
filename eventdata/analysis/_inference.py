"""The inference on one anniversary: rate ratio, interval, p-value, by the method chosen.

:func:`one_anniversary` gives the fields of an
:class:`~eventdata.analysis.anniversary.AnniversaryResult`
from a fitted :class:`~eventdata.analysis._baseline.Baseline`, the tested anchors and the
pseudo-anniversaries: by placebo ranking, by a window-indicator GLM (negative binomial or
quasi-Poisson, profile likelihood) or by a two-sample Poisson test.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from eventdata.analysis import _multiple as multiple
from eventdata.analysis._baseline import Baseline, WindowSums, design_matrix
from eventdata.analysis._calendar import (
    CORRECTIONS,
    anniversary_anchors,
    uncovered_years,
    window_days,
    years_to_test,
)
from eventdata.analysis._daily import MINIMUMS, DailySeries
from eventdata.analysis._glm import (
    count_terms,
    fit_log_glms,
    nb2_alphas,
    require_fit,
)
from eventdata.analysis._placebo import (
    MIN_PLACEBO,
    PlaceboReference,
    left_out_sums,
    placebo_minimum,
    placebo_shifts,
)
from eventdata.analysis.rate_ratio import rate_ratio_test
from eventdata.core.errors import (
    AutocorrelationWarning,
    CalibrationWarning,
    EventDataError,
    InsufficientDataError,
    OverdispersionWarning,
)
from eventdata.core.progress import Progress, ProgressOption

# Window-level dispersion (variance of placebo window counts over their
# expectation) above which Poisson tests are flagged; 1 for Poisson counts.
_WINDOW_DISPERSION_LIMIT = 1.5


@dataclass(frozen=True, eq=False)
class Plan:
    """What every series over the same days shares: the tested years and anchors of each
    anniversary, its pseudo-anniversaries, the baseline days and the design matrix."""

    labels: tuple[str, ...]
    window: tuple[int, int]
    tested: tuple[tuple[np.ndarray, np.ndarray], ...]  # (years, anchors) per anniversary
    left_out: tuple[tuple[int, ...], ...]  # years the coverage does not hold
    shifts: tuple[np.ndarray, ...]  # pseudo-anniversaries per anniversary
    fit_rows: np.ndarray  # covered days outside every anniversary window
    design: tuple[np.ndarray, dict]


def plan_tests(
    daily: DailySeries,
    labels: Sequence[str],
    parsed: Sequence[tuple[int, int]],
    *,
    window: tuple[int, int],
    years: Sequence[int] | None,
    buffer: int,
    trend_df: int | None,
    harmonics: int | None,
) -> Plan:
    """The calendar of the tests of ``labels`` (``"MM-DD"``, parsed) on ``daily``'s days."""
    days, covered, n = daily.days, daily.covered, len(daily.y)
    all_anchors = [anniversary_anchors(days, month, day) for month, day in parsed]
    in_windows = np.zeros(n, dtype=bool)
    forbidden = ~covered
    for _, positions in all_anchors:
        in_windows |= window_days(positions, window, n)
        forbidden |= window_days(positions, (window[0] - buffer, window[1] + buffer), n)
    tested, left_out = [], []
    for (anchor_years, positions), label in zip(all_anchors, labels, strict=True):
        tested.append(years_to_test(days, anchor_years, positions, window, years, label, covered))
        left_out.append(uncovered_years(anchor_years, positions, window, covered, years))
    return Plan(
        labels=tuple(labels),
        window=window,
        tested=tuple(tested),
        left_out=tuple(left_out),
        shifts=tuple(placebo_shifts(anchors, window, forbidden, n) for _, anchors in tested),
        fit_rows=~in_windows & covered,
        design=design_matrix(days, trend_df=trend_df, harmonics=harmonics),
    )


def fit_baseline(daily: DailySeries, plan: Plan, beta: np.ndarray | None = None) -> Baseline:
    """The expectation model of ``daily`` on the baseline days and design of ``plan``
    (its coefficients ``beta`` when fitted already)."""
    return Baseline.fit(
        daily.days,
        daily.y,
        plan.fit_rows,
        trend_df=None,
        harmonics=None,
        offset=daily.offset,
        covered=daily.covered,
        design=plan.design,
        beta=beta,
    )


def run_tests(
    daily: DailySeries,
    plan: Plan,
    *,
    method: str,
    alternative: str,
    level: float,
    progress: ProgressOption = None,
    stacklevel: int = 3,
    baseline: Baseline | None = None,
    placebos: Sequence[WindowSums] | None = None,
    tables: Sequence[dict[str, pd.DataFrame]] | None = None,
    models: Sequence[ModelInference | EventDataError] | None = None,
) -> list[dict[str, Any]]:
    """The fields of each anniversary's result on ``daily`` (the days ``plan`` was made for).

    Warnings point ``stacklevel`` frames above the caller of this function. ``baseline``
    (:func:`fit_baseline`) and the placebo sums of each anniversary
    (:func:`~eventdata.analysis._placebo.left_out_sums`) are computed unless given, and so
    are the result tables of each anniversary (:func:`window_tables`) and its negbin or
    quasi-Poisson inference (:func:`model_inferences`).
    """
    total = sum(len(s) for s in plan.shifts)
    with Progress(progress, total=total, unit=" dates", description="placebo dates") as bar:
        baseline = fit_baseline(daily, plan) if baseline is None else baseline
        placebos = [None] * len(plan.labels) if placebos is None else placebos
        tables = [None] * len(plan.labels) if tables is None else tables
        models = [None] * len(plan.labels) if models is None else models
        results = []
        for label, tested, left_out, shifts, placebo, table, model in zip(
            plan.labels,
            plan.tested,
            plan.left_out,
            plan.shifts,
            placebos,
            tables,
            models,
            strict=True,
        ):
            # a loop, not a comprehension: warnings then point at the caller's line
            fields = one_anniversary(
                label,
                baseline,
                tested,
                shifts,
                window=plan.window,
                in_windows=~plan.fit_rows,
                method=method,
                alternative=alternative,
                level=level,
                report=daily.report,
                advance=lambda n, label=label: bar.advance(n, note=label),
                stacklevel=stacklevel + 1,
                placebo=placebo,
                tables=table,
                model=model,
            )
            by_year = fields["by_year"]
            fields.update(
                uncovered_days=daily.uncovered,
                years_left_out=left_out,
                coarse_in_windows=daily.coarse_inside(by_year["start"], by_year["end"]),
            )
            results.append(fields)
    return results


def adjust_pvalues(pvalues: Sequence[float] | np.ndarray, correction: str) -> np.ndarray:
    """p-values adjusted by the correction a test names (``"bh"``, ``"holm"``, ...,
    ``"none"``), through :func:`eventdata.analysis._multiple.adjust_pvalues`.

    Examples
    --------
    >>> adjust_pvalues([0.01, float("nan"), 0.04], "bh").round(3).tolist()
    [0.02, nan, 0.04]
    """
    method = CORRECTIONS[correction]
    values = np.asarray(pvalues, dtype="float64")
    return values.copy() if method is None else multiple.adjust_pvalues(values, method)


def one_anniversary(
    label: str,
    baseline: Baseline,
    years_and_anchors: tuple[np.ndarray, np.ndarray],
    shifts: np.ndarray,
    *,
    window: tuple[int, int],
    in_windows: np.ndarray,
    method: str,
    alternative: str,
    level: float,
    report: dict | None,
    advance: Callable[[int], object],
    stacklevel: int = 3,
    placebo: WindowSums | None = None,
    tables: dict[str, pd.DataFrame] | None = None,
    model: ModelInference | EventDataError | None = None,
) -> dict[str, Any]:
    """The fields of the result for one anniversary; warnings point ``stacklevel`` frames up.

    ``placebo``: the leave-window-out sums at the pseudo-anniversaries ``shifts``,
    ``tables``: the result's tables (:func:`window_tables`), and ``model``: the negbin or
    quasi-Poisson inference of ``method`` (:func:`model_inferences`), when the caller has
    them (computed here otherwise).
    """
    from scipy import special

    del in_windows  # the baseline's fit rows already leave every window out
    tested_years, anchors = years_and_anchors
    y, mu = baseline.y, baseline.mu
    window_rows = anchors[:, None] + np.arange(window[0], window[1] + 1)[None, :]
    pooled = baseline.window_sums(window_rows.reshape(1, -1))
    observed, expected = float(pooled.observed[0]), float(pooled.expected[0])

    if placebo is None:
        placebo = left_out_sums(baseline, anchors, shifts, window, advance)
    window_dispersion = (
        float(np.mean((placebo.observed - placebo.expected) ** 2 / placebo.expected))
        if len(shifts)
        else float("nan")
    )
    note = "as requested"
    fell_back = False
    if method == "auto":
        if len(shifts) >= MIN_PLACEBO:
            method, note = "placebo", f"chosen by auto: {len(shifts)} pseudo-anniversaries"
        else:
            method, fell_back = "quasipoisson", True
            note = (
                f"chosen by auto: only {len(shifts)} pseudo-anniversaries fit in the series "
                f"(placebo needs {MIN_PLACEBO})"
            )
            warnings.warn(
                f"{label}: {note}; quasi-Poisson allows for overdispersion but not for "
                f"autocorrelation (lag-1 residual autocorrelation "
                f"{baseline.autocorrelation:.2f}), so its p-value may be too small",
                CalibrationWarning,
                stacklevel=stacklevel,
            )
    alpha_level = 1 - level if alternative != "two-sided" else (1 - level) / 2
    critical = float(-special.ndtri(alpha_level))  # stats.norm.isf, without its checks
    if method == "placebo":
        needed = placebo_minimum(level)
        if len(shifts) < needed:
            raise InsufficientDataError(
                f"only {len(shifts)} pseudo-anniversaries fit in the covered series for "
                f"{label}: the placebo test needs at least {needed} for a bounded "
                f"{level:.0%} interval and a two-sided p-value able to reach "
                f"{1 - level:g}. Give a longer series or a smaller buffer, or choose "
                "another method"
            )
        reference = PlaceboReference.from_sums(placebo)
        low, high = reference.interval(pooled, level)
        rate_ratio, ci = observed / expected, (float(low[0]), float(high[0]))
        pvalue = float(reference.pvalues(pooled)[alternative][0])
        tail = reference.z if alternative != "decrease" else -reference.z
        critical = float(np.quantile(tail, 1 - alpha_level))

        def spread(log_ratio: float) -> float:
            return float(reference.scale(pooled, log_ratio)[0])

    elif method in ("negbin", "quasipoisson"):
        if model is None:
            (model,) = model_inferences(
                [baseline], years_and_anchors, window, method, alternative, level
            )
        if isinstance(model, EventDataError):
            raise model
        rate_ratio, ci, pvalue, extra = model
        model_variance = float(pooled.model_variance[0])

        def spread(log_ratio: float) -> float:
            return float(np.sqrt(extra(expected * np.exp(log_ratio)) + model_variance))

        if (
            not fell_back
            and np.isfinite(baseline.autocorrelation)
            and baseline.autocorrelation > max(0.1, 3 / np.sqrt(baseline.terms["n_days"]))
        ):
            warnings.warn(
                f"{label}: the baseline model's residuals are autocorrelated (lag-1 "
                f"{baseline.autocorrelation:.2f}); {method} standard errors ignore it and "
                "its p-value may be too small: prefer method='placebo'",
                AutocorrelationWarning,
                stacklevel=stacklevel,
            )
    else:
        fit = baseline.fit_rows
        test = rate_ratio_test(
            observed,
            expected,
            float(y[fit].sum()),
            float(mu[fit].sum()),
            method=method.removeprefix("poisson-"),
            alternative=alternative,
            level=level,
        )
        rate_ratio, ci, pvalue = test.rate_ratio, test.ci, test.pvalue
        model_variance = float(pooled.model_variance[0])

        def spread(log_ratio: float) -> float:
            return float(np.sqrt(1 / (expected * np.exp(log_ratio)) + model_variance))

        overdispersed = baseline.dispersion > 1 and baseline.dispersion_pvalue < 0.01
        if overdispersed or window_dispersion > _WINDOW_DISPERSION_LIMIT:
            warnings.warn(
                f"{label}: the counts are overdispersed (dispersion {baseline.dispersion:.2f} "
                f"per day, {window_dispersion:.2f} per window; 1 for Poisson counts): "
                f"the {method} test assumes Poisson counts and its p-value is too small. "
                "Use method='placebo'",
                OverdispersionWarning,
                stacklevel=stacklevel,
            )
    # the point estimate lies inside its own interval, whatever the approximations
    ci = (min(float(ci[0]), float(rate_ratio)), max(float(ci[1]), float(rate_ratio)))
    reliable, why = True, ""
    if expected < MINIMUMS["expected"]:
        reliable = False
        why = (
            f"the model expects only {expected:.2g} events in the pooled windows (at least "
            f"{MINIMUMS['expected']:g} are needed for a p-value): widen the selection or "
            "the window, or wait for more years"
        )
        pvalue = float("nan")
    return dict(
        anniversary=label,
        window=window,
        years=tuple(int(t) for t in tested_years),
        rate_ratio=float(rate_ratio),
        ci=ci,
        pvalue=float(pvalue),
        pvalue_adjusted=float(pvalue),
        correction="none",
        alternative=alternative,
        method=method,
        method_note=note,
        level=level,
        observed=observed,
        expected=expected,
        **(tables or window_tables([baseline], years_and_anchors, shifts, window, [placebo])[0]),
        n_placebo=len(shifts),
        dispersion=baseline.dispersion,
        window_dispersion=window_dispersion,
        autocorrelation=baseline.autocorrelation,
        model=dict(baseline.terms),
        time_precision=report,
        detectable_ratio=_detectable_ratio(spread, critical, alternative),
        reliable=reliable,
        reliability_note=why,
    )


def _detectable_ratio(spread: Callable[[float], float], critical: float, alternative: str) -> float:
    """The rate ratio a one-sided test at ``critical`` detects with 80% power.

    The log ratio is about normal with standard deviation ``spread(log rho)``
    at a true ratio ``rho``; the test rejects when ``log(O / E) / spread(0)``
    passes ``critical``. Power 0.8: ``|log rho| - z_0.8 spread(log rho) =
    critical spread(0)``, solved by fixed-point iteration.
    """
    from scipy import special

    sign = -1.0 if alternative == "decrease" else 1.0
    power = float(special.ndtri(0.8))  # stats.norm.ppf
    null = spread(0.0)
    log_rho = sign * (critical + power) * null
    for _ in range(100):
        new = sign * (critical * null + power * spread(log_rho))
        new = float(np.clip(new, -30.0, 30.0))
        if abs(new - log_rho) < 1e-9:
            break
        log_rho = new
    return float(np.exp(log_rho))


@dataclass(frozen=True, eq=False)
class _Fit:
    """A log-link GLM fit a model inference asks for (the arguments of
    :func:`~eventdata.analysis._glm.fit_log_glm`); fits with equal ``key`` share the design."""

    key: tuple
    design: np.ndarray
    y: np.ndarray
    offset: np.ndarray
    alpha: float
    start: np.ndarray | None
    terms: np.ndarray | None = None  # count_terms of y and alpha, when fitted many times


@dataclass(frozen=True, eq=False)
class _Dispersion:
    """The maximum-likelihood NB2 dispersion of ``y`` at the means ``mu`` a model inference
    asks for (:func:`~eventdata.analysis._glm.nb2_alphas`)."""

    key: tuple
    y: np.ndarray
    mu: np.ndarray


ModelInference = tuple[float, tuple[float, float], float, Callable[[float], float]]


def model_inferences(
    baselines: Sequence[Baseline],
    years_and_anchors: tuple[np.ndarray, np.ndarray],
    window: tuple[int, int],
    method: str,
    alternative: str,
    level: float,
) -> list[ModelInference | EventDataError]:
    """The window-indicator GLM inference (:func:`_model_inference`) of each of several
    series over the same days (units), their GLM fits stacked.

    Each series' inference runs as a coroutine that asks for its fits and dispersions;
    the fits every series asks for at a step are made in one stack of Newton steps
    (:func:`~eventdata.analysis._glm.fit_log_glms`) per design, and the dispersions in one
    stack of searches (:func:`~eventdata.analysis._glm.nb2_alphas`), each series' numbers
    those it gets alone, so each series' numbers are those of its inference alone (the
    stack of one). A series whose fit fails gets its error instead.
    """
    _, anchors = years_and_anchors
    window_rows = (anchors[:, None] + np.arange(window[0], window[1] + 1)[None, :]).ravel()
    runs = [_model_inference(b, window_rows, method, alternative, level) for b in baselines]
    outcomes: list[ModelInference | EventDataError | None] = [None] * len(runs)
    asked: dict[int, _Fit | _Dispersion] = {}

    def advance(unit: int, answer: tuple[np.ndarray, float] | float | None) -> None:
        try:
            asked[unit] = runs[unit].send(answer)
        except StopIteration as stop:
            outcomes[unit] = stop.value
        except EventDataError as error:
            outcomes[unit] = error

    for unit in range(len(runs)):
        advance(unit, None)
    while asked:
        pending, groups = dict(asked), {}
        asked.clear()
        for unit, request in pending.items():
            started = isinstance(request, _Fit) and request.start is not None
            groups.setdefault((request.key, started), []).append(unit)
        for units in groups.values():
            fits = [pending[unit] for unit in units]
            if isinstance(fits[0], _Dispersion):
                alphas = nb2_alphas(np.stack([f.y for f in fits]), np.stack([f.mu for f in fits]))
                for unit, alpha in zip(units, alphas.tolist(), strict=True):
                    advance(unit, alpha)
                continue
            counts = np.stack([fit.y for fit in fits])
            alpha = np.array([fit.alpha for fit in fits])
            terms = [fit.terms for fit in fits]
            params, values = fit_log_glms(
                fits[0].design,
                counts,
                offset=np.stack([fit.offset for fit in fits]),
                alpha=alpha,
                start=None if fits[0].start is None else np.stack([fit.start for fit in fits]),
                terms=None if any(t is None for t in terms) else np.stack(terms),
                with_objective=True,
            )
            for unit, beta, value in zip(units, params, values.tolist(), strict=True):
                advance(unit, (beta, value))
    return outcomes  # type: ignore[return-value]


def _model_inference(
    baseline: Baseline,
    window_rows: np.ndarray,
    method: str,
    alternative: str,
    level: float,
) -> Generator[_Fit | _Dispersion, Any, ModelInference]:
    """Window-indicator GLM, negative binomial or quasi-Poisson: signed-root
    likelihood-ratio test and profile-likelihood interval of the window's rate ratio.

    The window coefficient ``b`` is profiled: the baseline coefficients are
    refitted with ``b`` fixed (an offset). The signed root ``r(b) = sign(b^ -
    b) sqrt((D(b) - D(b^)) / phi)`` (``D`` the deviance, or minus twice the NB2
    log-likelihood with its dispersion held at the maximum-likelihood value;
    ``phi`` the Pearson dispersion for quasi-Poisson, 1 for negbin) is about
    standard normal. Unlike the Wald test it stays valid when the window holds
    no events: ``b^`` is then minus infinity, ``D(b^)`` the fit without the
    windows, the interval's lower limit 0 and its upper limit finite
    (Venzon and Moolgavkar 1988; Cox and Hinkley 1974, section 9.3).

    The interval's limits are found by safeguarded Newton steps on ``r`` (its slope from
    the profile fit's window score), each profile fit starting where the previous ended.

    A coroutine: it yields each GLM fit (:class:`_Fit`) and NB2 dispersion
    (:class:`_Dispersion`) it needs and is sent the coefficients and objective, or the
    dispersion (:func:`model_inferences` runs it). Returns the rate ratio, interval,
    p-value, and the window sum's relative variance at a given expectation (for the
    detectable ratio).
    """
    from scipy import stats

    indicator = np.zeros(len(baseline.y))
    indicator[window_rows] = 1.0
    rows = baseline.fit_rows | (indicator > 0)  # covered baseline plus the tested windows
    X, y = baseline.X[rows], baseline.y[rows]
    offset, inside = baseline.offset[rows], indicator[rows] > 0
    full = np.column_stack([X, inside.astype("float64")])
    days = rows.tobytes()  # series over the same days share their designs

    def fit(
        design: np.ndarray,
        kind: str,
        counts: np.ndarray,
        offset: np.ndarray,
        alpha: float,
        start: np.ndarray | None,
        terms: np.ndarray | None = None,
    ) -> Generator[_Fit, tuple[np.ndarray, float], tuple[np.ndarray, float]]:
        request = _Fit((kind, days), design, counts, offset, alpha, start, terms)
        beta, value = yield request
        return require_fit(beta), value

    # the window coefficient starts at the log ratio of the events to the baseline's
    # expectation there (half an event when there are none)
    expected = float(np.exp(X[inside] @ baseline.beta + offset[inside]).sum())
    ratio = max(float(y[inside].sum()), 0.5) / expected if expected > 0 else 1.0
    start = np.append(baseline.beta, np.log(ratio))
    poisson, _ = yield from fit(full, "window", y, offset, 0.0, start)
    mu = np.exp(full @ poisson + offset)
    alpha, phi = 0.0, 1.0
    if method == "negbin":
        fitted = poisson
        for _ in range(3):  # alternate the dispersion and the coefficients
            alpha = yield _Dispersion(("dispersion", days), y, mu)
            fitted, _ = yield from fit(full, "window", y, offset, alpha, fitted)
            mu = np.exp(full @ fitted + offset)
        start = fitted[:-1]
    else:
        pearson = float(np.sum((y - mu) ** 2 / mu))
        phi = max(pearson / max(1, len(y) - full.shape[1]), 1e-12)
        start = poisson[:-1]

    # the log-gamma terms of the profile fits, computed once; each profile fit starts
    # where the previous one ended
    terms = count_terms(y[None], alpha)[0]
    warm = [start]

    def deviance(coefficient: float) -> Generator[_Fit, tuple[np.ndarray, float], tuple]:
        """The profile objective ``D(b)`` and its slope ``dD/db`` (by the envelope
        theorem, minus twice the window coefficient's score at the profile fit)."""
        if np.isneginf(coefficient):  # the windows' expectation is 0: fit without them
            _, value = yield from fit(
                X[~inside], "outside", y[~inside], offset[~inside], alpha, None, terms[~inside]
            )
            return value, 0.0
        shifted = offset + coefficient * inside
        beta, value = yield from fit(X, "baseline", y, shifted, alpha, warm[0], terms)
        warm[0] = beta
        means = np.exp(X[inside] @ beta + shifted[inside])
        return value, -2 * float(np.sum((y[inside] - means) / (1 + alpha * means)))

    observed = float(y[inside].sum())
    estimate = float(np.log(observed / np.exp(offset[inside] + X[inside] @ start).sum()))
    if observed > 0:
        fitted_estimate, _ = yield from fit(
            full, "window", y, offset, alpha, np.append(start, estimate), terms
        )
        estimate = float(fitted_estimate[-1])
    else:
        estimate = -np.inf
    best, _ = yield from deviance(estimate)

    def signed_root(coefficient: float) -> Generator[_Fit, tuple[np.ndarray, float], tuple]:
        """``r(b)`` and its slope ``dr/db = (dD/db) / (2 phi r)``."""
        value, slope = yield from deviance(coefficient)
        gap = max(0.0, value - best) / phi
        root = float(np.sign(estimate - coefficient) * np.sqrt(gap))
        return root, (slope / (2 * phi * root) if root != 0 else float("nan"))

    r0, slope = yield from signed_root(0.0)
    pvalue = {
        "increase": stats.norm.sf(r0),
        "decrease": stats.norm.cdf(r0),
        "two-sided": min(1.0, 2 * stats.norm.sf(abs(r0))),
    }[alternative]
    z = float(stats.norm.isf((1 - level) / 2))
    centre = (
        estimate
        if np.isfinite(estimate)
        else float(np.log(0.5 / max(np.exp(offset[inside] + X[inside] @ start).sum(), 1e-12)))
    )
    bounds = []
    for direction, target in ((-1.0, z), (1.0, -z)):
        if direction < 0 and not np.isfinite(estimate):
            bounds.append(-np.inf)
            continue
        warm[0] = start
        # the first try: where r, straight through the estimate with its slope at 0, is z
        first = z / -slope if np.isfinite(estimate) and slope < 0 else 0.25
        distance = yield from _profile_limit(
            signed_root, centre, direction, target, first=float(np.clip(first, 1e-3, 40.0))
        )
        bounds.append(centre + direction * distance)
    rate_ratio = float(np.exp(estimate))
    expected_window = mu[inside]
    share = float(np.sum(expected_window**2) / np.sum(expected_window) ** 2)

    def relative_variance(total: float) -> float:
        return phi / total + alpha * share

    return (
        rate_ratio,
        (float(np.exp(bounds[0])), float(np.exp(bounds[1]))),
        float(pvalue),
        (relative_variance),
    )


def _profile_limit(
    signed_root: Callable[[float], Generator[Any, Any, tuple[float, float]]],
    centre: float,
    direction: float,
    target: float,
    *,
    first: float = 0.25,
    limit: float = 40.0,
    xtol: float = 1e-6,
    max_iter: int = 60,
) -> Generator[Any, Any, float]:
    """How far from ``centre``, in ``direction``, the signed root ``r`` reaches ``target``:
    an interval limit (infinite when it is not reached within ``limit``).

    Safeguarded Newton steps on ``h(d) = (r(centre + direction d) - target) direction``,
    positive at the centre and falling with ``d``, with ``r``'s slope from the profile fit:
    from ``first``, Newton steps outwards until the root is passed (doubling the distance,
    as a bracket search would, where Newton's step does not lead outwards), then inside
    the bracket, bisecting when one leaves it; done when a step moves less than ``xtol``.
    ``signed_root`` is a coroutine (each value ``yield from``), so that the limits of
    several series are sought in turn with their profile fits made together.
    """
    inner, outer, distance = 0.0, np.inf, first
    for _ in range(max_iter):
        root, slope = yield from signed_root(centre + direction * distance)
        excess = (root - target) * direction
        if excess == 0:
            return distance
        if excess > 0:
            inner = distance
        else:
            outer = distance
        newton = distance - excess / slope if slope < 0 else np.nan  # NaN slope: no step
        if np.isinf(outer):
            if distance >= limit:
                return np.inf
            outwards = newton if newton > distance else 2 * distance  # False for NaN
            following = min(outwards, limit)
        elif inner < newton < outer:
            following = newton
        else:
            following = (inner + outer) / 2
        if abs(following - distance) < xtol:
            return following
        distance = following
    return distance


def window_tables(
    baselines: Sequence[Baseline],
    years_and_anchors: tuple[np.ndarray, np.ndarray],
    shifts: np.ndarray,
    window: tuple[int, int],
    placebos: Sequence[WindowSums],
) -> list[dict[str, pd.DataFrame]]:
    """The ``by_year``, ``daily`` and ``placebo`` tables of a result, for each of several
    series over the same days (units): one frame of each kind for all, cut into each
    series' own (building a frame costs more than its numbers, for a year of days)."""
    if not len(baselines):
        return []
    tested_years, anchors = years_and_anchors
    units, days = len(baselines), baselines[0].days.to_numpy()
    offsets = np.arange(window[0], window[1] + 1)
    window_rows = anchors[:, None] + offsets[None, :]
    observed = np.concatenate([baseline.y[window_rows].sum(axis=1) for baseline in baselines])
    expected = np.concatenate([baseline.mu[window_rows].sum(axis=1) for baseline in baselines])
    by_year = {
        "year": tested_years.astype("int64"),
        "observed": observed,
        "expected": expected,
        "ratio": observed / expected,
        "start": days[0] + (anchors + window[0]).astype("timedelta64[D]"),
        "end": days[0] + (anchors + window[1]).astype("timedelta64[D]"),
    }
    rows = window_rows.ravel()
    relative, year = np.zeros(len(days), dtype="int64"), np.zeros(len(days), dtype="int64")
    relative[rows] = np.tile(offsets, len(anchors))
    year[rows] = np.repeat(tested_years, len(offsets))
    outside = np.ones(len(days), dtype=bool)
    outside[rows] = False
    daily = {
        "date": days,
        "count": np.concatenate([np.where(b.covered, b.y, np.nan) for b in baselines]),
        "expected": np.concatenate([baseline.mu for baseline in baselines]),
        "in_window": ~outside,
        # missing outside the tested windows
        "relative_day": (relative, outside),
        "year": (year, outside),
    }
    placebo_observed = np.concatenate([placebo.observed for placebo in placebos])
    placebo_expected = np.concatenate([placebo.expected for placebo in placebos])
    placebo = {
        "shift": shifts.astype("int64"),
        "date": days[0] + (anchors.min() + shifts).astype("timedelta64[D]"),
        "observed": placebo_observed,
        "expected": placebo_expected,
        "rate_ratio": placebo_observed / placebo_expected,
    }
    frames = {
        name: _stacked_frame(columns, units)
        for name, columns in (("by_year", by_year), ("daily", daily), ("placebo", placebo))
    }
    return [
        {name: _unit_rows(frame, unit, units) for name, frame in frames.items()}
        for unit in range(units)
    ]


def _stacked_frame(columns: dict[str, Any], units: int) -> pd.DataFrame:
    """One frame of every unit's rows: columns the units share (shorter) are repeated; a pair
    ``(values, missing)`` is a nullable integer column."""
    length = max(len(values) for values in columns.values() if not isinstance(values, tuple))
    frame = {}
    for name, values in columns.items():
        if isinstance(values, tuple):
            values = pd.arrays.IntegerArray(np.tile(values[0], units), np.tile(values[1], units))
        elif len(values) != length:
            values = np.tile(values, units)
        frame[name] = values
    return pd.DataFrame(frame)


def _unit_rows(frame: pd.DataFrame, unit: int, units: int) -> pd.DataFrame:
    if units == 1:
        return frame
    size = len(frame) // units
    return frame.iloc[unit * size : (unit + 1) * size].reset_index(drop=True)
