"""First-level administrative units of Iraq and Syria, as ACLED spelled them (2020 exports).

Each province has its capital (the location the simulator codes), the capital's
approximate coordinates, and a relative activity weight: roughly the share of
ACLED events each province had in 2019-2021, used by the simulator's
"realistic" province mix.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import NamedTuple

__all__ = ["COUNTRIES", "Province"]


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
