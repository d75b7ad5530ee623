"""The Poisson CUSUM (Lucas 1985) and its in-control run length (Brook and Evans 1972).

``S_t = max(0, S_{t-1} + y_t - k)`` with Lucas's ``k``, an alert when ``S_t > h`` and a
restart from 0; unless given, ``h`` is the smallest on a fine grid whose in-control average
run length, from the Markov chain of ``S``, reaches ``arl0``. :func:`run_cusum` and
:func:`reference_value` serve the negative-binomial CUSUM too. See
:mod:`eventdata.analysis.alerts`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from eventdata.analysis._alert_columns import alert_columns
from eventdata.core.errors import EventDataError

__all__ = ["cusum_detector", "reference_value", "run_cusum", "run_length"]

# Grid points of the run-length Markov chain per in-control standard deviation
# (or per k, if smaller), and the most in-control states it may have.
_GRID_PER_SD = 20
_MAX_STATES = 4000


def cusum_detector(
    counts: np.ndarray,
    in_control_mean: float | None,
    reference: int,
    shift: float,
    h: float | None,
    arl0: float,
) -> tuple[dict[str, np.ndarray], float, dict[str, Any]]:
    """The Poisson CUSUM: the table's columns, the threshold ``h``, the parameters."""
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
    exact_k = reference_value(mu0, shift)
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
    statistic, upper = run_cusum(counts, start, k, h)
    mean = np.where(np.arange(n) >= start, mu0, np.nan)
    columns = alert_columns(counts, mean, np.full(n, np.nan), statistic, h, upper)
    parameters = {
        "in_control_mean": mu0,
        "shift": float(shift),
        "k": k,
        "h": h,
        "arl0": target,
        "reference": start,
    }
    return columns, h, parameters


def run_cusum(counts: np.ndarray, start: int, k: float, h: float) -> tuple[np.ndarray, np.ndarray]:
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


def reference_value(mu0: float, shift: float) -> float:
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
    while run_length(mu0, k, high, grid) < arl0:
        low, high = high, 2 * high
        if high > _MAX_STATES:
            raise ValueError(
                f"arl0={arl0:g} needs a decision threshold beyond what can be computed here; "
                "give h instead"
            )
    while high - low > 1:
        middle = (low + high) // 2
        if run_length(mu0, k, middle, grid) < arl0:
            low = middle
        else:
            high = middle
    return (high + 0.5) / grid


def run_length(mu0: float, k: float, states: int, grid: int) -> float:
    """In-control ARL from S = 0 of the Poisson CUSUM with h = states / grid.

    S lives on multiples of 1 / grid (k rounded to that grid); states 0..states
    are in control, anything above alerts (Brook and Evans 1972).
    """
    from scipy import stats

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
