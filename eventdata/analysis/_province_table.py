"""The result the per-province analyses share: one row per province, flags at an FDR.

:class:`ProvinceTable` holds the table, the per-country rows and the options, and gives the
views (``to_frame``, ``summary``, the notebook view, ``plot``); :func:`finish_table` joins the
countries' rows and adds the Benjamini-Hochberg adjusted p-values and the flags.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eventdata import plot
from eventdata.analysis._deprecation import renamed_attribute
from eventdata.analysis._multiple import benjamini_hochberg
from eventdata.analysis._province_data import WITHIN
from eventdata.core.admin1 import Admin1Normalization
from eventdata.core.result import Result

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["DEPRECATED_COLUMNS", "ProvinceTable", "finish_table", "with_deprecated_columns"]

# Columns renamed in issue 16, kept in ``table`` and ``countries`` for one release under their
# old names (after the others); ``to_frame()`` and ``to_dict()`` have only the new names.
# (A column cannot warn when it is read: code reading ``result.table["ratio"]`` keeps working.)
DEPRECATED_COLUMNS = {"ratio": "rate_ratio", "qvalue": "pvalue_adjusted", "alpha": "nb_dispersion"}


def with_deprecated_columns(frame: pd.DataFrame, *old: str) -> pd.DataFrame:
    """The frame with copies of renamed columns under their old names, at its end."""
    return frame.assign(**{name: frame[DEPRECATED_COLUMNS[name]] for name in old})


def _flags(
    rate_ratio: np.ndarray, adjusted: np.ndarray, fdr: float, words: tuple[str, str, str]
) -> np.ndarray:
    higher, lower, same = words
    flag = np.where(adjusted < fdr, np.where(rate_ratio > 1, higher, lower), same).astype(object)
    flag[np.isnan(adjusted)] = "not tested"
    return flag


def _summary_table(frame: pd.DataFrame, columns: list[str]) -> str:
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        return frame[columns].to_string(index=False, float_format=lambda v: f"{v:.3g}")


@dataclass(frozen=True, repr=False, eq=False, slots=True)
class ProvinceTable(Result):
    """What the per-province results share: the table, the options, the views."""

    table: pd.DataFrame = field()
    countries: pd.DataFrame = field()
    by: str = field()
    within: str = field()
    value: str = field()
    freq: str = field()
    fdr: float = field()
    level: float = field()
    normalization: Admin1Normalization | None = field()
    n_missing: int = field()

    alpha = renamed_attribute("alpha", "fdr")

    def to_frame(self) -> pd.DataFrame:
        """One row per province, as a tidy frame (a copy of ``table``, without the columns
        kept under their old names for one release)."""
        dropped = [c for c in (WITHIN, *DEPRECATED_COLUMNS) if c in self.table.columns]
        return self.table.drop(columns=dropped)

    def summary(self) -> str:
        """The result in words: a headline, a line per country, the provinces flagged."""
        lines = [self._headline()]
        for row in self.countries.itertuples(index=False):
            name = getattr(row, self.within) if self.within != WITHIN else "all"
            lines.append(f"{name}: {self._country_line(row)}")
        words, columns = self._listed()
        shown = self.table if words is None else self.table[self.table["flag"].isin(words)]
        if len(shown):
            keys = [c for c in (self.within, self.by) if c != WITHIN]
            lines += ["flagged:"] if words is not None else []
            lines.append(_summary_table(shown, [*keys, *columns, "pvalue_adjusted", "flag"]))
        else:
            lines.append(f"no province flagged at FDR {self.fdr:g}")
        if self.n_missing:
            lines.append(f"{self.n_missing} events without {self.by} or {self.within} left out")
        if self.normalization is not None:
            names = self.normalization
            lines.append(
                f"{self.by} names normalised: {names.n_mapped} rows renamed to canonical "
                f"spellings; unknown names left as they were: {names.unknown or 'none'}"
            )
        return "\n".join(lines)

    def _options(self) -> dict[str, Any]:
        """The options every per-province result reports in ``to_dict()``."""
        return {
            "by": self.by,
            "within": None if self.within == WITHIN else self.within,
            "value": self.value,
            "freq": self.freq,
            "fdr": self.fdr,
            "level": self.level,
            "n_missing": self.n_missing,
        }

    def _headline(self) -> str:  # pragma: no cover - each result writes its own
        raise NotImplementedError

    def _country_line(self, row: tuple) -> str:  # pragma: no cover
        raise NotImplementedError

    def _listed(self) -> tuple[tuple[str, str] | None, list[str]]:  # pragma: no cover
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.summary())}</pre>" + self.to_frame().to_html(
            index=False, float_format=lambda v: f"{v:.4g}"
        )

    def __repr__(self) -> str:
        return self.summary()

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Rate ratios with intervals, sorted, flagged provinces coloured.

        See :func:`eventdata.plot.provinces`; returns the Axes.
        """
        return plot.provinces(self, ax=ax, **kwargs)


def finish_table(rows: list[pd.DataFrame], fdr: float, words: tuple[str, str, str]) -> pd.DataFrame:
    """One table from the countries' rows, with Benjamini-Hochberg adjusted p-values over
    all of it and flags (``words``: higher, lower, neither), from the ``rate_ratio`` column."""
    table = pd.concat(rows, ignore_index=True)
    table["pvalue_adjusted"] = benjamini_hochberg(table["pvalue"])
    table["flag"] = _flags(
        table["rate_ratio"].to_numpy(), table["pvalue_adjusted"].to_numpy(), fdr, words
    )
    return table
