"""What the per-province analyses share: reading and shaping the events, and their tests' parts.

:func:`prepare` reads the events (from a frame or a store), normalises names, drops rows
without a unit or group and lists every unit analysed; :func:`period_matrix` counts them per
unit and period, zeros included; :func:`shares` gives each unit's expected share. The
dispersion helpers (:func:`pearson_dispersion`, :func:`floor_dispersion`) and the p-values of
a chi-square-type statistic (:func:`scaled_pvalues`) serve both the frequency test and the
period comparison.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from eventdata.core.admin1 import Admin1Normalization, Admin1Warning, admin1_names, normalize_admin1
from eventdata.core.admin1 import covered_countries as _covered_countries
from eventdata.core.errors import DispersionWarning, EventDataError, InsufficientDataError
from eventdata.core.options import require_columns
from eventdata.core.warn import warn_at_caller
from eventdata.events.counts import counts
from eventdata.store import EventStore, group_codes, is_stored, read_columns

__all__ = [
    "WITHIN",
    "DateLike",
    "Prepared",
    "Value",
    "check_options",
    "floor_dispersion",
    "monte_carlo_pvalue",
    "one_warning_per_kind",
    "pearson_dispersion",
    "period_matrix",
    "prepare",
    "scaled_pvalues",
    "shares",
]

Value = Literal["events", "fatalities"]
DateLike = str | pd.Timestamp
WITHIN = "_within"  # the grouping column used when ``within=None``


def pearson_dispersion(matrix: np.ndarray) -> tuple[float, int]:
    """Pearson chi-square of a units-by-periods table around independence, and its df.

    Rows and columns without counts carry no information and are left out.
    """
    m = matrix[matrix.sum(axis=1) > 0][:, matrix.sum(axis=0) > 0]
    if m.shape[0] < 2 or m.shape[1] < 2:
        return np.nan, 0
    fitted = np.outer(m.sum(axis=1), m.sum(axis=0)) / m.sum()
    return float(np.sum((m - fitted) ** 2 / fitted)), (m.shape[0] - 1) * (m.shape[1] - 1)


@contextlib.contextmanager
def one_warning_per_kind(category: type[Warning]) -> Iterator[None]:
    """Warnings of ``category`` raised per country, said once each with the countries named.

    The per-country messages start with ``"<column>=<value>: "``; a global export
    would otherwise print the same sentence for a hundred countries.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    grouped: dict[tuple[str, str], list[str]] = {}
    for item in caught:
        text = str(item.message)
        where, _, rest = text.partition(": ")
        if not issubclass(item.category, category) or "=" not in where or not rest:
            warn_at_caller(text, item.category)
            continue
        column, _, place = where.partition("=")
        grouped.setdefault((column, rest), []).append(place)
    for (column, rest), places in grouped.items():
        named = ", ".join(places[:8]) + (f" and {len(places) - 8} more" if len(places) > 8 else "")
        kind = "countries" if column == "country" else f"{column} groups"
        warn_at_caller(f"{len(places)} {kind} ({named}): {rest}", category)


def floor_dispersion(chi2: float, df: int, where: str) -> float:
    """The quasi-Poisson dispersion ``chi2 / df``, at least 1 (1, with a warning, without df)."""
    if df <= 0 or not np.isfinite(chi2):
        warnings.warn(
            f"{where}: too few periods or units to estimate the extra-Poisson variation; "
            "tests assume Poisson counts (use a finer freq or a longer series).",
            DispersionWarning,
            stacklevel=3,
        )
        return 1.0
    return max(1.0, chi2 / df)


def monte_carlo_pvalue(observed: float, simulated: np.ndarray) -> float:
    """(1 + #{simulated >= observed}) / (1 + n), allowing for rounding in the statistic."""
    hits = np.sum(simulated >= observed - 1e-9 * max(1.0, abs(observed)))
    return float((1 + hits) / (1 + len(simulated)))


# --------------------------------------------------------------------------- preparing data


@dataclass(frozen=True)
class Prepared:
    events: pd.DataFrame
    within: str
    groups: pd.DataFrame  # within, by: every province analysed
    normalization: Admin1Normalization | None
    n_missing: int


def _stored_events(
    events: pd.DataFrame | str | os.PathLike | EventStore, columns: Sequence[str]
) -> pd.DataFrame:
    """The events; from a store, only the columns a province analysis reads."""
    if not is_stored(events):
        return events
    needed = ["event_id_cnty", "event_date", "time_precision", "fatalities", *columns]
    return read_columns(events, [], optional=needed)  # missing ones: named by the checks later


def prepare(
    events: pd.DataFrame | str | os.PathLike | EventStore,
    by: str,
    within: str | None,
    normalize: bool,
    complete: bool,
    extra: pd.DataFrame | None = None,
) -> Prepared:
    events = _stored_events(events, [by, *([within] if within is not None else [])])
    require_columns(events, by, "event_date", within)
    normalization = None
    if normalize:
        normalization = normalize_admin1(events, column=by, country_column=within)
        events = normalization.events
    if within is None:
        within = WITHIN
        events = events.assign(**{WITHIN: "all"})
    known = (events[within].notna() & events[by].notna()).to_numpy(dtype=bool)
    n_missing = int((~known).sum())
    if n_missing:
        events = events.loc[known]
    if events.empty:
        raise InsufficientDataError(
            f"no events with both {within} and {by} to compare ({n_missing} rows lack one)"
        )
    columns = [within, by]
    grouped = group_codes(events, columns)
    # one row of each (within, by) pair, when group_codes finds them faster than pandas
    distinct = events[columns] if grouped is None else events[columns].iloc[grouped[1]]
    groups = distinct.astype("string").drop_duplicates()
    if extra is not None:
        groups = pd.concat([groups, extra[columns].astype("string")]).drop_duplicates()
    if complete and by == "admin1" and within == "country":
        groups = _complete(groups)
    groups = groups.sort_values(columns, kind="stable").reset_index(drop=True)
    return Prepared(events, within, groups, normalization, n_missing)


def _complete(groups: pd.DataFrame) -> pd.DataFrame:
    """Add the covered countries' provinces that have no events, when names are canonical."""
    covered = set(_covered_countries())
    added = []
    for country, seen in groups.groupby("country", sort=True)["admin1"]:
        if country not in covered:
            continue
        canonical = admin1_names(country)["admin1"].unique()
        strange = sorted(set(seen) - set(canonical))
        if strange:
            warnings.warn(
                f"{country}: admin1 names {strange} are not ACLED's canonical spellings, so "
                "provinces without events cannot be added with zero counts; pass "
                "normalize=True (or call ed.normalize_admin1 first).",
                Admin1Warning,
                stacklevel=4,
            )
            continue
        absent = sorted(set(canonical) - set(seen))
        added.append(pd.DataFrame({"country": country, "admin1": absent}, dtype="string"))
    return pd.concat([groups, *added], ignore_index=True)


def period_matrix(
    events: pd.DataFrame,
    groups: pd.DataFrame,
    within: str,
    by: str,
    *,
    freq: str,
    value: Value,
    start: DateLike | None = None,
    end: DateLike | None = None,
) -> pd.DataFrame:
    """Counts per province (rows: within, by) and period (columns), zeros included.

    Events dated less precisely than ``freq`` are counted on the date coded: for
    totals and their variation over periods this is what one wants.
    """
    if len(events):
        table = counts(
            events, freq=freq, by=[within, by], value=value, start=start, end=end, precision="keep"
        )
        name = "count" if value == "events" else "fatalities"
        table[within] = table[within].astype("string")
        table[by] = table[by].astype("string")
        wide = table.pivot_table(
            index=[within, by], columns="date", values=name, aggfunc="sum", fill_value=0
        )
        uncovered = table.loc[table[name].isna(), "date"].unique()  # not zeros: no data
    else:
        wide, uncovered = pd.DataFrame(), []
    index = pd.MultiIndex.from_frame(groups[[within, by]])
    if start is not None and end is not None:
        # the full calendar of the period, even when its first or last periods are empty
        calendar = counts(
            pd.DataFrame({"event_date": pd.to_datetime([start])}), freq=freq, start=start, end=end
        )["date"]
        wide = wide.reindex(columns=pd.DatetimeIndex(calendar), fill_value=0)
    wide = wide.reindex(index, fill_value=0).drop(columns=uncovered, errors="ignore")
    wide.columns.name = "date"
    return wide.astype(float)


def shares(
    prepared: Prepared,
    exposure: pd.Series | pd.DataFrame | None,
    by: str,
    within: str,
    value: Value,
) -> tuple[pd.Series, str]:
    """Expected share of each province within its group, and what it is proportional to."""
    index = pd.MultiIndex.from_frame(prepared.groups[[within, by]])
    if exposure is None:
        weight = pd.Series(1.0, index=index)
        kind = "uniform"
    elif isinstance(exposure, pd.DataFrame):
        base = exposure
        if prepared.normalization is not None:
            base = normalize_admin1(base, column=by, country_column=within).events
        if within == WITHIN:
            base = base.assign(**{WITHIN: "all"})
        base = base[[within, by, *(["fatalities"] if value == "fatalities" else [])]].dropna(
            subset=[within, by]
        )
        keys = [base[within].astype("string"), base[by].astype("string")]
        if value == "events":
            totals = base.groupby(keys).size()
        else:
            totals = base["fatalities"].astype(float).groupby(keys).sum()
        weight = totals.reindex(index, fill_value=0).astype(float)
        kind = "baseline"
    elif isinstance(exposure, pd.Series):
        if isinstance(exposure.index, pd.MultiIndex):
            exposure = exposure.copy()
            exposure.index = exposure.index.set_levels(
                [level.astype("string") for level in exposure.index.levels]
            )
            weight = exposure.reindex(index)
        else:
            exposure = exposure.copy()
            exposure.index = exposure.index.astype("string")
            weight = pd.Series(exposure.reindex(index.get_level_values(1)).to_numpy(), index=index)
        weight = weight.astype(float)
        lacking = weight.index[weight.isna()]
        if len(lacking):
            raise EventDataError(
                f"exposure lacks a value for {[b for _, b in lacking]} (index it by {by!r} "
                f"or by ({within!r}, {by!r}))"
            )
        if (weight < 0).any() or not np.isfinite(weight).all():
            raise EventDataError("exposure must be finite and non-negative")
        kind = "exposure"
    else:
        raise TypeError("exposure must be None, a Series of weights, or a DataFrame of events")
    totals = weight.groupby(level=0).transform("sum")
    share = (weight / totals.where(totals > 0)).fillna(0.0)
    return share, kind


def scaled_pvalues(
    value: float, df: int, phi: float, df_phi: int, simulated: np.ndarray | None
) -> dict[str, object]:
    """P-values of a chi-square-type statistic: as it is, and scaled by the dispersion phi.

    With ``simulated`` statistics (small expected counts) both are Monte Carlo
    p-values, of ``value`` and of ``value / phi``; otherwise chi-square, and F
    with ``df_phi`` denominator degrees of freedom for the scaled one (Pearson's
    quasi-likelihood F test), or chi-square of ``value / phi`` when phi had no
    degrees of freedom.
    """
    if simulated is not None:
        return {
            "pvalue": monte_carlo_pvalue(value, simulated),
            "pvalue_method": f"monte carlo ({len(simulated)})",
            "pvalue_scaled": monte_carlo_pvalue(value / phi, simulated),
        }
    from scipy import stats

    if df_phi > 0:
        scaled = float(stats.f.sf(value / df / phi, df, df_phi))
    else:
        scaled = float(stats.chi2.sf(value / phi, df))
    return {
        "pvalue": float(stats.chi2.sf(value, df)),
        "pvalue_method": "asymptotic",
        "pvalue_scaled": scaled,
    }


def check_options(value: str, fdr: float, level: float) -> None:
    """Refuse an unknown ``value`` and an FDR or confidence level outside (0, 1)."""
    if value not in ("events", "fatalities"):
        raise ValueError(f"value must be 'events' or 'fatalities', not {value!r}")
    if not 0 < fdr < 1:
        raise ValueError(f"fdr must be between 0 and 1, not {fdr!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level!r}")
