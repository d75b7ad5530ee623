"""The per-period table every escalation detector fills (EARS, CUSUMs, Farrington)."""

from __future__ import annotations

import numpy as np

__all__ = ["COLUMNS", "alert_columns"]

COLUMNS = [
    "count",
    "baseline_mean",
    "baseline_sd",
    "statistic",
    "threshold",
    "upper_bound",
    "alert",
]


def alert_columns(
    counts: np.ndarray,
    mean: np.ndarray,
    sd: np.ndarray,
    statistic: np.ndarray,
    limit: float,
    upper: np.ndarray,
) -> dict[str, np.ndarray]:
    """The per-period table every detector fills: a period alerts when its statistic
    exceeds ``limit`` (NaN statistics, periods without enough history, never do)."""
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
