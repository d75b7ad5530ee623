"""First-level administrative units of Iraq and Syria, as ACLED spelled them (2020 exports).

Each province has its capital (the location the simulator codes), the capital's
approximate coordinates, and a relative activity weight: roughly the share of
ACLED events each province had in 2019-2021, used by the simulator's
"realistic" province mix. :func:`admin1_lines` gives the bundled province
boundaries of these countries and their neighbours, for maps.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from importlib import resources
from types import MappingProxyType
from typing import NamedTuple

import pandas as pd

from eventdata.core.errors import EventDataError
from eventdata.core.options import check_known

__all__ = ["COUNTRIES", "Province", "admin1_lines"]

_DATA = resources.files("eventdata.datasets") / "data"


class Province(NamedTuple):
    """One admin1 unit: ACLED name, capital, capital coordinates, activity weight."""

    admin1: str
    capital: str
    latitude: float
    longitude: float
    weight: float


class Country(NamedTuple):
    """A country: ISO 3166 numeric and alpha-3 codes, ACLED region, provinces."""

    iso: int
    iso3: str
    region: str
    provinces: tuple[Province, ...]


COUNTRIES: MappingProxyType[str, Country] = MappingProxyType(
    {
        "Iraq": Country(
            368,
            "IRQ",
            "Middle East",
            (
                Province("Anbar", "Ramadi", 33.4206, 43.3078, 9),
                Province("Babylon", "Hilla", 32.4637, 44.4196, 2),
                Province("Baghdad", "Baghdad", 33.3152, 44.3661, 8),
                Province("Basrah", "Basrah", 30.5085, 47.7804, 4),
                Province("Dahuk", "Dahuk", 36.8669, 42.9503, 10),
                Province("Diyala", "Baquba", 33.7466, 44.6537, 10),
                Province("Erbil", "Erbil", 36.1901, 44.0091, 6),
                Province("Kerbala", "Kerbala", 32.6160, 44.0249, 1),
                Province("Kirkuk", "Kirkuk", 35.4681, 44.3922, 6),
                Province("Missan", "Amara", 31.8356, 47.1440, 2),
                Province("Muthanna", "Samawah", 31.3099, 45.2803, 1),
                Province("Najaf", "Najaf", 32.0259, 44.3462, 2),
                Province("Ninewa", "Mosul", 36.3350, 43.1189, 8),
                Province("Qadissiya", "Diwaniyah", 31.9929, 44.9253, 2),
                Province("Sala al-Din", "Tikrit", 34.6071, 43.6782, 10),
                Province("Sulaymaniyah", "Sulaymaniyah", 35.5613, 45.4306, 5),
                Province("Thi-Qar", "Nasiriyah", 31.0439, 46.2573, 4),
                Province("Wassit", "Kut", 32.5128, 45.8182, 2),
            ),
        ),
        "Syria": Country(
            760,
            "SYR",
            "Middle East",
            (
                Province("Al-Hasakeh", "Al-Hasakeh", 36.5024, 40.7477, 14),
                Province("Aleppo", "Aleppo", 36.2021, 37.1343, 12),
                Province("Ar-Raqqa", "Ar-Raqqa", 35.9594, 39.0079, 10),
                Province("As-Sweida", "As-Sweida", 32.7090, 36.5695, 2),
                Province("Damascus", "Damascus", 33.5138, 36.2765, 2),
                Province("Dar'a", "Dar'a", 32.6189, 36.1021, 8),
                Province("Deir-ez-Zor", "Deir-ez-Zor", 35.3359, 40.1408, 9),
                Province("Hama", "Hama", 35.1318, 36.7578, 4),
                Province("Homs", "Homs", 34.7324, 36.7137, 3),
                Province("Idleb", "Idleb", 35.9306, 36.6339, 20),
                Province("Lattakia", "Lattakia", 35.5317, 35.7901, 2),
                Province("Quneitra", "Quneitra", 33.1254, 35.8240, 1),
                Province("Rural Damascus", "Douma", 33.5722, 36.4026, 3),
                Province("Tartous", "Tartous", 34.8890, 35.8866, 1),
            ),
        ),
    }
)


def admin1_lines(countries: str | Iterable[str] | None = None) -> pd.DataFrame:
    """Bundled province (admin1) boundary lines, as a table of vertices for ``plot.map``.

    Natural Earth's 1:10m "Admin 1 - States, Provinces" boundary lines
    (public domain, https://www.naturalearthdata.com/about/terms-of-use/) for
    the countries of the example data and their neighbours: Iraq, Syria,
    Afghanistan and the 24 countries around them (Turkey, Iran, Jordan, Saudi
    Arabia, Kuwait, Lebanon, Israel, Palestine, Cyprus, Pakistan, Turkmenistan,
    Uzbekistan, Tajikistan, Armenia, Azerbaijan, Georgia, Greece, Bulgaria,
    Egypt, Qatar, Bahrain, the United Arab Emirates, Oman, Yemen). Simplified
    to about 2 km like the bundled country outlines, coordinates rounded to
    0.01 degree; ``tools/natural_earth_admin1.py`` says where the source was
    taken from and how to remake the file. Nothing is downloaded.

    These are the lines *between* provinces (a country's own border is in
    the country outlines), each in the country that holds it. Where Natural
    Earth's lines are incomplete, so are these: in Iraq most boundaries among
    Ninewa, Dahuk, Erbil, Sulaymaniyah, Kirkuk, Sala al-Din and Diyala are
    missing from the source.

    Parameters
    ----------
    countries : str or iterable of str, optional
        Countries by name (``"Iraq"``, as in the bundled country outlines, any
        case) or ISO 3166 alpha-3 code (``"IRQ"``); default: all bundled.

    Returns
    -------
    pandas.DataFrame
        One row per vertex, the vertices of a line together and in order:
        ``iso3``, ``ring`` (the line's id, e.g. ``"IRQ-001"``), ``longitude``,
        ``latitude``: the table of vertices ``plot.map(admin1=...)`` takes.

    Raises
    ------
    EventDataError
        For an unknown country (naming the closest known one) or one whose
        province lines are not bundled.

    Examples
    --------
    >>> lines = admin1_lines("Iraq")
    >>> lines.columns.tolist()
    ['iso3', 'ring', 'longitude', 'latitude']
    >>> lines["ring"].nunique(), lines["iso3"].unique().tolist()
    (33, ['IRQ'])
    >>> sorted(admin1_lines(["SYR", "jordan"])["iso3"].unique())
    ['JOR', 'SYR']
    >>> admin1_lines("Iraqq")
    Traceback (most recent call last):
    ...
    eventdata.core.errors.EventDataError: unknown country 'Iraqq' (did you mean Iraq?)
    """
    table = _admin1_vertices()
    if countries is None:
        return table.copy()
    wanted = [countries] if isinstance(countries, str) else list(countries)
    codes = [_country_code(str(country)) for country in wanted]
    bundled = set(table["iso3"])
    for country, code in zip(wanted, codes, strict=True):
        if code not in bundled:
            raise EventDataError(
                f"no admin1 lines are bundled for {country!r} ({code}): only for "
                f"{', '.join(sorted(bundled))}; pass your own boundaries to plot.map(admin1=...)"
            )
    return table[table["iso3"].isin(codes)].reset_index(drop=True)


@functools.cache
def _admin1_vertices() -> pd.DataFrame:
    """The bundled lines (one row per line) as one row per vertex, read once."""
    with resources.as_file(_DATA / "admin1_lines.csv") as path:
        lines = pd.read_csv(path, dtype=str, keep_default_na=False)
    pairs = lines["coordinates"].str.split(";")
    vertices = pairs.explode().str.split(" ", expand=True).astype(float)
    return pd.DataFrame(
        {
            "iso3": lines["iso3"].repeat(pairs.str.len()).to_numpy(),
            "ring": lines["line"].repeat(pairs.str.len()).to_numpy(),
            "longitude": vertices[0].to_numpy(),
            "latitude": vertices[1].to_numpy(),
        }
    )


@functools.cache
def _country_names() -> dict[str, str]:
    """ISO3 code of each bundled country outline's name and code, casefolded."""
    with resources.as_file(_DATA / "countries.csv") as path:
        outlines = pd.read_csv(path, usecols=["iso3", "name"], dtype=str, keep_default_na=False)
    names = dict(zip(outlines["name"], outlines["iso3"], strict=True))
    names |= {name: country.iso3 for name, country in COUNTRIES.items()}
    return {key: code for name, code in names.items() for key in (name, code)}


def _country_code(country: str) -> str:
    """The ISO3 code of a country given by name or code (any case), or a clear error."""
    known = _country_names()
    folded = {key.casefold(): code for key, code in known.items()}
    code = folded.get(country.strip().casefold())
    if code is None:
        check_known([country], sorted(known), "country")  # raises, naming the closest
    return str(code)
