"""Interrupted time series: did the rate of events change when something happened?

:func:`interrupted_time_series` fits the segmented regression of Lopez Bernal,
Cummins and Gasparrini (2017) to a count series: a log-linear model with a
linear trend, a level (step) change at the interruption, optionally a change in
slope, optionally pairs of sine and cosine terms for seasonality and an
exposure offset (population, number of reporting sources, ...). The effects are
rate ratios: ``step_rate_ratio`` 0.8 says the rate fell by a fifth at the
interruption, beyond what the trend and the season predict.

Counts of political violence are overdispersed (variance above the mean) and
autocorrelated (a violent week follows a violent week). Plain Poisson standard
errors are then far too small; the default family is quasi-Poisson, whose
standard errors are scaled by the Pearson dispersion, and ``hac_lags`` gives
Newey-West standard errors that also allow for autocorrelation. How much these
help was checked by simulation (tests/test_interrupted.py): with no effect,
on independent negative binomial counts the Poisson test rejected at the 5%
level in about a quarter of series and quasi-Poisson and negative binomial in
about 5%; on :func:`eventdata.datasets.simulate_counts` daily counts (AR(1)
latent rate) Poisson rejected in about 36-43%, quasi-Poisson in 12-15% and
Newey-West (14 lags) in 11-12%: autocorrelation is only partly corrected, and
an effect needs to be well beyond its confidence interval to be believed.

References
----------
Lopez Bernal J, Cummins S, Gasparrini A. Interrupted time series regression for
the evaluation of public health interventions: a tutorial. Int J Epidemiol
2017;46(1):348-355. Code and data: github.com/gasparrini/2017_lopezbernal_IJE_codedata.

Wagner AK, Soumerai SB, Zhang F, Ross-Degnan D. Segmented regression analysis of
interrupted time series studies in medication use research. J Clin Pharm Ther
2002;27(4):299-309.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from eventdata import plot
from eventdata.analysis._deprecation import renamed_attribute
from eventdata.analysis._glm import fit_nb2
from eventdata.core.errors import CoverageWarning, EventDataError
from eventdata.core.periods import format_label, label_name, periods_per_year
from eventdata.core.result import Result
from eventdata.events.series import check_counts, check_regular, count_series

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["InterruptedTimeSeries", "interrupted_time_series"]

Family = Literal["poisson", "quasipoisson", "negbin"]
_FAMILIES = ("poisson", "quasipoisson", "negbin")


@dataclass(frozen=True, eq=False)
class InterruptedTimeSeries(Result):
    """The fitted segmented regression and its rate ratios.

    Attributes
    ----------
    step_rate_ratio : float
        Multiplicative change in the rate at the interruption (level change).
        With ``slope_change`` the two segments are compared at the last period
        before the interruption, as in Lopez Bernal et al.'s code; the ratio of
        fitted to counterfactual in the first period after is
        ``step_rate_ratio * slope_rate_ratio``.
    step_ci : (float, float)
        Confidence interval of ``step_rate_ratio``.
    step_pvalue : float
        Two-sided p-value of no level change (Wald, normal reference).
    rate_ratio, ci, pvalue : float, (float, float), float
        The same as ``step_rate_ratio``, ``step_ci`` and ``step_pvalue``: the
        headline effect under the names every result uses.
    slope_rate_ratio, slope_ci, slope_pvalue : float, (float, float), float or None
        Change in the rate ratio per period after the interruption (the ratio of
        the after-trend to the before-trend); ``None`` without ``slope_change``.
    trend, trend_ci : float, (float, float)
        Rate ratio per period of the underlying (before-interruption) trend.
    dispersion : float
        Pearson chi-squared over residual degrees of freedom: about 1 if the
        family's variance is right, above 1 for overdispersion. Quasi-Poisson
        standard errors are the Poisson ones times its square root.
    nb_dispersion : float or None
        Negative binomial dispersion ``alpha`` (variance = mean + alpha *
        mean**2), estimated by maximum likelihood; ``None`` for the other
        families. ``alpha`` is its deprecated name.
    family : str
        ``"poisson"``, ``"quasipoisson"`` or ``"negbin"``.
    at : hashable
        Index label of the first period after the interruption.
    n_before, n_after : int
        Periods before and from the interruption.
    harmonics : int
        Sine-cosine pairs per seasonal period.
    period : tuple of float
        Seasonal periods, in steps of the series (empty without harmonics).
    hac_lags : int or None
        Newey-West lags of the standard errors, or ``None`` for model-based ones.
    level : float
        Confidence level of the intervals.
    observed, fitted, counterfactual : pandas.Series
        The counts, the model's expected counts, and the expected counts had
        the interruption not happened (same trend, season and exposure; no
        level or slope change), on the series' index.
    model : statsmodels GLMResults
        The fitted model (its ``summary()`` names the terms ``const``,
        ``trend``, ``step``, ``slope`` and ``sin{k}_{period}``, ``cos{k}_{period}``).

    Examples
    --------
    >>> import eventdata as ed
    >>> events = ed.datasets.simulate("2018-01-01", "2021-12-31", seed=6, rate=4)
    >>> fit = ed.interrupted_time_series(ed.counts(events, freq="M"), "2020-01-01")
    >>> fit.n_before, fit.n_after, fit.family
    (24, 24, 'quasipoisson')
    >>> fit.to_frame()["term"].tolist()
    ['step', 'trend']
    >>> fit.step_ci[0] < fit.step_rate_ratio < fit.step_ci[1]
    True
    """

    step_rate_ratio: float
    step_ci: tuple[float, float]
    step_pvalue: float
    slope_rate_ratio: float | None
    slope_ci: tuple[float, float] | None
    slope_pvalue: float | None
    trend: float
    trend_ci: tuple[float, float]
    dispersion: float
    nb_dispersion: float | None
    family: str
    at: Hashable
    n_before: int
    n_after: int
    harmonics: int
    period: tuple[float, ...]
    hac_lags: int | None
    level: float
    observed: pd.Series
    fitted: pd.Series
    counterfactual: pd.Series
    model: Any

    alpha = renamed_attribute("alpha", "nb_dispersion")

    @property
    def rate_ratio(self) -> float:
        """The headline effect, as every result names it: ``step_rate_ratio``."""
        return self.step_rate_ratio

    @property
    def ci(self) -> tuple[float, float]:
        """The interval of ``rate_ratio``: ``step_ci``."""
        return self.step_ci

    @property
    def pvalue(self) -> float:
        """The p-value of ``rate_ratio``: ``step_pvalue``."""
        return self.step_pvalue

    def to_frame(self) -> pd.DataFrame:
        """The effects as a tidy table, one row per term.

        Returns
        -------
        pandas.DataFrame
            Columns ``term`` (``step``, ``slope`` when fitted, ``trend``),
            ``rate_ratio``, ``ci_low``, ``ci_high`` and ``pvalue``.
        """
        rows = [("step", self.step_rate_ratio, *self.step_ci, self.step_pvalue)]
        if self.slope_rate_ratio is not None and self.slope_ci is not None:
            rows.append(("slope", self.slope_rate_ratio, *self.slope_ci, self.slope_pvalue))
        rows.append(("trend", self.trend, *self.trend_ci, float(self.model.pvalues["trend"])))
        return pd.DataFrame(rows, columns=["term", "rate_ratio", "ci_low", "ci_high", "pvalue"])

    def predictions(self) -> pd.DataFrame:
        """Observed, fitted and counterfactual counts per period, as a tidy table.

        Returns
        -------
        pandas.DataFrame
            Columns: the index label (``date`` for dates, else the index name or
            ``period``), ``observed``, ``fitted``, ``counterfactual`` and
            ``after`` (True from the interruption on).
        """
        label = label_name(self.observed.index)
        after = np.arange(len(self.observed)) >= self.n_before
        return pd.DataFrame(
            {
                label: self.observed.index,
                "observed": self.observed.to_numpy(),
                "fitted": self.fitted.to_numpy(),
                "counterfactual": self.counterfactual.to_numpy(),
                "after": after,
            }
        )

    def summary(self) -> str:
        """A few lines of text: the model and its rate ratios."""
        pct = f"{self.level:.0%}"
        lines = [
            f"Interrupted time series ({self.family}, {self._errors()})",
            f"interruption at {format_label(self.at)}: {self.n_before} periods before, "
            f"{self.n_after} from it",
            f"seasonality: {self._season()}; dispersion {self.dispersion:.3f}"
            + (
                f"; negative binomial alpha {self.nb_dispersion:.4g}"
                if self.nb_dispersion is not None
                else ""
            ),
        ]
        for row in self.to_frame().itertuples(index=False):
            lines.append(
                f"{row.term:>6} rate ratio {row.rate_ratio:.4g} "
                f"({pct} CI {row.ci_low:.4g} to {row.ci_high:.4g}), p = {row.pvalue:.3g}"
            )
        return "\n".join(lines)

    def _headline_dict(self) -> dict[str, Any]:
        """The step (and slope) effect, the model's options and checks; the base adds ``table``."""
        return {
            "rate_ratio": self.step_rate_ratio,
            "ci": self.step_ci,
            "pvalue": self.step_pvalue,
            "slope_rate_ratio": self.slope_rate_ratio,
            "slope_ci": self.slope_ci,
            "slope_pvalue": self.slope_pvalue,
            "trend": self.trend,
            "trend_ci": self.trend_ci,
            "family": self.family,
            "at": self.at,
            "n_before": self.n_before,
            "n_after": self.n_after,
            "harmonics": self.harmonics,
            "period": self.period,
            "hac_lags": self.hac_lags,
            "level": self.level,
            "dispersion": self.dispersion,
            "nb_dispersion": self.nb_dispersion,
        }

    def __repr__(self) -> str:
        return (
            f"InterruptedTimeSeries(step_rate_ratio={self.step_rate_ratio:.4g}, "
            f"step_ci=({self.step_ci[0]:.4g}, {self.step_ci[1]:.4g}), "
            f"step_pvalue={self.step_pvalue:.3g}, family={self.family!r})"
        )

    def _errors(self) -> str:
        return "model-based SE" if self.hac_lags is None else f"Newey-West SE, {self.hac_lags} lags"

    def _season(self) -> str:
        if not self.harmonics:
            return "none"
        return f"{self.harmonics} harmonic pair(s) of period " + ", ".join(
            f"{p:g}" for p in self.period
        )

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Observed, fitted and counterfactual counts, the interruption marked.

        See :func:`eventdata.plot.its`; returns the Axes.
        """
        return plot.its(self, ax=ax, **kwargs)


def interrupted_time_series(
    series: pd.Series | pd.DataFrame,
    at: Any,
    *,
    exposure: pd.Series | Sequence[float] | np.ndarray | None = None,
    harmonics: int = 0,
    period: float | Sequence[float] | None = None,
    family: Family = "quasipoisson",
    slope_change: bool = False,
    hac_lags: int | None = None,
    level: float = 0.95,
) -> InterruptedTimeSeries:
    """Segmented regression of a count series on a trend and an interruption.

    The model is ``log E[count_t] = log(exposure_t) + b0 + b1 t + b2 step_t
    [+ b3 slope_t] [+ seasonal terms]`` with ``t`` the position in the series
    (0, 1, 2, ...), ``step_t`` 1 from the interruption on and ``slope_t`` the
    number of periods since the last period before it (1 in the first period
    after, as in Lopez Bernal et al.'s ``I(time - 36):smokban``).

    Parameters
    ----------
    series : pandas.Series or pandas.DataFrame
        Counts (non-negative) on a regular index: dates at
        a fixed frequency, a ``PeriodIndex``, or evenly spaced integers. Or a
        table from :func:`eventdata.counts` holding one series (its ``date``
        and ``count`` or ``fatalities`` columns are used). Missing counts
        (NaN: periods the source did not cover, as :func:`eventdata.counts`
        marks them) are left out of the fit, not read as zeros, with a
        :class:`~eventdata.core.errors.CoverageWarning`; the periods keep their
        positions, so the trend is not shifted.
    at : date-like, Period or number
        When the interruption happened: the first period whose label is at or
        after ``at`` is the first period "after".
    exposure : pandas.Series or array-like, optional
        Positive exposure per period (population, sources, ...); a Series is
        aligned on the index. Its log enters as an offset, so the effects are
        ratios of rates per unit of exposure.
    harmonics : int
        Pairs of sine and cosine terms per seasonal period (0: no seasonality).
        Each must satisfy ``2 * harmonics < period``.
    period : float or sequence of float, optional
        Seasonal period(s) in steps of the series: 12 for monthly counts, 7
        and/or 365.25 for daily ones, 365.25 / 7 for weekly ones. Default with
        ``harmonics``: one year, for daily, weekly, monthly or quarterly dates.
    family : {"quasipoisson", "poisson", "negbin"}
        ``"quasipoisson"`` (default): Poisson estimates with standard errors
        scaled by the Pearson dispersion (chi-squared / residual df), as
        R's ``glm(family=quasipoisson)``. ``"poisson"``: unscaled, right only
        if the variance equals the mean. ``"negbin"``: negative binomial (NB2,
        variance ``mu + alpha * mu**2``) with ``alpha`` estimated by maximum
        likelihood, as R's ``MASS::glm.nb``: the profile likelihood of the GLM
        at each ``alpha``, maximised over ``alpha`` (the joint maximum, by the
        analysis layer's one NB2 fit). Standard errors are those
        of the GLM at that ``alpha``: they ignore the uncertainty in ``alpha``,
        which is asymptotically independent of the other estimates.
    slope_change : bool
        Also estimate a change in slope at the interruption.
    hac_lags : int, optional
        Newey-West (Bartlett kernel, no small-sample correction) standard
        errors with this many lags, robust to autocorrelation and to a wrong
        variance function. A common choice is about ``n ** (1/4)`` periods,
        more for strongly autocorrelated series. Newey-West errors are
        themselves too small in short series.
    level : float
        Confidence level of the intervals (normal quantiles, as ``Epi::ci.lin``
        used in the tutorial; p-values are Wald tests against the normal).

    Returns
    -------
    InterruptedTimeSeries
        Rate ratios with confidence intervals and p-values, the fitted and
        counterfactual series and the statsmodels results (``model``).

    Raises
    ------
    EventDataError
        If the series is empty, irregular, has missing or negative counts, too
        few periods on either side of the interruption, or no event on one side.
    ValueError
        If an option is invalid.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> months = pd.period_range("2015-01", periods=72, freq="M")
    >>> rate = np.where(months >= pd.Period("2019-01", "M"), 30, 60)
    >>> monthly = pd.Series(np.random.default_rng(1).poisson(rate), index=months)
    >>> fit = interrupted_time_series(monthly, "2019-01", harmonics=1)
    >>> round(fit.step_rate_ratio, 2), fit.n_before, fit.n_after
    (0.48, 48, 24)
    >>> fit.step_ci[1] < 1 and fit.step_pvalue < 0.001
    True
    """
    series = count_series(series)
    counts = check_counts(series, missing=True)
    covered = ~np.isnan(counts)
    n = len(counts)
    check_regular(series.index)
    if family not in _FAMILIES:
        raise ValueError(f"family must be one of {', '.join(_FAMILIES)}, not {family!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level!r}")
    if hac_lags is not None and (not isinstance(hac_lags, int | np.integer) or hac_lags < 0):
        raise ValueError(f"hac_lags must be a non-negative integer or None, not {hac_lags!r}")
    periods = _seasonal_periods(series.index, harmonics, period)
    n_before = _first_after(series.index, at)
    n_after = n - n_before
    design = _design(n, n_before, slope_change, harmonics, periods)
    if n_before < 3 or n_after < (2 if slope_change else 1):
        raise EventDataError(
            f"the interruption leaves {n_before} periods before and {n_after} after: "
            f"at least 3 before and {2 if slope_change else 1} after are needed"
        )
    if n - design.shape[1] < 2:
        raise EventDataError(
            f"{n} periods are too few for {design.shape[1]} parameters "
            "(fewer harmonics, or a longer series)"
        )
    if not covered.all():
        warnings.warn(
            f"{int((~covered).sum())} of {n} periods are missing (NaN: the source did not "
            "cover them): the model is fitted on the covered periods only, not on zeros",
            CoverageWarning,
            stacklevel=2,
        )
    if np.nansum(counts[:n_before]) == 0 or np.nansum(counts[n_before:]) == 0:
        raise EventDataError(
            "no events on one side of the interruption: the rate ratio is not estimable"
        )
    offset = _offset(series, exposure)

    results, alpha = _fit(counts[covered], design.loc[covered], offset[covered], family, hac_lags)
    # (the results' pandas views are rebuilt on every access: read them once)
    terms = list(design.columns)
    conf = np.exp(np.asarray(results.conf_int(alpha=1 - level)))
    params = np.asarray(results.params)
    ratios = np.exp(params)
    pvalues = np.asarray(results.pvalues)

    def effect(term: str) -> tuple[float, tuple[float, float], float]:
        i = terms.index(term)
        return float(ratios[i]), (float(conf[i, 0]), float(conf[i, 1])), float(pvalues[i])

    step, step_ci, step_p = effect("step")
    slope, slope_ci, slope_p = effect("slope") if slope_change else (None, None, None)
    trend, trend_ci, _ = effect("trend")
    without = design.copy()
    without[["step", *(["slope"] if slope_change else [])]] = 0.0
    counterfactual = np.exp(without.to_numpy() @ params + offset)
    fitted = np.exp(design.to_numpy() @ params + offset)
    index = series.index
    return InterruptedTimeSeries(
        step_rate_ratio=step,
        step_ci=step_ci,
        step_pvalue=step_p,
        slope_rate_ratio=slope,
        slope_ci=slope_ci,
        slope_pvalue=slope_p,
        trend=trend,
        trend_ci=trend_ci,
        dispersion=float(results.pearson_chi2 / results.df_resid),
        nb_dispersion=alpha,
        family=family,
        at=index[n_before],
        n_before=n_before,
        n_after=n_after,
        harmonics=harmonics,
        period=periods,
        hac_lags=None if hac_lags is None else int(hac_lags),
        level=level,
        observed=pd.Series(counts, index=index, name="observed"),
        fitted=pd.Series(fitted, index=index, name="fitted"),
        counterfactual=pd.Series(counterfactual, index=index, name="counterfactual"),
        model=results,
    )


def _fit(
    counts: np.ndarray,
    design: pd.DataFrame,
    offset: np.ndarray,
    family: str,
    hac_lags: int | None,
) -> tuple[Any, float | None]:
    """The statsmodels GLM results (and the negative binomial alpha) for a family.

    The negative binomial ``alpha`` comes from the analysis layer's one NB2 fit
    (:func:`eventdata.analysis._glm.fit_nb2`, the joint maximum likelihood); statsmodels
    then fits the GLM at it, for the results object and its (robust) covariances.
    """
    import statsmodels.api as sm

    covariance: dict[str, Any] = {}
    if hac_lags is not None:
        covariance = {"cov_type": "HAC", "cov_kwds": {"maxlags": int(hac_lags)}}

    def glm(glm_family: Any) -> Any:
        return sm.GLM(counts, design, family=glm_family, offset=offset)

    if family == "poisson":
        return glm(sm.families.Poisson()).fit(**covariance), None
    if family == "quasipoisson":
        return glm(sm.families.Poisson()).fit(scale="X2", **covariance), None
    nb, _, _ = fit_nb2(design.to_numpy(), counts, offset=offset, xatol=1e-9)
    if nb.alpha <= 0:  # the likelihood is highest at the Poisson boundary
        return glm(sm.families.Poisson()).fit(**covariance), 0.0
    model = glm(sm.families.NegativeBinomial(alpha=nb.alpha))
    return model.fit(start_params=nb.params, **covariance), nb.alpha


def _design(
    n: int, n_before: int, slope_change: bool, harmonics: int, periods: tuple[float, ...]
) -> pd.DataFrame:
    time = np.arange(n, dtype=float)
    after = time >= n_before
    columns: dict[str, np.ndarray] = {
        "const": np.ones(n),
        "trend": time,
        "step": after.astype(float),
    }
    if slope_change:
        columns["slope"] = np.where(after, time - (n_before - 1), 0.0)
    for length in periods:
        for k in range(1, harmonics + 1):
            angle = 2 * np.pi * k * time / length
            columns[f"sin{k}_{length:g}"] = np.sin(angle)
            columns[f"cos{k}_{length:g}"] = np.cos(angle)
    return pd.DataFrame(columns)


def _first_after(index: pd.Index, at: Any) -> int:
    """Position of the first label at or after ``at``."""
    try:
        if isinstance(index, pd.PeriodIndex):
            when = at if isinstance(at, pd.Period) else pd.Period(at, freq=index.freq)
            after = index >= when
        elif isinstance(index, pd.DatetimeIndex):
            after = index >= pd.Timestamp(at)
        else:
            after = index.to_numpy(dtype="float64") >= float(at)
    except (TypeError, ValueError) as error:
        raise ValueError(f"at={at!r} cannot be compared with a {index.dtype} index") from error
    return int(np.argmax(after)) if np.any(after) else len(index)


def _seasonal_periods(
    index: pd.Index, harmonics: int, period: float | Sequence[float] | None
) -> tuple[float, ...]:
    if not isinstance(harmonics, int | np.integer) or harmonics < 0:
        raise ValueError(f"harmonics must be a non-negative integer, not {harmonics!r}")
    if harmonics == 0:
        return ()
    if period is None:
        period = periods_per_year(index)
    periods = (float(period),) if np.ndim(period) == 0 else tuple(float(p) for p in period)
    for length in periods:
        if not 2 * harmonics < length:
            raise ValueError(
                f"{harmonics} harmonic pairs need a period above {2 * harmonics} steps, "
                f"not {length:g}"
            )
    return periods


def _offset(series: pd.Series, exposure: Any) -> np.ndarray:
    if exposure is None:
        return np.zeros(len(series))
    if isinstance(exposure, pd.Series):
        values = exposure.reindex(series.index).to_numpy(dtype="float64", na_value=np.nan)
    else:
        values = np.asarray(exposure, dtype="float64")
        if values.shape != (len(series),):
            raise ValueError(
                f"exposure has {values.size} values for a series of {len(series)} periods"
            )
    if not (np.isfinite(values) & (values > 0)).all():
        raise EventDataError(
            "exposure must be positive and known for every period of the series "
            "(a Series is aligned on the series' index)"
        )
    return np.log(values)
