"""Escalation alerts: flag periods with more events than the recent past predicts.

:func:`escalation_alerts` runs one of the CDC's Early Aberration Reporting
System (EARS) detectors, C1, C2 or C3, or a Poisson CUSUM, over a count series
and returns, per period, the count, the baseline it was judged against, the
detector's statistic, its threshold and whether the period alerts.

EARS (Hutwagner et al. 2003; definitions as in Fricker et al. 2008):

- **C1** compares the count with the mean and standard deviation of the 7
  periods immediately before it: ``C1_t = (y_t - mean) / sd``; alert when
  ``C1_t > 3``.
- **C2** is C1 with a 2-period guard band: the baseline is periods ``t-9`` to
  ``t-3``, so that the start of an escalation does not inflate its own
  baseline; alert when ``C2_t > 3``.
- **C3** adds up the C2 exceedances of the last three periods:
  ``C3_t = sum over i = t-2, t-1, t of max(0, C2_i - 1)``; alert when ``C3_t > 2``.

The standard deviation is the sample one (``ddof=1``, as R's ``sd``). A flat
baseline (all counts equal, often all zero in sparse event data) has standard
deviation 0 and would make any single event an infinite statistic; the
standard deviation is therefore floored at ``min_sd`` (default 0.5, the value
Howard Burkom suggests for sparse data, as quoted by the R ``surveillance``
package's ``earsC(minSigma=)``, whose own default is 0). With the default, a
period alerts after a flat baseline if its count exceeds the baseline mean by
more than 1.5 events (C1, C2).

The thresholds are of a normal distribution (3 standard deviations is a
one-sided 0.00135 tail), but the mean and standard deviation come from only 7
periods and counts are not normal: even on Poisson counts EARS alerts far more
often than 0.135% of periods, and on overdispersed, autocorrelated counts such
as political violence much more again. In simulation (tests/test_alerts.py,
20 years of daily counts around 6 a day) C1, C2 and C3 alerted on 2.2%, 2.2%
and 8.6% of Poisson days, and on 4.8%, 5.6% and 16.6% of days of
:func:`eventdata.datasets.simulate_counts` (same mean, variance 3.5 times it,
AR(1) latent rate). Treat an EARS alert as "look at this", not as a
calibrated test.

The **Poisson CUSUM** (Lucas 1985) accumulates evidence of a shift from an
in-control mean ``mu0`` to ``mu1 = shift * mu0``:
``S_t = max(0, S_{t-1} + y_t - k)`` with ``k = (mu1 - mu0) / (log mu1 - log mu0)``,
alerts when ``S_t > h`` and restarts from 0 after an alert. ``mu0`` is the mean
of the first ``reference`` periods (which are then not monitored) unless given.
Unless ``h`` is given it is chosen so that, on Poisson counts with mean
``mu0``, the in-control average run length (periods between false alerts) is
at least ``arl0`` (the smallest such ``h`` on the grid), computed with the
Markov chain of Brook and Evans (1972) on a fine grid of ``S`` (``k`` is
rounded to that grid, by at most a 40th of ``k`` or of the in-control standard
deviation, so that the chain is exact for the CUSUM run). Overdispersion
shortens the run length just as it inflates EARS: tuned to one false alert a
year, the CUSUM alerted on 0.37% of the Poisson days above and 5.4% of the
simulated ones. An estimated ``mu0`` adds error too.

The **default** (issue 15; EARS C2 was the default before and is not
calibrated on such counts) is the flexible Farrington method for a weekly
series with at least five years before the weeks it monitors, and the
negative-binomial CUSUM otherwise; the result's summary says which and why.

The **negative-binomial CUSUM** (``method="nb-cusum"``) is the CUSUM of the
NB2 log-likelihood ratio of ``shift * mu0`` against ``mu0`` (the one R
``surveillance::glrnb`` runs when ``theta`` is given), written in events:
``S_t = max(0, S_{t-1} + y_t - k)``, ``k`` where the ratio is zero. ``mu0`` and
the NB2 ``alpha`` (moment estimate) come from the first ``reference`` periods
(default: half the series, at most 365). Unless ``h`` is given it is
calibrated by a circular block bootstrap of the reference period (blocks
three times the first lag whose autocorrelation is within 1/sqrt(n) of 0): each replicate estimates
``mu0`` and ``alpha`` from a resampled reference, as the chart does, and runs
that chart on another resampled path; ``h`` is the smallest with at most one
false alert per ``arl0`` periods (default 730) over the replicates. The threshold thus
allows for overdispersion, for autocorrelation within the block length and
for the error of the estimated mean (Gandy and Kvaløy 2013 calibrate charts
with estimated parameters by bootstrap in the same spirit).

The **flexible Farrington method** (``method="farrington"``; Farrington et al.
1996, Noufaily et al. 2013, R ``surveillance::farringtonFlexible``) fits, for
each week, a quasi-Poisson GLM to the counts of the past ``b`` years (default
5) up to 26 weeks before it: a seasonal factor of 10 levels (a window of
``+-w`` = 3 weeks around the same week of each past year, and 9 blocks of the
weeks between), a linear trend kept only if significant at 5% and not
extrapolating beyond the data, and a refit with past outbreaks down-weighted
(Anscombe residuals above 2.58). The threshold is the ``1 - alpha`` quantile
on the 2/3-power scale, with the prediction's variance and the dispersion
(at least 1); a week alerts when its count exceeds it, is not 0, and the last
4 weeks hold at least 5 events. Options: ``alpha`` (default 0.01) and
``farrington={"b", "w", "periods", "past_excluded", "reweight",
"weights_threshold", "trend", "p_trend", "limit54"}``. It reproduces
``farringtonFlexible`` to 1e-4 (``tests/test_alerts_calibrated.py``) with
``surveillance_compatible=True``. Without it one thing differs on purpose:
after reweighting, surveillance 1.20.3 stores the weights where ``glm`` keeps
its working weights, so its trend test and prediction variance use a
dispersion about the mean count too small; ours uses the model's.

False alerts per year of every method on Poisson, negative-binomial and
autocorrelated null series, and the detection of a planted rise:
``benchmarks/alerts_calibration.py``. On 20 seven-year daily series around 6
a day (Poisson / negative binomial with variance 3 times the mean / the same
around a latent AR(1) log-rate, phi 0.9, sd 0.5): "nb-cusum" 0.5 / 0.6 / 1.4
false alerts a year, "farrington" on the weekly sums 0.4 / 1.3 / 1.7, EARS C2
8.5 / 14.7 / 22.1, the Poisson CUSUM (mean from 28 days) 2.8 / 18.3 / 28.2. A
doubling for 8 weeks was found by "nb-cusum" in 85% of series after a median
27 days, by "farrington" in 70% after 15, by EARS C2 in all after 4.

References
----------
Farrington CP, Andrews NJ, Beale AD, Catchpole MA. A statistical algorithm for
the early detection of outbreaks of infectious disease. J R Stat Soc A
1996;159:547-563.

Noufaily A, Enki DG, Farrington P, Garthwaite P, Andrews N, Charlett A. An
improved algorithm for outbreak detection in multiple surveillance systems.
Stat Med 2013;32:1206-1222.

Gandy A, Kvaløy JT. Guaranteed conditional performance of control charts via
bootstrap methods. Scand J Stat 2013;40:647-668.

Hutwagner L, Thompson W, Seeman GM, Treadwell T. The bioterrorism preparedness
and response Early Aberration Reporting System (EARS). J Urban Health
2003;80(2 Suppl 1):i89-i96.

Fricker RD, Hegler BL, Dunfee DA. Comparing syndromic surveillance detection
methods: EARS' versus a CUSUM-based methodology. Stat Med 2008;27:3407-3429.

Lucas JM. Counted data CUSUM's. Technometrics 1985;27(2):129-144.

Brook D, Evans DA. An approach to the probability distribution of cusum run
length. Biometrika 1972;59(3):539-549.
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy import stats

from eventdata.core.errors import EventDataError
from eventdata.core.periods import format_label, index_freq, label_name
from eventdata.events.series import check_counts, check_regular, count_series

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["FARRINGTON_DEFAULTS", "EscalationAlerts", "escalation_alerts"]

Method = Literal["ears-c1", "ears-c2", "ears-c3", "cusum", "nb-cusum", "farrington"]
_METHODS = ("ears-c1", "ears-c2", "ears-c3", "cusum", "nb-cusum", "farrington")
# Noufaily et al. (2013)'s settings of the flexible Farrington method (R surveillance's
# farringtonFlexible with these controls).
FARRINGTON_DEFAULTS: dict[str, Any] = {
    "b": 5,
    "w": 3,
    "periods": 10,
    "past_excluded": 26,
    "reweight": True,
    "weights_threshold": 2.58,
    "trend": True,
    "p_trend": 0.05,
    "limit54": (5, 4),
}
_GUARD = {"ears-c1": 0, "ears-c2": 2, "ears-c3": 2}
_THRESHOLD = {"ears-c1": 3.0, "ears-c2": 3.0, "ears-c3": 2.0}
_COLUMNS = [
    "count",
    "baseline_mean",
    "baseline_sd",
    "statistic",
    "threshold",
    "upper_bound",
    "alert",
]
# Grid points of the run-length Markov chain per in-control standard deviation
# (or per k, if smaller), and the most in-control states it may have.
_GRID_PER_SD = 20
_MAX_STATES = 4000
_MIN_NB_REFERENCE = 56


@dataclass(frozen=True, eq=False)
class EscalationAlerts:
    """Per-period detector output and the parameters it ran with.

    Attributes
    ----------
    method : str
        ``"ears-c1"``, ``"ears-c2"``, ``"ears-c3"`` or ``"cusum"``.
    threshold : float
        The statistic's alert threshold (3 for C1 and C2, 2 for C3, ``h`` for CUSUM).
    parameters : dict
        Everything else the detector used: EARS ``baseline``, ``guard``,
        ``min_sd``; CUSUM ``in_control_mean``, ``shift``, ``k``, ``h``,
        ``arl0`` (None when ``h`` was given) and ``reference`` periods.
    frame : pandas.DataFrame
        One row per period: the index label (``date`` for dates), ``count``,
        ``baseline_mean`` (EARS window mean, or CUSUM ``mu0``), ``baseline_sd``
        (EARS window standard deviation after the ``min_sd`` floor; NaN for
        CUSUM), ``statistic`` (C1/C2/C3 or ``S_t``), ``threshold``,
        ``upper_bound`` (the count above which this period alerts, given the
        past; ``-inf`` when any count would) and ``alert``. Periods without
        enough history have NaN statistics and no alert.

    Examples
    --------
    >>> import pandas as pd
    >>> days = pd.date_range("2023-03-01", periods=12, freq="D")
    >>> daily = pd.Series([4, 5, 3, 6, 4, 5, 4, 5, 3, 5, 21, 6], index=days)
    >>> result = escalation_alerts(daily, method="ears-c2")
    >>> result.method, result.threshold, result.n_alerts
    ('ears-c2', 3.0, 1)
    >>> print(result.to_frame().loc[10, ["date", "count", "alert"]].to_string())
    date     2023-03-11 00:00:00
    count                     21
    alert                   True
    """

    method: str
    threshold: float
    parameters: dict[str, Any] = field(repr=False)
    frame: pd.DataFrame = field(repr=False)

    @property
    def n_alerts(self) -> int:
        """How many periods alert."""
        return int(self.frame["alert"].sum())

    @property
    def alerts(self) -> pd.Index:
        """Labels of the periods that alert."""
        return pd.Index(self.frame.loc[self.frame["alert"], self.frame.columns[0]])

    def to_frame(self) -> pd.DataFrame:
        """The per-period table (a copy): see ``frame``."""
        return self.frame.copy()

    def summary(self) -> str:
        """A few lines of text: the detector, its parameters and the alerts."""
        monitored = int(self.frame["statistic"].notna().sum())
        shown = ", ".join(format_label(label) for label in self.alerts[:10])
        more = f" and {self.n_alerts - 10} more" if self.n_alerts > 10 else ""
        return "\n".join(
            [
                f"Escalation alerts: {self._describe()}",
                f"{self.n_alerts} alert(s) in {monitored} monitored periods"
                + (f": {shown}{more}" if self.n_alerts else ""),
            ]
        )

    def _repr_html_(self) -> str:
        head = html.escape(f"Escalation alerts: {self._describe()}; {self.n_alerts} alert(s)")
        alerting = self.frame.loc[self.frame["alert"]].head(20)
        table = alerting.to_html(index=False, float_format=lambda x: f"{x:.3g}")
        return f"<div><p><strong>{head}</strong></p>{table}</div>"

    def _describe(self) -> str:
        p = self.parameters
        note = f" [{p['default']}]" if p.get("default") else ""
        return self._method_text(p) + note

    def _method_text(self, p: dict[str, Any]) -> str:
        if self.method == "nb-cusum":
            how = (
                f"h = {p['h']:.4g} from a block bootstrap of the reference (block "
                f"{p['block_length']}, {p['n_bootstrap']} replicates) for one false alert "
                f"in {p['arl0']:g} periods"
                if p["arl0"] is not None
                else f"h = {p['h']:.4g}"
            )
            return (
                f"negative-binomial CUSUM, in-control mean {p['in_control_mean']:.4g} and "
                f"alpha {p['alpha']:.3g} from the first {p['reference']} periods, shift "
                f"x{p['shift']:g} (k = {p['k']:.4g}), {how}"
            )
        if self.method == "farrington":
            return (
                f"flexible Farrington (quasi-Poisson on {p['b']} past seasons of "
                f"{p['season']} periods, {p['periods']} seasonal levels, window +-{p['w']}), "
                f"alpha {p['alpha']:g}, alert when the score exceeds 1"
                + (f"; {p['failed_fits']} fit(s) failed" if p["failed_fits"] else "")
            )
        if self.method == "cusum":
            return (
                f"Poisson CUSUM, in-control mean {p['in_control_mean']:.4g}, shift x{p['shift']:g} "
                f"(k = {p['k']:.4g}), h = {self.threshold:.4g}"
                + (f" (in-control ARL {p['arl0']:g})" if p["arl0"] is not None else "")
            )
        name = self.method.upper().replace("EARS-", "EARS ")
        return (
            f"{name}, statistic > {self.threshold:g}, {p['baseline']}-period baseline, "
            f"guard {p['guard']}, minimum sd {p['min_sd']:g}"
        )

    def plot(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Counts with the alert threshold and the alerts marked.

        See :func:`eventdata.plot.alerts`; returns the Axes.
        """
        from eventdata import plot

        return plot.alerts(self, ax=ax, **kwargs)


def escalation_alerts(
    series: pd.Series | pd.DataFrame,
    *,
    method: Method | None = None,
    baseline: int = 7,
    threshold: float | None = None,
    min_sd: float = 0.5,
    in_control_mean: float | None = None,
    reference: int | None = None,
    shift: float = 1.5,
    h: float | None = None,
    arl0: float | None = None,
    season: int | None = None,
    alpha: float = 0.01,
    farrington: dict[str, Any] | None = None,
    surveillance_compatible: bool = False,
    nb_alpha: float | None = None,
    n_bootstrap: int = 200,
    seed: int = 0,
) -> EscalationAlerts:
    """Flag periods whose count is unusually high for the recent past.

    Parameters
    ----------
    series : pandas.Series or pandas.DataFrame
        Counts per period (non-negative, no missing values), in time order,
        on a zero-filled calendar; or a table from :func:`eventdata.counts`
        holding one series (its ``date`` and ``count`` or ``fatalities``
        columns are used).
    method : {None, "nb-cusum", "farrington", "ears-c2", "ears-c1", "ears-c3", "cusum"}
        The detector (see the module notes). None (the default): "farrington"
        for a weekly series with five years before the monitored weeks, else
        "nb-cusum". EARS C1 (baseline just before), C2 (2-period guard band),
        C3 (C2 exceedances summed over 3 periods), or a Poisson CUSUM: as R
        computes them, but not calibrated on overdispersed counts.
    baseline : int
        EARS baseline length in periods (7 in the EARS definitions).
    threshold : float, optional
        Alert when the EARS statistic exceeds it (default 3 for C1 and C2, 2
        for C3). Ignored by the CUSUM (use ``h``).
    min_sd : float
        EARS floor of the baseline standard deviation (0 disables it; a flat
        baseline then alerts on any count above its mean).
    in_control_mean : float, optional
        CUSUM in-control mean per period; default the mean of the first
        ``reference`` periods, which are then not monitored.
    reference : int, optional
        CUSUM periods used to estimate ``in_control_mean`` (default 28), and
        for "nb-cusum" also ``alpha`` and ``h`` (default half the series, at
        most 365; at least 56).
    shift : float
        CUSUM rate multiplier to detect (> 1): 1.5 tunes it to a 50% rise.
    h : float, optional
        CUSUM decision threshold in events; default chosen for ``arl0``.
    arl0 : float, optional
        CUSUM in-control average run length, in periods, used to choose ``h``.
        "cusum": 365 by default (one false alert a year of daily Poisson
        counts with a known mean). "nb-cusum": 730 by default, reached by
        bootstrap; the bootstrap sees one reference period, and on counts
        around a persistent latent rate the false alerts came out about twice
        as frequent as it aimed at (benchmarks/alerts_calibration.py), so the
        default aims at one in two years to give at most about one a year.
    season : int, optional
        Farrington periods per year (default 52 for a weekly series).
    alpha : float
        Farrington tail probability of the threshold (default 0.01).
    farrington : dict, optional
        Farrington options overriding :data:`FARRINGTON_DEFAULTS`.
    surveillance_compatible : bool
        Reproduce R surveillance 1.20.3's dispersion after reweighting (see the
        module notes); False uses the model's.
    nb_alpha : float, optional
        "nb-cusum" NB2 alpha (variance ``mu + alpha mu^2``; 0 is Poisson);
        default estimated from the reference periods.
    n_bootstrap, seed : int
        "nb-cusum" bootstrap replicates for ``h`` and their seed.

    Returns
    -------
    EscalationAlerts
        ``to_frame()`` has one row per period with ``count``,
        ``baseline_mean``, ``baseline_sd``, ``statistic``, ``threshold``,
        ``upper_bound`` and ``alert``.

    Raises
    ------
    EventDataError
        If the counts are missing (NaN: days outside coverage too), negative,
        or too few for the method.
    ValueError
        If an option is invalid.

    Examples
    --------
    >>> import pandas as pd
    >>> days = pd.date_range("2023-03-01", periods=12, freq="D")
    >>> daily = pd.Series([4, 5, 3, 6, 4, 5, 4, 5, 3, 5, 21, 6], index=days)
    >>> result = escalation_alerts(daily, method="ears-c2")
    >>> [d.strftime("%m-%d") for d in result.alerts]
    ['03-11']
    >>> result.to_frame()["statistic"].round(2).tolist()[9:]
    [0.59, 16.83, 1.54]
    """
    series = count_series(series)
    _refuse_gaps(series)
    counts = check_counts(series)
    # a baseline of "the last 7 periods" only means that on a zero-filled calendar
    check_regular(series.index)
    chosen = None
    if method is None:
        method, chosen = _default_method(series.index, len(counts), season)
    if method in _GUARD:
        detector = _ears(counts, method, baseline, threshold, min_sd)
    elif method == "cusum":
        reference = 28 if reference is None else reference
        arl0 = 365.0 if arl0 is None else arl0
        detector = _cusum(counts, in_control_mean, reference, shift, h, arl0)
    elif method == "nb-cusum":
        arl0 = 730.0 if arl0 is None else arl0
        detector = _nb_cusum(
            counts, reference, shift, h, arl0, n_bootstrap, seed, in_control_mean, nb_alpha
        )
    elif method == "farrington":
        options = {**FARRINGTON_DEFAULTS, **(farrington or {})}
        unknown = set(options) - set(FARRINGTON_DEFAULTS)
        if unknown:
            raise ValueError(f"unknown farrington options {sorted(unknown)}")
        detector = _farrington(
            counts, _season(series.index, season), alpha, options, surveillance_compatible
        )
    else:
        raise ValueError(f"method must be one of {', '.join(_METHODS)}, not {method!r}")
    columns, limit, parameters = detector
    if chosen is not None:
        parameters["default"] = chosen
    columns["count"] = series.to_numpy()  # as given (integers stay integers)
    label = label_name(series.index)
    frame = pd.DataFrame({label: series.index, **columns})[[label, *_COLUMNS]]
    return EscalationAlerts(method=method, threshold=limit, parameters=parameters, frame=frame)


def _refuse_gaps(series: pd.Series) -> None:
    """Missing counts (periods outside the data's coverage) break every detector's baseline."""
    if not isinstance(series, pd.Series) or not series.isna().any():
        return
    missing = series.index[series.isna().to_numpy()]
    raise EventDataError(
        f"the series has {len(missing)} missing period(s), from {format_label(missing[0])} "
        "(outside the data's coverage?): alerts need an unbroken series; run them on a "
        "covered stretch (series.loc[first:last]) or fill the gap knowingly"
    )


def _ears(
    counts: np.ndarray, method: str, baseline: int, threshold: float | None, min_sd: float
) -> tuple[dict[str, np.ndarray], float, dict[str, Any]]:
    if not isinstance(baseline, int | np.integer) or baseline < 2:
        raise ValueError(f"baseline must be an integer of at least 2, not {baseline!r}")
    if not min_sd >= 0:
        raise ValueError(f"min_sd must be non-negative, not {min_sd!r}")
    limit = _THRESHOLD[method] if threshold is None else float(threshold)
    guard = _GUARD[method]
    n = len(counts)
    lag = baseline + guard
    needed = lag + (3 if method == "ears-c3" else 1)
    if n < needed:
        raise EventDataError(f"{method} needs at least {needed} periods, the series has {n}")
    mean = np.full(n, np.nan)
    sd = np.full(n, np.nan)
    windows = sliding_window_view(counts, baseline)[: n - lag]
    mean[lag:] = windows.mean(axis=1)
    sd[lag:] = np.maximum(windows.std(axis=1, ddof=1), min_sd)
    c2 = _standardised(counts, mean, sd)
    if method == "ears-c3":
        excess = np.maximum(c2 - 1.0, 0.0)  # NaN stays NaN
        before = np.full(n, np.nan)
        before[2:] = excess[1:-1] + excess[:-2]
        statistic = before + excess
        with np.errstate(invalid="ignore"):
            upper = np.where(
                before > limit, -np.inf, mean + sd * (1.0 + limit - np.minimum(before, limit))
            )
        upper[np.isnan(before)] = np.nan
    else:
        statistic = c2
        upper = mean + limit * sd
    columns = _columns(counts, mean, sd, statistic, limit, upper)
    return columns, limit, {"baseline": int(baseline), "guard": guard, "min_sd": float(min_sd)}


def _standardised(counts: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """(y - mean) / sd, with 0/0 as 0 and y/0 as +-inf (a flat baseline, no floor)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (counts - mean) / sd
    return np.where((sd == 0) & (counts == mean), 0.0, z)


def _cusum(
    counts: np.ndarray,
    in_control_mean: float | None,
    reference: int,
    shift: float,
    h: float | None,
    arl0: float,
) -> tuple[dict[str, np.ndarray], float, dict[str, Any]]:
    if not shift > 1:
        raise ValueError(f"shift must be above 1 (the rise to detect), not {shift!r}")
    n = len(counts)
    start = 0
    if in_control_mean is None:
        if not isinstance(reference, int | np.integer) or reference < 1:
            raise ValueError(f"reference must be a positive integer, not {reference!r}")
        if n <= reference:
            raise EventDataError(
                f"the CUSUM estimates its in-control mean from the first {reference} periods "
                f"and monitors the rest; the series has only {n}"
            )
        mu0 = float(counts[:reference].mean())
        start = int(reference)
    else:
        mu0 = float(in_control_mean)
    if not mu0 > 0:
        raise EventDataError(
            "the CUSUM in-control mean must be positive (no events in the reference periods?)"
        )
    exact_k = _reference_value(mu0, shift)
    grid = _grid(mu0, exact_k)
    # k on the run-length chain's grid, so that the chain is exact for the CUSUM run
    # (the rounding is at most 1/40 of k or of an in-control standard deviation).
    k = round(exact_k * grid) / grid
    if h is None:
        if not arl0 > 1:
            raise ValueError(f"arl0 must be above 1 period, not {arl0!r}")
        h = _decision_interval(mu0, k, arl0, grid)
        target: float | None = float(arl0)
    else:
        target = None
        if not h > 0:
            raise ValueError(f"h must be positive, not {h!r}")
    h = float(h)
    statistic, upper = _run_cusum(counts, start, k, h)
    mean = np.where(np.arange(n) >= start, mu0, np.nan)
    columns = _columns(counts, mean, np.full(n, np.nan), statistic, h, upper)
    parameters = {
        "in_control_mean": mu0,
        "shift": float(shift),
        "k": k,
        "h": h,
        "arl0": target,
        "reference": start,
    }
    return columns, h, parameters


def _run_cusum(counts: np.ndarray, start: int, k: float, h: float) -> tuple[np.ndarray, np.ndarray]:
    """S_t from ``start`` on, restarted after each alert, and the count that would alert."""
    n = len(counts)
    statistic = np.full(n, np.nan)
    upper = np.full(n, np.nan)
    cumulative = 0.0
    for t in range(start, n):
        upper[t] = h + k - cumulative
        cumulative = max(0.0, cumulative + counts[t] - k)
        statistic[t] = cumulative
        if cumulative > h:
            cumulative = 0.0  # restart after an alert
    return statistic, upper


def _reference_value(mu0: float, shift: float) -> float:
    """Lucas's k: the count at which the Poisson log-likelihood ratio of mu1 to mu0 is 0."""
    mu1 = shift * mu0
    return (mu1 - mu0) / (np.log(mu1) - np.log(mu0))


def _grid(mu0: float, k: float) -> int:
    """Grid points per event of the run-length chain: 20 per standard deviation or per k."""
    return int(np.ceil(_GRID_PER_SD / min(max(np.sqrt(mu0), 0.5), k)))


def _decision_interval(mu0: float, k: float, arl0: float, grid: int) -> float:
    """An h whose in-control ARL is the first on the chain's grid to reach arl0.

    With k on the grid, S moves on it too; h is put half a step above the last
    in-control level so that rounding in S cannot flip a comparison.
    """
    low, high = -1, grid
    while _run_length(mu0, k, high, grid) < arl0:
        low, high = high, 2 * high
        if high > _MAX_STATES:
            raise ValueError(
                f"arl0={arl0:g} needs a decision threshold beyond what can be computed here; "
                "give h instead"
            )
    while high - low > 1:
        middle = (low + high) // 2
        if _run_length(mu0, k, middle, grid) < arl0:
            low = middle
        else:
            high = middle
    return (high + 0.5) / grid


def _run_length(mu0: float, k: float, states: int, grid: int) -> float:
    """In-control ARL from S = 0 of the Poisson CUSUM with h = states / grid.

    S lives on multiples of 1 / grid (k rounded to that grid); states 0..states
    are in control, anything above alerts (Brook and Evans 1972).
    """
    step = round(k * grid)
    level = np.arange(states + 1)
    # From level s a count y goes to s + grid * y - step (or 0); at most this many counts matter.
    top = int((states + step) // grid) + 1
    pmf = stats.poisson.pmf(np.arange(top + 1), mu0)
    cdf = np.cumsum(pmf)
    transition = np.zeros((states + 1, states + 1))
    # To 0: every count with s + grid * y - step <= 0.
    floor_count = np.floor((step - level) / grid).astype(int)
    transition[:, 0] = np.where(floor_count >= 0, cdf[np.clip(floor_count, 0, top)], 0.0)
    for y in range(top + 1):
        target = level + grid * y - step
        inside = (target > 0) & (target <= states)
        transition[level[inside], target[inside]] += pmf[y]
    try:
        run = np.linalg.solve(np.eye(states + 1) - transition, np.ones(states + 1))[0]
    except np.linalg.LinAlgError:  # false alerts too rare to tell from none in floating point
        return np.inf
    return float(run) if np.isfinite(run) and run >= 1 else np.inf


def _columns(
    counts: np.ndarray,
    mean: np.ndarray,
    sd: np.ndarray,
    statistic: np.ndarray,
    limit: float,
    upper: np.ndarray,
) -> dict[str, np.ndarray]:
    with np.errstate(invalid="ignore"):
        alert = np.nan_to_num(statistic, nan=-np.inf) > limit
    return {
        "count": counts,
        "baseline_mean": mean,
        "baseline_sd": sd,
        "statistic": statistic,
        "threshold": np.full(len(counts), limit),
        "upper_bound": upper,
        "alert": alert,
    }


# --------------------------------------------------------------------------- Farrington


def _farrington_blocks(t0: int, n: int, season: int, b: int, w: int, periods: int) -> np.ndarray:
    """Seasonal factor level of every period for the fit at ``t0`` (NaN: not in the baseline).

    As R surveillance's ``blocks``: the window of ``2 w + 1`` periods around the
    same period of each of the ``b`` past seasons is level ``periods``; with
    ``periods > 1`` the stretch between two windows is cut into ``periods - 1``
    nearly equal blocks, levels 1 to ``periods - 1`` (earlier blocks one longer).
    """
    level = np.full(n, np.nan)
    level[t0 - w : t0 + 1] = periods
    for i in range(1, b + 1):
        ref = t0 - season * i
        level[ref - w : ref + w + 1] = periods
        if periods != 1:
            gap = (t0 - season * (i - 1)) - 2 * w - 1 - ref
            if gap < periods - (2 * w + 1):
                raise ValueError(f"periods={periods} is too many for season={season}, w={w}")
            lengths = np.full(periods - 1, gap // (periods - 1))
            lengths[: gap % (periods - 1)] += 1
            edges = ref + w + 1 + np.concatenate([[0], np.cumsum(lengths)])
            for j in range(1, periods):
                level[edges[j - 1] : edges[j]] = j
    return level


def _quasi_poisson(y: np.ndarray, design: np.ndarray, weights: np.ndarray | None = None):
    """Quasi-Poisson GLM (log link, prior weights) by statsmodels; None if it fails."""
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = sm.GLM(y, design, family=sm.families.Poisson(), var_weights=weights)
            fit = model.fit(scale="X2", tol=1e-10, maxiter=100)
        except (ValueError, np.linalg.LinAlgError, FloatingPointError):
            return None
    if not fit.converged or not np.all(np.isfinite(fit.params)):
        return None
    return fit


def _coefficient_cov(fit, o: dict) -> np.ndarray:
    """Covariance of the coefficients: the quasi-likelihood one, or R surveillance's.

    surveillance 1.20.3 stores the reweighting weights in the fitted model's
    ``weights`` (the IRLS working weights), so ``summary.glm`` and
    ``predict.glm`` then estimate the dispersion as
    ``sum(omega (y - mu)^2 / mu^2) / df``, about the model's own divided by
    the mean count: its trend tests and prediction standard errors are too
    small. ``surveillance_compatible=True`` reproduces that.
    """
    if o["compatible"] and fit.model.var_weights is not None:
        y, mu = fit.model.endog, fit.mu
        scale = np.sum(fit.model.var_weights * (y - mu) ** 2 / mu**2) / fit.df_resid
        return fit.normalized_cov_params * scale
    return fit.cov_params()


def _farrington_design(time: np.ndarray, level: np.ndarray, levels: np.ndarray, trend: bool):
    """Intercept, time (with ``trend``) and indicators of all levels but the first (as R's)."""
    columns = [np.ones(len(time))] + ([time] if trend else [])
    columns += [(level == value).astype(float) for value in levels[1:]]
    return np.column_stack(columns)


def _farrington_fit(y: np.ndarray, time: np.ndarray, level: np.ndarray, trend: bool, o: dict):
    """One Farrington fit: quasi-Poisson GLM, then reweighted by Anscombe residuals.

    Returns the statsmodels fit and the design row of the period monitored.
    """
    levels = np.unique(level)
    design = _farrington_design(time, level, levels, trend)
    now = _farrington_design(np.array([o["now"]]), np.array([o["periods"]]), levels, trend)[0]
    fit = _quasi_poisson(y, design)
    if fit is None:
        return None
    weights = None
    if o["reweight"]:
        phi = max(fit.scale, 1.0)
        mu = fit.mu
        hat = fit.get_hat_matrix_diag()
        with np.errstate(divide="ignore", invalid="ignore"):
            s = 1.5 * (y ** (2 / 3) * mu ** (-1 / 6) - np.sqrt(mu)) / np.sqrt(phi * (1 - hat))
        high = s > o["weights_threshold"]
        inverse = np.ones_like(s)
        inverse[high] = s[high] ** -2.0
        weights = inverse * len(s) / inverse.sum()
        fit = _quasi_poisson(y, design, weights)
        if fit is None:
            return None
    return fit, now


def _farrington_one(counts: np.ndarray, t0: int, o: dict) -> tuple[float, ...]:
    """Expected count, upper bound, score, p-value, phi and trend (0/1) for period t0."""
    n = len(counts)
    level = _farrington_blocks(t0, n, o["season"], o["b"], o["w"], o["periods"])
    level[t0 - o["past_excluded"] : t0 + 1] = np.nan
    used = np.flatnonzero(~np.isnan(level))
    y, lv, time = counts[used], level[used], used.astype(float)
    nan = (np.nan,) * 6
    o = {**o, "now": float(t0)}
    fitted = _farrington_fit(y, time, lv, True, o) if o["trend"] else None
    with_trend = False
    if fitted is not None and fitted[0].params.shape[0] > 1:
        fit, x0 = fitted
        mu0 = float(np.exp(x0 @ fit.params))
        se_trend = np.sqrt(_coefficient_cov(fit, o)[1, 1])
        pvalue = 2 * stats.t.sf(abs(fit.params[1] / se_trend), fit.df_resid)
        with_trend = bool(o["b"] >= 3 and pvalue < o["p_trend"] and mu0 <= y.max())
    if not with_trend:
        fitted = _farrington_fit(y, time, lv, False, o)
        if fitted is None:
            return nan
        fit, x0 = fitted
    phi = max(float(fit.scale), 1.0)
    eta = float(x0 @ fit.params)
    mu0 = float(np.exp(eta))
    se_fit = mu0 * float(np.sqrt(x0 @ _coefficient_cov(fit, o) @ x0))
    tau = phi + se_fit**2 / mu0
    se = np.sqrt(4 / 9 * mu0 ** (1 / 3) * tau)
    upper = float((mu0 ** (2 / 3) + stats.norm.ppf(1 - o["alpha"]) * se) ** 1.5)
    cases, span = o["limit54"]
    if counts[max(0, t0 - span + 1) : t0 + 1].sum() < cases:
        return (np.nan, np.nan, np.nan, np.nan, phi, float(with_trend))
    score = (counts[t0] - mu0) / (upper - mu0)
    pvalue = float(stats.norm.sf(counts[t0] ** (2 / 3), mu0 ** (2 / 3), se))
    return (mu0, upper, score, pvalue, phi, float(with_trend))


def _season(index: pd.Index, season: int | None) -> int:
    """Periods per year: given, or 52 for a weekly calendar."""
    if season is not None:
        if not isinstance(season, int | np.integer) or season < 2:
            raise ValueError(f"season must be an integer of at least 2 periods, not {season!r}")
        return int(season)
    if _is_weekly(index):
        return 52
    raise EventDataError(
        "the Farrington method needs a weekly series (ed.counts(..., freq='W')) or season= "
        "(periods per year)"
    )


def _is_weekly(index: pd.Index) -> bool:
    return index_freq(index) == "W"


def _default_method(index: pd.Index, n: int, season: int | None) -> tuple[str, str]:
    """The default detector and why (issue 15: EARS C2 was the default before)."""
    o = FARRINGTON_DEFAULTS
    weekly = season is not None or _is_weekly(index)
    length = (season or 52) * o["b"] + o["w"] + 1
    if weekly and n >= length:
        return "farrington", (
            f"default for a weekly series of at least {length} weeks (EARS C2 was the "
            "default before; it is not calibrated on overdispersed counts)"
        )
    return "nb-cusum", (
        "default (EARS C2 was the default before; it is not calibrated on overdispersed "
        "counts)" + ("" if not weekly else f"; Farrington needs at least {length} weeks")
    )


def _farrington(
    counts: np.ndarray, season: int, alpha: float, o: dict[str, Any], compatible: bool
) -> tuple[dict[str, np.ndarray], float, dict[str, Any]]:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, not {alpha!r}")
    n = len(counts)
    first = season * o["b"] + o["w"]
    if n <= first:
        raise EventDataError(
            f"the Farrington method needs {o['b']} past seasons of {season} periods and "
            f"{o['w']} more before the first period it monitors ({first + 1}); the series "
            f"has {n}"
        )
    options = {**o, "season": season, "alpha": float(alpha), "compatible": compatible}
    out = np.full((n, 6), np.nan)
    for t0 in range(first, n):
        out[t0] = _farrington_one(counts, t0, options)
    expected, upper, score = out[:, 0], out[:, 1], out[:, 2]
    columns = _columns(counts, expected, np.full(n, np.nan), score, 1.0, upper)
    columns["alert"] &= counts > 0  # as surveillance: no alert on a zero count
    parameters = {
        **{k: (list(v) if isinstance(v, tuple) else v) for k, v in o.items()},
        "season": season,
        "alpha": float(alpha),
        "surveillance_compatible": compatible,
        "dispersion": out[:, 4],
        "trend_used": out[:, 5],
        "pvalue": out[:, 3],
        "failed_fits": int(np.sum(np.isnan(out[first:, 4]))),
    }
    return columns, 1.0, parameters


def _nb_reference_value(mu0: float, alpha: float, shift: float) -> float:
    """k of the negative-binomial CUSUM: the count where the NB2 log-likelihood ratio is 0.

    The NB2 (variance ``mu + alpha mu^2``) log-likelihood ratio of ``shift mu0``
    against ``mu0`` is ``y a - c`` with ``a = log(shift (r + mu0) / (r + shift mu0))``
    and ``c = r log((r + shift mu0) / (r + mu0))``, ``r = 1 / alpha``; ``k = c / a``.
    alpha = 0 is Lucas's Poisson k.
    """
    if alpha <= 0:
        return _reference_value(mu0, shift)
    r = 1.0 / alpha
    mu1 = shift * mu0
    return r * np.log((r + mu1) / (r + mu0)) / np.log(shift * (r + mu0) / (r + mu1))


def _moment_alpha(y: np.ndarray) -> np.ndarray:
    """NB2 alpha of each row by the Pearson moment equation, ``max(0, (s2 - m) / m^2)``.

    The one-series case of :func:`eventdata.analysis.provinces._nb2_moment_alpha` (there
    solved numerically for many units and period lengths), in closed form so
    that bootstrap replicates go as one array.
    """
    mean = y.mean(axis=-1)
    var = y.var(axis=-1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mean > 0, np.maximum(0.0, (var - mean) / mean**2), 0.0)


def _block_length(y: np.ndarray) -> int:
    """Block length of the circular block bootstrap: three times the first lag whose
    autocorrelation is within 1 / sqrt(n) of 0, at most a quarter of the series.

    Long blocks: with a persistent latent rate (AR(1), phi 0.9) blocks of twice
    the lag where the autocorrelation looked negligible at 2 / sqrt(n) gave 2.7
    false alerts a year for a nominal 1, these 2.1 (benchmarks/alerts_calibration.py).
    """
    n = len(y)
    x = y - y.mean()
    total = float(x @ x)
    lag = 1
    if total > 0:
        while lag < n // 4 and abs(float(x[:-lag] @ x[lag:]) / total) >= 1 / np.sqrt(n):
            lag += 1
    return int(np.clip(3 * lag, 1, max(1, n // 4)))


def _circular_blocks(
    y: np.ndarray, length: int, block: int, size: int, rng: np.random.Generator
) -> np.ndarray:
    """``size`` series of ``length`` periods glued from circular blocks of ``y``."""
    n = len(y)
    starts = rng.integers(0, n, size=(size, -(-length // block)))
    index = (starts[:, :, None] + np.arange(block)) % n
    return y[index.reshape(size, -1)[:, :length]]


def _alarm_rate(increments: np.ndarray, h: float) -> float:
    """False alerts per period of CUSUMs (one per row) restarted after each alert."""
    s = np.zeros(increments.shape[0])
    alarms = 0
    for t in range(increments.shape[1]):
        s = np.maximum(0.0, s + increments[:, t])
        hit = s > h
        alarms += int(hit.sum())
        s[hit] = 0.0
    return alarms / increments.size


def _bootstrap_h(
    reference: np.ndarray, shift: float, arl0: float, n_bootstrap: int, seed: int
) -> tuple[float, int]:
    """Decision interval whose bootstrap false-alert rate is at most 1 / arl0.

    Each replicate draws a reference period from the reference counts by a
    circular block bootstrap (keeping their autocorrelation), estimates the
    in-control mean and alpha from it as the chart does, and runs that chart
    on another block-bootstrap path of the reference: the rate counts the
    error of the estimated mean and dispersion as well as overdispersion and
    autocorrelation. Returns h and the block length.
    """
    rng = np.random.default_rng(seed)
    n = len(reference)
    block = _block_length(reference)
    samples = _circular_blocks(reference, n, block, n_bootstrap, rng)
    means = samples.mean(axis=1)
    alphas = _moment_alpha(samples)
    keep = means > 0
    ks = np.array(
        [_nb_reference_value(m, a, shift) for m, a in zip(means[keep], alphas[keep], strict=True)]
    )
    length = int(np.ceil(max(200 * arl0 / keep.sum(), 2 * arl0)))
    paths = _circular_blocks(reference, length, block, int(keep.sum()), rng)
    increments = paths - ks[:, None]
    target = 1.0 / arl0
    low, high = 0.0, max(1.0, float(reference.std()))
    while _alarm_rate(increments, high) > target:
        low, high = high, 2 * high
        if high > 1e6:
            raise ValueError(f"arl0={arl0:g} cannot be reached; give h instead")
    for _ in range(30):
        middle = (low + high) / 2
        if _alarm_rate(increments, middle) > target:
            low = middle
        else:
            high = middle
        if high - low < 1e-3 * high:
            break
    return high, block


def _nb_cusum(
    counts: np.ndarray,
    reference: int | None,
    shift: float,
    h: float | None,
    arl0: float,
    n_bootstrap: int,
    seed: int,
    in_control_mean: float | None = None,
    nb_alpha: float | None = None,
) -> tuple[dict[str, np.ndarray], float, dict[str, Any]]:
    if not shift > 1:
        raise ValueError(f"shift must be above 1 (the rise to detect), not {shift!r}")
    n = len(counts)
    if reference is None:
        reference = min(365, n // 2)
    if not isinstance(reference, int | np.integer) or reference < 1:
        raise ValueError(f"reference must be a positive integer, not {reference!r}")
    if reference < _MIN_NB_REFERENCE or n <= reference:
        raise EventDataError(
            f"the negative-binomial CUSUM estimates its in-control mean, dispersion and "
            f"threshold from a reference period of at least {_MIN_NB_REFERENCE} periods and "
            f"monitors the rest: the series has {n} periods, reference={reference}"
        )
    base = counts[:reference]
    mu0 = float(base.mean()) if in_control_mean is None else float(in_control_mean)
    if not mu0 > 0:
        raise EventDataError("no events in the reference periods: nothing to compare with")
    alpha = float(_moment_alpha(base)) if nb_alpha is None else float(nb_alpha)
    if not alpha >= 0:
        raise ValueError(f"nb_alpha must be non-negative, not {nb_alpha!r}")
    k = float(_nb_reference_value(mu0, alpha, shift))
    block = None
    if h is None:
        if not arl0 > 1:
            raise ValueError(f"arl0 must be above 1 period, not {arl0!r}")
        h, block = _bootstrap_h(base.astype(float), shift, arl0, n_bootstrap, seed)
        target: float | None = float(arl0)
    else:
        target = None
        if not h > 0:
            raise ValueError(f"h must be positive, not {h!r}")
    statistic, upper = _run_cusum(counts, reference, k, float(h))
    mean = np.where(np.arange(n) >= reference, mu0, np.nan)
    columns = _columns(counts, mean, np.full(n, np.nan), statistic, float(h), upper)
    parameters = {
        "in_control_mean": mu0,
        "alpha": alpha,
        "shift": float(shift),
        "k": k,
        "h": float(h),
        "arl0": target,
        "reference": int(reference),
        "block_length": block,
        "n_bootstrap": int(n_bootstrap) if target is not None else None,
    }
    return columns, float(h), parameters
