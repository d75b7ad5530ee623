"""Province (admin1) names: one canonical spelling per province, whatever the source wrote.

The same governorate is spelled differently across ACLED vintages, UCDP GED
(transliterated with diacritics and a " province" suffix), gazetteers and news:
"Deir-ez-Zor", "Deir ez Zor", "Dayr az Zawr", "Deir al-Zor"; "Ninewa",
"Nineveh", "Nīnawá province"; "At-Ta'mim province" is Kirkuk under its old name.
Counting per province with mixed spellings splits one province into several.

:func:`normalize_admin1` maps every spelling in the names table
(``eventdata/datasets/data/admin1_names.csv``) to the canonical name, ACLED's
spelling of 2020 as in :mod:`eventdata.datasets.geography`, for the 18
governorates of Iraq and the 14 of Syria. Matching compares a *key* of each
name (:func:`admin1_key`): diacritics removed (Unicode NFKD), case folded,
apostrophes dropped, hyphens and spaces ignored, a leading Arabic article
("Al", "Ar", "As", ...) and a trailing "province" or "governorate" removed.

The table's ``source`` column says where each spelling comes from:
``acled-2020`` (canonical), ``ucdp-ged`` (seen in the UCDP GED extract for Iraq
that HDX republishes), ``ged-style (unchecked)`` (Syrian names written in GED's
transliteration but not checked against a GED file), ``variant`` (common English
spellings, other ACLED vintages) and ``arabic``.

Examples
--------
>>> import pandas as pd
>>> raw = pd.DataFrame({"country": ["Iraq", "Iraq", "Syria"],
...                     "admin1": ["Nīnawá province", "At-Ta'mim province", "Dayr az Zawr"]})
>>> result = normalize_admin1(raw)
>>> result.events["admin1"].tolist()
['Ninewa', 'Kirkuk', 'Deir-ez-Zor']
>>> result.n_mapped
3
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

import pandas as pd

from eventdata.core.errors import Admin1Warning
from eventdata.core.options import require_columns

__all__ = [
    "Admin1Normalization",
    "Admin1Warning",
    "admin1_key",
    "admin1_names",
    "canonical_admin1",
    "normalize_admin1",
]

_TABLE = "admin1_names.csv"
# Words that only decorate a name: a leading Arabic article, a trailing unit word.
_ARTICLES = frozenset({"al", "el", "an", "ar", "as", "at", "ad", "adh", "az", "ash", "ath"})
_UNIT_WORDS = frozenset({"province", "governorate", "muhafazah", "muhafazat"})
# Apostrophes and the letters transliterations use for ayn and hamza.
_APOSTROPHES = re.compile("['`´‘’ʼʻʾʿ]")
_WORDS = re.compile(r"[^\W_]+")

#: Status of a name in the report of :func:`normalize_admin1`.
STATUSES = ("canonical", "mapped", "unknown", "country not covered", "missing")


def admin1_key(name: str) -> str:
    """The matching key of a province name: what survives spelling differences.

    Parameters
    ----------
    name : str
        A province name as a source wrote it.

    Returns
    -------
    str
        Lower-case letters and digits only, without diacritics, apostrophes,
        separators, a leading Arabic article or a trailing "province"/"governorate".

    Examples
    --------
    >>> admin1_key("Al Başrah  province"), admin1_key("Basrah")
    ('basrah', 'basrah')
    >>> admin1_key("Deir-ez-Zor") == admin1_key("Deir ez Zor")
    True
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    words = _WORDS.findall(_APOSTROPHES.sub("", text))
    while len(words) > 1 and words[-1] in _UNIT_WORDS:
        words.pop()
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return "".join(words)


@cache
def _table() -> pd.DataFrame:
    path = resources.files("eventdata.datasets") / "data" / _TABLE
    with path.open(encoding="utf-8") as handle:
        table = pd.read_csv(handle, dtype=str, keep_default_na=False)
    table["key"] = table["variant"].map(admin1_key)
    return table


@cache
def _lookup() -> MappingProxyType[tuple[str, str], str]:
    """(country key, name key) -> canonical name."""
    table = _table()
    pairs = zip(table["country"].map(admin1_key), table["key"], strict=True)
    return MappingProxyType(dict(zip(pairs, table["admin1"], strict=True)))


def admin1_names(country: str | None = None) -> pd.DataFrame:
    """The names table: every known spelling of every province, with its canonical name.

    Parameters
    ----------
    country : str, optional
        Keep one country's rows ("Iraq", "Syria").

    Returns
    -------
    pandas.DataFrame
        Columns ``country``, ``admin1`` (canonical), ``variant``, ``source`` and
        ``key`` (see :func:`admin1_key`).

    Examples
    --------
    >>> names = admin1_names("Iraq")
    >>> names["admin1"].nunique()
    18
    >>> names.loc[names["variant"] == "At-Ta'mim province", "admin1"].item()
    'Kirkuk'
    """
    table = _table()
    if country is not None:
        table = table[table["country"].map(admin1_key) == admin1_key(country)]
    return table.reset_index(drop=True).copy()


def canonical_admin1(name: str, country: str) -> str | None:
    """The canonical spelling of one province name, or None when it is not known.

    Examples
    --------
    >>> canonical_admin1("Şalāḩ ad Dīn province", "Iraq")
    'Sala al-Din'
    >>> canonical_admin1("Atlantis", "Iraq") is None
    True
    """
    return _lookup().get((admin1_key(country), admin1_key(name)))


def covered_countries() -> tuple[str, ...]:
    """Countries the names table covers, as spelled in it.

    Examples
    --------
    >>> covered_countries()
    ('Iraq', 'Syria')
    """
    return tuple(sorted(_table()["country"].unique()))


@dataclass(frozen=True, eq=False)
class Admin1Normalization:
    """The outcome of :func:`normalize_admin1`.

    Attributes
    ----------
    events : pandas.DataFrame
        A copy of the input with canonical names in the admin1 column.
    report : pandas.DataFrame
        One row per distinct (country, name) in the input: ``country``,
        ``original``, ``admin1`` (the name now in the data), ``status`` (one of
        "canonical", "mapped", "unknown", "country not covered", "missing") and
        ``rows``.
    column : str
        The column that was normalised.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"country": ["Syria"] * 3,
    ...                     "admin1": ["Dayr Az Zawr", "Deir-ez-Zor", "Aleppo"]})
    >>> out = normalize_admin1(raw)
    >>> out.events["admin1"].tolist()
    ['Deir-ez-Zor', 'Deir-ez-Zor', 'Aleppo']
    >>> out.n_mapped, out.n_unknown
    (1, 0)
    """

    events: pd.DataFrame
    report: pd.DataFrame
    column: str

    def _rows(self, status: str) -> int:
        return int(self.report.loc[self.report["status"] == status, "rows"].sum())

    @property
    def n_mapped(self) -> int:
        """Rows whose name was changed to its canonical spelling."""
        return self._rows("mapped")

    @property
    def n_unknown(self) -> int:
        """Rows whose name is not in the table of a covered country (left unchanged)."""
        return self._rows("unknown")

    @property
    def unknown(self) -> list[str]:
        """Distinct unknown names, for a warning or a fix."""
        return self.report.loc[self.report["status"] == "unknown", "original"].tolist()

    def to_frame(self) -> pd.DataFrame:
        """The report (a copy)."""
        return self.report.copy()

    def summary(self) -> str:
        """The report in words."""
        counts = self.report.groupby("status")["rows"].sum()
        lines = [f"admin1 names in column {self.column!r}: {len(self.events)} rows"]
        lines += [f"  {status}: {int(counts.get(status, 0))} rows" for status in STATUSES]
        mapped = self.report[self.report["status"] == "mapped"]
        lines += [
            f"  {o!r} -> {a!r}" for o, a in zip(mapped["original"], mapped["admin1"], strict=True)
        ]
        if self.unknown:
            lines.append(f"  unknown, left as they were: {self.unknown}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<pre>{_escape(self.summary())}</pre>" + self.report.to_html(index=False)


def normalize_admin1(
    events: pd.DataFrame,
    *,
    column: str = "admin1",
    country_column: str | None = "country",
) -> Admin1Normalization:
    """Replace every known spelling of a province by its canonical (ACLED 2020) name.

    Parameters
    ----------
    events : pandas.DataFrame
        Incident records (not modified).
    column : str
        The column of province names.
    country_column : str or None
        The country of each row; names are matched within their country. With
        None, a name is matched when it belongs to exactly one covered country.

    Returns
    -------
    Admin1Normalization
        ``.events`` (a new frame) and ``.report`` (which names were mapped,
        already canonical, unknown, in countries the table does not cover, or missing).

    Warns
    -----
    Admin1Warning
        When names of a covered country (Iraq, Syria) are not in the table; they
        are left as they were and listed in the report.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"country": ["Iraq", "Iraq", "Afghanistan"],
    ...                     "admin1": ["Al Anbār province", "Anbar", "Kabul"]})
    >>> out = normalize_admin1(raw)
    >>> out.report[["original", "admin1", "status"]].values.tolist()
    [['Kabul', 'Kabul', 'country not covered'],
     ['Al Anbār province', 'Anbar', 'mapped'],
     ['Anbar', 'Anbar', 'canonical']]
    """
    require_columns(events, column, country_column)
    names = events[column]
    countries = (
        events[country_column].astype("string")
        if country_column is not None
        else pd.Series(pd.NA, index=events.index, dtype="string")
    )
    pairs = pd.DataFrame({"country": countries, "original": names.astype("string")})
    report = pairs.value_counts(dropna=False, sort=False).rename("rows").reset_index()
    lookup = _lookup()
    covered = {admin1_key(c) for c in covered_countries()}
    anywhere = _unambiguous_anywhere()
    canonical, status = [], []
    for country, original in zip(report["country"], report["original"], strict=True):
        if pd.isna(original):
            canonical.append(original)
            status.append("missing")
            continue
        key = admin1_key(original)
        if pd.isna(country):
            found = anywhere.get(key)
            in_scope = found is not None
        else:
            found = lookup.get((admin1_key(country), key))
            in_scope = admin1_key(country) in covered
        if found is None:
            canonical.append(original)
            status.append("unknown" if in_scope or pd.isna(country) else "country not covered")
        else:
            canonical.append(found)
            status.append("canonical" if found == original else "mapped")
    report["admin1"] = pd.array(canonical, dtype="string")
    report["status"] = status
    report = report.sort_values(["country", "original"], kind="stable", na_position="last")
    report = report[["country", "original", "admin1", "status", "rows"]].reset_index(drop=True)

    out = events.copy()
    changed = report[report["status"] == "mapped"]
    if len(changed):
        categorical = isinstance(names.dtype, pd.CategoricalDtype)
        new = names.astype("string") if categorical else names.copy()
        as_text = names.astype("string")
        for country, original, name in zip(
            changed["country"], changed["original"], changed["admin1"], strict=True
        ):
            rows = as_text.eq(original).fillna(False)
            if not pd.isna(country):
                rows &= countries.eq(country).fillna(False)
            new[rows.to_numpy(dtype=bool)] = name
        out[column] = new.astype("category") if categorical else new
    result = Admin1Normalization(events=out, report=report, column=column)
    if result.unknown:
        warnings.warn(
            f"{len(result.unknown)} admin1 name(s) are not in eventdata's names table and "
            f"were left as they were: {result.unknown}. Check their spelling, or count them "
            "as their own provinces knowingly.",
            Admin1Warning,
            stacklevel=2,
        )
    return result


@cache
def _unambiguous_anywhere() -> MappingProxyType[str, str]:
    """Name key -> canonical name, for keys that belong to one country only."""
    table = _table()
    owners = table.groupby("key")["country"].nunique()
    single = table[table["key"].isin(owners[owners == 1].index)]
    return MappingProxyType(dict(zip(single["key"], single["admin1"], strict=True)))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
