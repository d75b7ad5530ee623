"""Multiple-testing corrections, NaN-aware, through statsmodels' ``multipletests``.

The analysis layer's one way to adjust a family of p-values: missing p-values (tests not
run: a province alone in its country, a unit without events) stay missing and do not count
among the ``m`` tests corrected for. statsmodels is imported when a correction runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["adjust_pvalues", "benjamini_hochberg"]


def adjust_pvalues(
    pvalues: Sequence[float] | np.ndarray | pd.Series, method: str = "fdr_bh"
) -> np.ndarray:
    """P-values adjusted for multiple testing by ``multipletests``, NaN left out.

    Parameters
    ----------
    pvalues : array-like of float
        Raw p-values; NaN entries are masked: they stay NaN and are not counted.
    method : str
        A ``statsmodels.stats.multitest.multipletests`` method: ``"fdr_bh"``
        (Benjamini-Hochberg), ``"holm"``, ``"bonferroni"``, ...

    Returns
    -------
    numpy.ndarray
        The adjusted p-values, of the input's shape.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, float("nan")], "bonferroni").round(3).tolist()
    [0.02, 0.08, nan]
    """
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(pvalues, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    present = ~np.isnan(p)
    if present.any():
        adjusted[present] = multipletests(p[present], method=method)[1]
    return adjusted


def benjamini_hochberg(pvalues: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values; missing p-values stay missing.

    Parameters
    ----------
    pvalues : array-like of float
        Raw p-values; NaN entries are left out of the adjustment (they do not
        count among the ``m`` tests).

    Returns
    -------
    numpy.ndarray
        ``p_adj[i] = min over j with p[j] >= p[i] of m * p[j] / rank(p[j])``,
        capped at 1 (statsmodels' ``multipletests(method="fdr_bh")``).

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, float("nan")]).round(3).tolist()
    [0.03, 0.04, 0.04, nan]
    """
    return adjust_pvalues(pvalues, "fdr_bh")
