"""EARS C1, C2 and C3 (Hutwagner et al. 2003; definitions as in Fricker et al. 2008).

The statistic of a period is its count standardised by the mean and standard deviation of a
7-period baseline (C1: just before it; C2: after a 2-period guard band); C3 sums the C2
exceedances of the last three periods. See :mod:`eventdata.analysis.alerts`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from eventdata.analysis._alert_columns import alert_columns
from eventdata.core.errors import EventDataError

__all__ = ["GUARD", "THRESHOLD", "ears_detector"]

GUARD = {"ears-c1": 0, "ears-c2": 2, "ears-c3": 2}
THRESHOLD = {"ears-c1": 3.0, "ears-c2": 3.0, "ears-c3": 2.0}


def ears_detector(
    counts: np.ndarray, method: str, baseline: int, threshold: float | None, min_sd: float
) -> tuple[dict[str, np.ndarray], float, dict[str, Any]]:
    """EARS C1, C2 or C3 (``method``): the table's columns, the threshold, the parameters."""
    if not isinstance(baseline, int | np.integer) or baseline < 2:
        raise ValueError(f"baseline must be an integer of at least 2, not {baseline!r}")
    if not min_sd >= 0:
        raise ValueError(f"min_sd must be non-negative, not {min_sd!r}")
    limit = THRESHOLD[method] if threshold is None else float(threshold)
    guard = GUARD[method]
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
    columns = alert_columns(counts, mean, sd, statistic, limit, upper)
    return columns, limit, {"baseline": int(baseline), "guard": guard, "min_sd": float(min_sd)}


def _standardised(counts: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """(y - mean) / sd, with 0/0 as 0 and y/0 as +-inf (a flat baseline, no floor)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (counts - mean) / sd
    return np.where((sd == 0) & (counts == mean), 0.0, z)
