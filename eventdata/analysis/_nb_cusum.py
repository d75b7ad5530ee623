"""The negative-binomial CUSUM with a block-bootstrap threshold.

The CUSUM of the NB2 log-likelihood ratio of ``shift * mu0`` against ``mu0`` (R
``surveillance::glrnb`` with ``theta`` given), in events; ``mu0`` and the NB2 dispersion
(the Pearson moment estimate of :func:`eventdata.analysis._glm.nb2_dispersion`) from a
reference period, and ``h`` from a circular block bootstrap of it. See
:mod:`eventdata.analysis.alerts`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from eventdata.analysis._alert_columns import alert_columns
from eventdata.analysis._cusum import reference_value, run_cusum
from eventdata.analysis._glm import nb2_dispersion
from eventdata.core.errors import EventDataError
from eventdata.core.options import as_rng

__all__ = ["MIN_NB_REFERENCE", "nb_cusum_detector", "nb_reference_value"]

MIN_NB_REFERENCE = 56


def nb_reference_value(mu0: float, alpha: float, shift: float) -> float:
    """k of the negative-binomial CUSUM: the count where the NB2 log-likelihood ratio is 0.

    The NB2 (variance ``mu + alpha mu^2``) log-likelihood ratio of ``shift mu0``
    against ``mu0`` is ``y a - c`` with ``a = log(shift (r + mu0) / (r + shift mu0))``
    and ``c = r log((r + shift mu0) / (r + mu0))``, ``r = 1 / alpha``; ``k = c / a``.
    alpha = 0 is Lucas's Poisson k.
    """
    if alpha <= 0:
        return reference_value(mu0, shift)
    r = 1.0 / alpha
    mu1 = shift * mu0
    return r * np.log((r + mu1) / (r + mu0)) / np.log(shift * (r + mu0) / (r + mu1))


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
    rng = as_rng(seed)
    n = len(reference)
    block = _block_length(reference)
    samples = _circular_blocks(reference, n, block, n_bootstrap, rng)
    means = samples.mean(axis=1)
    alphas = nb2_dispersion(samples, samples.mean(axis=1, keepdims=True), method="pearson")
    keep = means > 0
    ks = np.array(
        [nb_reference_value(m, a, shift) for m, a in zip(means[keep], alphas[keep], strict=True)]
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


def nb_cusum_detector(
    counts: np.ndarray,
    reference: int | None,
    shift: float,
    h: float | None,
    arl0: float,
    n_bootstrap: int,
    seed: int,
    in_control_mean: float | None = None,
    nb_dispersion: float | None = None,
) -> tuple[dict[str, np.ndarray], float, dict[str, Any]]:
    """The negative-binomial CUSUM: the table's columns, the threshold ``h``, the parameters."""
    if not shift > 1:
        raise ValueError(f"shift must be above 1 (the rise to detect), not {shift!r}")
    n = len(counts)
    if reference is None:
        reference = min(365, n // 2)
    if not isinstance(reference, int | np.integer) or reference < 1:
        raise ValueError(f"reference must be a positive integer, not {reference!r}")
    if reference < MIN_NB_REFERENCE or n <= reference:
        raise EventDataError(
            f"the negative-binomial CUSUM estimates its in-control mean, dispersion and "
            f"threshold from a reference period of at least {MIN_NB_REFERENCE} periods and "
            f"monitors the rest: the series has {n} periods, reference={reference}"
        )
    base = counts[:reference]
    mu0 = float(base.mean()) if in_control_mean is None else float(in_control_mean)
    if not mu0 > 0:
        raise EventDataError("no events in the reference periods: nothing to compare with")
    alpha = (
        float(nb2_dispersion(base, base.mean(), method="pearson"))
        if nb_dispersion is None
        else float(nb_dispersion)
    )
    if not alpha >= 0:
        raise ValueError(f"nb_dispersion must be non-negative, not {nb_dispersion!r}")
    k = float(nb_reference_value(mu0, alpha, shift))
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
    statistic, upper = run_cusum(counts, reference, k, float(h))
    mean = np.where(np.arange(n) >= reference, mu0, np.nan)
    columns = alert_columns(counts, mean, np.full(n, np.nan), statistic, float(h), upper)
    parameters = {
        "in_control_mean": mu0,
        "nb_dispersion": alpha,
        "shift": float(shift),
        "k": k,
        "h": float(h),
        "arl0": target,
        "reference": int(reference),
        "block_length": block,
        "n_bootstrap": int(n_bootstrap) if target is not None else None,
        "alpha": alpha,  # the old name of nb_dispersion, kept for one release
    }
    return columns, float(h), parameters
