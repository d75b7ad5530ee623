"""Example data shipped with eventdata: the seed incidents and a simulator.

Examples
--------
>>> import eventdata as ed
>>> seed = ed.datasets.load_seed_incidents()
>>> len(seed), sorted(seed["country"].unique())
(6, ['Iraq', 'Syria'])
"""

from __future__ import annotations

import importlib.resources as _resources
import pathlib as _pathlib
from typing import TYPE_CHECKING as _TYPE_CHECKING

from eventdata.datasets.geography import admin1_lines
from eventdata.datasets.simulate import simulate, simulate_counts
from eventdata.io.acled_csv import read_acled as _read_acled

if _TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

__all__ = ["SEED_PATH", "admin1_lines", "load_seed_incidents", "simulate", "simulate_counts"]

#: The seed incidents as an ACLED-style CSV export inside the installed package.
SEED_PATH: Path = _pathlib.Path(
    str(_resources.files("eventdata.datasets") / "data" / "seed_incidents.csv")
)


def load_seed_incidents() -> pd.DataFrame:
    """The incidents of the January 2022 wave of attacks on coalition bases, as ACLED records.

    Six events coded by the eventdata authors from a news report (Al-Monitor,
    January 2022) on the drone and rocket attacks against bases hosting US-led
    coalition forces in Iraq and Syria after the second anniversary of the
    killing of Qassem Soleimani (3 January 2022), and the coalition's artillery
    response of 5 January. Notes are in our own words; coordinates are
    approximate (geo_precision 2).

    Returns
    -------
    pandas.DataFrame
        Validated, typed ACLED records.

    Examples
    --------
    >>> events = load_seed_incidents()
    >>> events["event_date"].min().date().isoformat()
    '2022-01-03'
    """
    return _read_acled(SEED_PATH)


del annotations  # a helper, not the API
