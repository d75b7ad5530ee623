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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from eventdata import plot
from eventdata.analysis._alert_columns import COLUMNS
from eventdata.analysis._cusum import cusum_detector
from eventdata.analysis._deprecation import renamed_attribute, renamed_keyword
from eventdata.analysis._ears import GUARD, ears_detector
from eventdata.analysis._farrington import (
    FARRINGTON_DEFAULTS,
    farrington_detector,
    is_weekly,
    season_of,
)
from eventdata.analysis._nb_cusum import nb_cusum_detector
from eventdata.core.errors import EventDataError
from eventdata.core.periods import format_label, label_name
from eventdata.core.result import Result
from eventdata.events.series import check_counts, check_regular, count_series

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["FARRINGTON_DEFAULTS", "EscalationAlerts", "escalation_alerts"]

Method = Literal["ears-c1", "ears-c2", "ears-c3", "cusum", "nb-cusum", "farrington"]
METHODS = ("ears-c1", "ears-c2", "ears-c3", "cusum", "nb-cusum", "farrington")


@dataclass(frozen=True, eq=False, slots=True)
class EscalationAlerts(Result):
    """Per-period detector output and the parameters it ran with.

    Attributes
    ----------
    method : str
        ``"ears-c1"``, ``"ears-c2"``, ``"ears-c3"``, ``"cusum"``, ``"nb-cusum"`` or
        ``"farrington"``.
    threshold : float
        The statistic's alert threshold (3 for C1 and C2, 2 for C3, ``h`` for the
        CUSUMs, 1 for Farrington's score).
    parameters : dict
        Everything else the detector used: EARS ``baseline``, ``guard``,
        ``min_sd``; CUSUM ``in_control_mean``, ``shift``, ``k``, ``h``,
        ``arl0`` (None when ``h`` was given) and ``reference`` periods; the
        negative-binomial CUSUM also ``nb_dispersion`` (its NB2 alpha; for one
        release also under the old key ``alpha``), ``block_length`` and
        ``n_bootstrap``; Farrington its options, ``alpha`` (the tail
        probability of the threshold) and per period ``dispersion``,
        ``trend_used`` and ``pvalue``.
    table : pandas.DataFrame
        One row per period (``frame`` is its deprecated name): the index label
        (``date`` for dates), ``count``,
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
    table: pd.DataFrame = field(repr=False)

    frame = renamed_attribute("frame", "table")

    @property
    def n_alerts(self) -> int:
        """How many periods alert."""
        return int(self.table["alert"].sum())

    @property
    def alerts(self) -> pd.Index:
        """Labels of the periods that alert."""
        return pd.Index(self.table.loc[self.table["alert"], self.table.columns[0]])

    def to_frame(self) -> pd.DataFrame:
        """The per-period table (a copy): see ``table``."""
        return self.table.copy()

    def summary(self) -> str:
        """A few lines of text: the detector, its parameters and the alerts."""
        monitored = int(self.table["statistic"].notna().sum())
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
        alerting = self.table.loc[self.table["alert"]].head(20)
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
                f"alpha {p['nb_dispersion']:.3g} from the first {p['reference']} periods, shift "
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

    def _headline_dict(self) -> dict[str, Any]:
        """The detector, its threshold and parameters, and the periods that alert."""
        return {
            "method": self.method,
            "threshold": self.threshold,
            "n_alerts": self.n_alerts,
            "alerts": list(self.alerts),
            # (the negative-binomial CUSUM's old key "alpha" is left to ``parameters``)
            "parameters": {
                key: value
                for key, value in self.parameters.items()
                if not (self.method == "nb-cusum" and key == "alpha")
            },
        }

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Counts with the alert threshold and the alerts marked.

        See :func:`eventdata.plot.alerts`; returns the Axes.
        """
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
    nb_dispersion: float | None = None,
    n_bootstrap: int = 200,
    seed: int = 0,
    nb_alpha: float | None = None,
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
    nb_dispersion : float, optional
        "nb-cusum" NB2 alpha (variance ``mu + alpha mu^2``; 0 is Poisson);
        default estimated from the reference periods.
    n_bootstrap, seed : int
        "nb-cusum" bootstrap replicates for ``h`` and their seed.
    nb_alpha : float, optional
        Deprecated name of ``nb_dispersion``.

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
    nb_dispersion = renamed_keyword(nb_dispersion, nb_alpha, "nb_alpha", "nb_dispersion")
    series = count_series(series)
    _refuse_gaps(series)
    counts = check_counts(series)
    # a baseline of "the last 7 periods" only means that on a zero-filled calendar
    check_regular(series.index)
    chosen = None
    if method is None:
        method, chosen = _default_method(series.index, len(counts), season)
    if method in GUARD:
        detector = ears_detector(counts, method, baseline, threshold, min_sd)
    elif method == "cusum":
        reference = 28 if reference is None else reference
        arl0 = 365.0 if arl0 is None else arl0
        detector = cusum_detector(counts, in_control_mean, reference, shift, h, arl0)
    elif method == "nb-cusum":
        arl0 = 730.0 if arl0 is None else arl0
        detector = nb_cusum_detector(
            counts, reference, shift, h, arl0, n_bootstrap, seed, in_control_mean, nb_dispersion
        )
    elif method == "farrington":
        options = {**FARRINGTON_DEFAULTS, **(farrington or {})}
        unknown = set(options) - set(FARRINGTON_DEFAULTS)
        if unknown:
            raise ValueError(f"unknown farrington options {sorted(unknown)}")
        detector = farrington_detector(
            counts, season_of(series.index, season), alpha, options, surveillance_compatible
        )
    else:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    columns, limit, parameters = detector
    if chosen is not None:
        parameters["default"] = chosen
    columns["count"] = series.to_numpy()  # as given (integers stay integers)
    label = label_name(series.index)
    table = pd.DataFrame({label: series.index, **columns})[[label, *COLUMNS]]
    return EscalationAlerts(method=method, threshold=limit, parameters=parameters, table=table)


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


def _default_method(index: pd.Index, n: int, season: int | None) -> tuple[str, str]:
    """The default detector and why (issue 15: EARS C2 was the default before)."""
    o = FARRINGTON_DEFAULTS
    weekly = season is not None or is_weekly(index)
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
