"""How the anniversary results read: numbers as text, the notebook view."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "describe_model",
    "format_pvalue",
    "format_ratio",
    "text_table",
    "years_text",
]


def format_pvalue(pvalue: float, *, equals: bool = False) -> str:
    """A p-value as text: ``< 0.0001`` below it, 3 significant digits otherwise.

    ``equals=True`` prefixes ``= `` to a number (``p = 0.03`` but ``p < 0.0001``).

    Examples
    --------
    >>> format_pvalue(3.68e-304), format_pvalue(0.01234, equals=True)
    ('< 0.0001', '= 0.0123')
    """
    if not np.isfinite(pvalue):
        return "not computed" if not equals else "= n/a"
    if pvalue < 1e-4:
        return "< 0.0001"
    return f"{'= ' if equals else ''}{pvalue:.3g}"


def format_ratio(value: float) -> str:
    """A rate ratio or bound as text: a lower limit of zero prints as 0, not 9.4e-14.

    Examples
    --------
    >>> format_ratio(9.4e-14), format_ratio(1.2345), format_ratio(float("inf"))
    ('0', '1.23', 'inf')
    """
    if not np.isfinite(value):
        return "inf" if value > 0 else "n/a"
    if abs(value) < 1e-6:
        return "0"
    return f"{value:.3g}"


def text_table(headline: str, table: pd.DataFrame) -> str:
    """The headline above a table, as text."""
    body = table.to_string(index=False, float_format=lambda x: f"{x:.3g}")
    return f"{headline}\n{body}"


def years_text(years: tuple[int, ...]) -> str:
    """``"7 years (2016-2022)"``, ``"1 year (2020)"``."""
    if len(years) == 1:
        return f"1 year ({years[0]})"
    return f"{len(years)} years ({years[0]}-{years[-1]})"


def describe_model(terms: dict) -> str:
    """The expectation model in words, from its ``model`` dict."""
    trend = "linear trend" if terms["trend_df"] == 1 else f"spline trend ({terms['trend_df']} df)"
    parts = [trend]
    if terms["weekday"]:
        parts.append("day of week")
    if terms["harmonics"]:
        parts.append(f"{terms['harmonics']} yearly harmonic pair(s)")
    return f"Poisson model on {terms['n_days']} days: " + ", ".join(parts)
