"""Synthetic ACLED records for Iraq and Syria, with known planted effects.

The daily number of events follows a log-linear intensity with trend, weekly and
yearly seasonality and an AR(1) latent process, and counts drawn from a
gamma-Poisson (negative binomial) mixture: overdispersed and autocorrelated as
real event counts are. Optional planted effects: a rate multiplier in a window
around given anniversaries, and provinces whose share is multiplied.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eventdata.core import codebook
from eventdata.core.options import as_rng
from eventdata.core.schema import ACLED_SCHEMA
from eventdata.datasets.geography import COUNTRIES

__all__ = ["daily_intensity", "simulate", "simulate_counts"]

# Share of events by event type, roughly ACLED's mix for Iraq and Syria 2017-2022.
_EVENT_TYPE_SHARE = {
    "Battles": 0.24,
    "Explosions/Remote violence": 0.32,
    "Violence against civilians": 0.14,
    "Protests": 0.14,
    "Riots": 0.03,
    "Strategic developments": 0.13,
}
# Relative weights of sub-event types within their event type (others: 0).
_SUB_EVENT_WEIGHT = {
    "Armed clash": 0.93,
    "Government regains territory": 0.04,
    "Non-state actor overtakes territory": 0.03,
    "Air/drone strike": 0.25,
    "Shelling/artillery/missile attack": 0.45,
    "Remote explosive/landmine/IED": 0.25,
    "Grenade": 0.04,
    "Suicide bomb": 0.01,
    "Attack": 0.85,
    "Abduction/forced disappearance": 0.13,
    "Sexual violence": 0.02,
    "Peaceful protest": 0.88,
    "Protest with intervention": 0.10,
    "Excessive force against protesters": 0.02,
    "Violent demonstration": 0.6,
    "Mob violence": 0.4,
    "Arrests": 0.2,
    "Change to group/activity": 0.15,
    "Disrupted weapons use": 0.3,
    "Looting/property destruction": 0.2,
    "Headquarters or base established": 0.03,
    "Agreement": 0.02,
    "Non-violent transfer of territory": 0.02,
    "Other": 0.08,
}
_MEAN_FATALITIES = {
    "Battles": 1.6,
    "Explosions/Remote violence": 0.9,
    "Violence against civilians": 0.8,
    "Protests": 0.0,
    "Riots": 0.05,
    "Strategic developments": 0.0,
}
_DISORDER = {
    "Battles": "Political violence",
    "Explosions/Remote violence": "Political violence",
    "Violence against civilians": "Political violence",
    "Protests": "Demonstrations",
    "Riots": "Demonstrations",
    "Strategic developments": "Strategic developments",
}
_COALITION = "Global Coalition Against Daesh"
# Actors per country: (name, inter code, relative weight as an armed actor).
_ACTORS = {
    "Iraq": [
        ("Military Forces of Iraq (2018-)", 1, 6),
        ("Police Forces of Iraq (2018-)", 1, 3),
        ("Military Forces of Iraq (2018-) Popular Mobilization Forces", 1, 3),
        ("Islamic State (Iraq)", 2, 6),
        ("PKK: Kurdistan Workers Party", 2, 2),
        ("Unidentified Armed Group (Iraq)", 3, 5),
        ("Unidentified Tribal Militia (Iraq)", 4, 1),
        ("Military Forces of Turkey (2016-)", 8, 3),
        (_COALITION, 8, 1),
    ],
    "Syria": [
        ("Military Forces of Syria (2000-)", 1, 8),
        ("Islamic State (Syria)", 2, 4),
        ("HTS: Hayat Tahrir al Sham", 2, 4),
        ("QSD: Syrian Democratic Forces", 2, 5),
        ("Opposition Rebels (Syria)", 2, 3),
        ("Unidentified Armed Group (Syria)", 3, 6),
        ("Unidentified Clan Militia (Syria)", 4, 1),
        ("Military Forces of Turkey (2016-)", 8, 4),
        ("Military Forces of Russia (2000-)", 8, 3),
        (_COALITION, 8, 1),
    ],
}
_SOURCES = {
    "Iraq": [
        ("Shafaq News", "National"),
        ("Rudaw", "Subnational"),
        ("Kurdistan 24", "Regional"),
        ("Xinhua", "International"),
        ("Al-Monitor", "Regional"),
    ],
    "Syria": [
        ("SOHR", "Other"),
        ("Deir Ezzor 24", "Subnational"),
        ("Enab Baladi", "National"),
        ("North Press Agency", "Subnational"),
        ("Al-Monitor", "Regional"),
    ],
}
# Day-of-week effect on the log rate (Monday first): fewer events on Fridays.
_WEEKDAY = np.array([0.05, 0.05, 0.05, 0.05, -0.25, 0.0, 0.05])


def daily_intensity(
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    *,
    rate: float = 6.0,
    trend: float = 0.0,
    weekly: float = 1.0,
    yearly: float = 0.2,
    anniversaries: Sequence[str] = (),
    effect: float = 1.0,
    window: tuple[int, int] = (0, 6),
) -> pd.Series:
    """Expected events per day before the latent noise: trend, seasons, planted effect.

    Parameters are those of :func:`simulate`. Returns a Series indexed by day.

    Examples
    --------
    >>> mu = daily_intensity("2021-01-01", "2021-01-10", anniversaries=["01-03"], effect=2.0)
    >>> bool(mu["2021-01-03"] > mu["2021-01-02"])
    True
    """
    days = pd.date_range(start, end, freq="D")
    t_years = (days - days[0]).days.to_numpy() / 365.25
    doy = days.day_of_year.to_numpy()
    log_mu = (
        np.log(rate)
        + trend * t_years
        + weekly * _WEEKDAY[days.day_of_week.to_numpy()]
        + yearly * np.sin(2 * np.pi * (doy - 80) / 365.25)
    )
    in_window = anniversary_window_mask(days, anniversaries, window)
    log_mu = log_mu + np.log(effect) * in_window
    return pd.Series(np.exp(log_mu), index=days, name="intensity")


def anniversary_window_mask(
    days: pd.DatetimeIndex, anniversaries: Sequence[str], window: tuple[int, int]
) -> np.ndarray:
    """True for days within ``window`` (days relative, both ends included) of an anniversary."""
    mask = np.zeros(len(days), dtype=bool)
    if not len(days):
        return mask
    for anniversary in anniversaries:
        month, day = (int(x) for x in anniversary.split("-"))
        for year in range(days[0].year - 1, days[-1].year + 2):
            try:
                centre = pd.Timestamp(year=year, month=month, day=day)
            except ValueError:  # 29 February in a common year
                continue
            lo = centre + pd.Timedelta(days=window[0])
            hi = centre + pd.Timedelta(days=window[1])
            mask |= (days >= lo) & (days <= hi)
    return mask


def simulate_counts(
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    *,
    seed: int | np.random.Generator,
    rate: float = 6.0,
    anniversaries: Sequence[str] = (),
    effect: float = 1.0,
    window: tuple[int, int] = (0, 6),
    trend: float = 0.0,
    weekly: float = 1.0,
    yearly: float = 0.2,
    dispersion: float = 6.0,
    autocorrelation: float = 0.7,
    noise: float = 0.4,
) -> pd.Series:
    """Daily event counts only: the count process behind :func:`simulate`, fast.

    For simulation studies that need thousands of series and no records. The
    parameters are those of :func:`simulate`; ``seed`` may also be a NumPy Generator.

    Returns
    -------
    pandas.Series
        Integer counts indexed by day (named ``count``).

    Examples
    --------
    >>> daily = simulate_counts("2020-01-01", "2020-12-31", seed=1)
    >>> len(daily), daily.index[0].date().isoformat(), bool((daily >= 0).all())
    (366, '2020-01-01', True)
    """
    rng = as_rng(seed)
    mu = daily_intensity(
        start,
        end,
        rate=rate,
        trend=trend,
        weekly=weekly,
        yearly=yearly,
        anniversaries=anniversaries,
        effect=effect,
        window=window,
    )
    n_days = len(mu)
    innovations = rng.normal(0.0, noise * np.sqrt(1 - autocorrelation**2), n_days)
    if n_days:
        innovations[0] = rng.normal(0.0, noise)
    # AR(1) recursion x[i] = a * x[i-1] + e[i], as a linear filter (fast for long series)
    from scipy.signal import lfilter  # scipy loads when a series is simulated

    latent = lfilter([1.0], [1.0, -autocorrelation], innovations)
    lam = mu.to_numpy() * np.exp(latent - noise**2 / 2)
    lam = lam * rng.gamma(dispersion, 1.0 / dispersion, n_days)
    return pd.Series(rng.poisson(lam), index=mu.index, name="count")


def simulate(
    start: str | pd.Timestamp = "2016-01-01",
    end: str | pd.Timestamp = "2022-12-31",
    *,
    seed: int,
    rate: float = 6.0,
    anniversaries: Sequence[str] = (),
    effect: float = 1.0,
    window: tuple[int, int] = (0, 6),
    hot_provinces: Sequence[str] = (),
    hot_factor: float = 1.0,
    province_weights: str = "realistic",
    countries: Sequence[str] = ("Iraq", "Syria"),
    trend: float = 0.0,
    weekly: float = 1.0,
    yearly: float = 0.2,
    dispersion: float = 6.0,
    autocorrelation: float = 0.7,
    noise: float = 0.4,
) -> pd.DataFrame:
    """Realistic synthetic ACLED records for Iraq and Syria.

    Parameters
    ----------
    start, end : date-like
        First and last day (both included).
    seed : int
        Seed of the random generator (required: results are reproducible).
    rate : float
        Mean events per day over both countries, before effects.
    anniversaries : sequence of "MM-DD"
        Days around which the rate is multiplied by ``effect``.
    effect : float
        Rate multiplier inside each anniversary window (1: no effect).
    window : (int, int)
        Days relative to the anniversary, both ends included.
    hot_provinces : sequence of str
        admin1 names whose weight is multiplied by ``hot_factor``.
    hot_factor : float
        Multiplier of hot provinces' rates relative to the others in their country.
    province_weights : {"realistic", "uniform"}
        Province mix within a country: ACLED-like activity weights, or equal.
    countries : sequence of str
        Any of "Iraq", "Syria".
    trend : float
        Change of the log rate per year.
    weekly : float
        Scale of the day-of-week effect (1: Fridays about 25% lower).
    yearly : float
        Amplitude of the yearly seasonal wave on the log scale.
    dispersion : float
        Gamma shape of the daily overdispersion (smaller: more overdispersed;
        variance = mean + mean**2 / dispersion).
    autocorrelation : float
        AR(1) coefficient of the latent log-rate process.
    noise : float
        Standard deviation of the stationary latent process.

    Returns
    -------
    pandas.DataFrame
        Typed ACLED records (the 31 codebook columns), sorted by date.

    Examples
    --------
    >>> import eventdata as ed
    >>> events = ed.datasets.simulate("2021-01-01", "2021-12-31", seed=1)
    >>> sorted(events["country"].unique())
    ['Iraq', 'Syria']
    >>> len(ed.validate(events)) == len(events)
    True
    """
    rng = as_rng(seed)
    unknown = set(countries) - set(COUNTRIES)
    if unknown:
        raise ValueError(f"simulate knows Iraq and Syria only, not {sorted(unknown)}")
    series = simulate_counts(
        start,
        end,
        seed=rng,
        rate=rate,
        trend=trend,
        weekly=weekly,
        yearly=yearly,
        anniversaries=anniversaries,
        effect=effect,
        window=window,
        dispersion=dispersion,
        autocorrelation=autocorrelation,
        noise=noise,
    )
    dates = np.repeat(series.index.to_numpy(), series.to_numpy())
    n = len(dates)

    weights = np.array([1.0 if c == "Iraq" else 1.5 for c in countries])
    which = rng.choice(len(countries), size=n, p=weights / weights.sum())
    # One block of records per country, in name order, each in date order.
    names = np.asarray(countries, dtype=object)
    present = sorted({str(names[i]) for i in np.unique(which)}) or ["Iraq"]
    positions = {c: np.flatnonzero(names[which] == c) for c in present}
    parts = [
        _country_records(dates[positions[c]], c, rng, hot_provinces, hot_factor, province_weights)
        for c in present
    ]
    records = _Records.concat(parts)
    # Sorted by date, then country: the blocks interleave day by day.
    order = np.lexsort((records.country, records.columns["event_date"]))
    return _finish(records.take(order), rng)


class _Records:
    """Simulated records kept as arrays: numbers as such, text as codes into a vocabulary.

    Text is turned into strings once, at the end, by Arrow (a dictionary decode),
    which is much faster than building millions of Python strings.
    """

    def __init__(
        self,
        columns: dict[str, np.ndarray],
        text: dict[str, tuple[np.ndarray, np.ndarray]],
        country: np.ndarray,
        countries: list[str],
    ) -> None:
        self.columns = columns  # name -> values
        self.text = text  # name -> (codes, vocabulary); code -1 is missing
        self.country = country  # position in ``countries`` (sorted names)
        self.countries = countries

    def __len__(self) -> int:
        return len(self.country)

    @classmethod
    def concat(cls, parts: list[_Records]) -> _Records:
        columns = {k: np.concatenate([p.columns[k] for p in parts]) for k in parts[0].columns}
        text = {}
        for name in parts[0].text:
            codes, vocabularies, offset = [], [], 0
            for part in parts:
                part_codes, vocabulary = part.text[name]
                codes.append(np.where(part_codes >= 0, part_codes + offset, -1))
                vocabularies.append(vocabulary)
                offset += len(vocabulary)
            text[name] = (np.concatenate(codes), np.concatenate(vocabularies))
        countries = [c for p in parts for c in p.countries]
        country = np.concatenate([np.full(len(p), i) for i, p in enumerate(parts)])
        return cls(columns, text, country, countries)

    def take(self, order: np.ndarray) -> _Records:
        return _Records(
            {k: v[order] for k, v in self.columns.items()},
            {k: (codes[order], vocabulary) for k, (codes, vocabulary) in self.text.items()},
            self.country[order],
            self.countries,
        )

    def where(self, name: str, test: np.ndarray) -> np.ndarray:
        """Rows whose text value passes ``test`` (a boolean per vocabulary entry)."""
        codes, _ = self.text[name]
        return np.append(test, False)[codes]


def _arrow_text(codes: np.ndarray, vocabulary: np.ndarray | list[str]) -> pa.Array:
    indices = pa.array(codes.astype("int32"), mask=codes < 0)
    dictionary = pa.array(list(vocabulary), pa.large_string())
    return pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.large_string())


def _join(*pieces: pa.Array | str) -> pa.Array:
    """Arrays and constants concatenated row by row."""
    scalars = [pa.scalar(p, pa.large_string()) if isinstance(p, str) else p for p in pieces]
    return pc.binary_join_element_wise(*scalars, pa.scalar("", pa.large_string()))


def _country_records(
    dates: np.ndarray,
    country: str,
    rng: np.random.Generator,
    hot_provinces: Sequence[str],
    hot_factor: float,
    province_weights: str,
) -> _Records:
    n = len(dates)
    info = COUNTRIES[country]
    provinces = info.provinces
    if province_weights == "realistic":
        w = np.array([p.weight for p in provinces], dtype=float)
    elif province_weights == "uniform":
        w = np.ones(len(provinces))
    else:
        raise ValueError("province_weights must be 'realistic' or 'uniform'")
    w = w * np.array([hot_factor if p.admin1 in hot_provinces else 1.0 for p in provinces])
    which = rng.choice(len(provinces), size=n, p=w / w.sum())
    lat = np.array([p.latitude for p in provinces])[which] + rng.normal(0, 0.12, n)
    lon = np.array([p.longitude for p in provinces])[which] + rng.normal(0, 0.12, n)

    types = list(_EVENT_TYPE_SHARE)
    share = np.array(list(_EVENT_TYPE_SHARE.values()))
    event_type = rng.choice(len(types), size=n, p=share)
    sub_events = [s for subs in codebook.EVENT_TYPES.values() for s in subs]
    sub_event = np.zeros(n, dtype=np.int64)
    first = 0
    for etype, subs in codebook.EVENT_TYPES.items():
        rows = np.flatnonzero(event_type == types.index(etype)) if etype in types else []
        sw = np.array([_SUB_EVENT_WEIGHT.get(s, 0.0) for s in subs])
        sub_event[rows] = first + rng.choice(len(subs), size=len(rows), p=sw / sw.sum())
        first += len(subs)
    actors, actor1, inter1, actor2, inter2 = _actors(
        event_type, types, sub_event, sub_events, country, rng
    )
    fat_mean = np.array([_MEAN_FATALITIES[e] for e in types])[event_type]
    fatalities = np.where(
        fat_mean > 0, rng.negative_binomial(0.5, 0.5 / (0.5 + np.maximum(fat_mean, 1e-9))), 0
    )
    source_idx = rng.integers(0, len(_SOURCES[country]), n)
    everywhere = np.zeros(n, dtype=np.int64)
    return _Records(
        columns={
            "event_date": dates,
            "latitude": np.round(np.clip(lat, -90, 90), 4),
            "longitude": np.round(np.clip(lon, -180, 180), 4),
            "inter1": inter1,
            "inter2": inter2,
            "fatalities": fatalities,
            "iso": np.full(n, info.iso),
        },
        text={
            "iso3": (everywhere, np.array([info.iso3], dtype=object)),
            "region": (everywhere, np.array([info.region], dtype=object)),
            "admin1": (which, np.array([p.admin1 for p in provinces], dtype=object)),
            "location": (which, np.array([p.capital for p in provinces], dtype=object)),
            "event_type": (event_type, np.array(types, dtype=object)),
            "sub_event_type": (sub_event, np.array(sub_events, dtype=object)),
            "actor1": (actor1, actors),
            "actor2": (actor2, actors),
            "source": (source_idx, np.array([s for s, _ in _SOURCES[country]], dtype=object)),
            "source_scale": (
                source_idx,
                np.array([s for _, s in _SOURCES[country]], dtype=object),
            ),
        },
        country=np.zeros(n, dtype=np.int64),
        countries=[country],
    )


def _actors(
    event_type: np.ndarray,
    types: list[str],
    sub_event: np.ndarray,
    sub_events: list[str],
    country: str,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The actors' vocabulary, then actor1 (codes), inter1, actor2 (codes, -1: none), inter2.

    ``event_type`` and ``sub_event`` are codes into ``types`` and ``sub_events``.
    """
    n = len(event_type)

    def is_type(name: str) -> np.ndarray:
        return event_type == types.index(name)

    def is_sub_event(name: str) -> np.ndarray:
        return sub_event == sub_events.index(name)

    pool = _ACTORS[country]
    codes = np.array([c for _, c, _ in pool])
    w = np.array([x for _, _, x in pool], dtype=float)
    w_state = np.where(codes == 1, w, 0.0)
    names = [a for a, _, _ in pool]
    civilians, protesters, rioters = len(pool), len(pool) + 1, len(pool) + 2
    vocabulary = np.array(
        [*names, f"Civilians ({country})", f"Protesters ({country})", f"Rioters ({country})"],
        dtype=object,
    )

    def armed(size: int, weights: np.ndarray = w) -> np.ndarray:
        return rng.choice(len(pool), size=size, p=weights / weights.sum())

    i1 = armed(n)
    actor1, inter1 = i1.copy(), codes[i1].copy()
    actor2 = np.full(n, -1, dtype=np.int64)
    inter2 = np.zeros(n, dtype=np.int64)

    battles = is_type("Battles")
    i2 = armed(n)
    i2 = np.where(i2 == i1, (i2 + 1) % len(pool), i2)
    actor2[battles], inter2[battles] = i2[battles], codes[i2][battles]

    remote = is_type("Explosions/Remote violence")
    u = rng.random(n)
    at_civilians = remote & (u < 0.3)
    at_armed = remote & (u >= 0.3) & (u < 0.75)
    actor2[at_armed], inter2[at_armed] = i2[at_armed], codes[i2][at_armed]
    vac = is_type("Violence against civilians") | at_civilians
    actor2[vac], inter2[vac] = civilians, 7

    protest = is_type("Protests")
    actor1[protest], inter1[protest] = protesters, 6
    riot = is_type("Riots")
    actor1[riot], inter1[riot] = rioters, 5
    policed = (protest & ~is_sub_event("Peaceful protest")) | (riot & (u < 0.3))
    state = armed(n, w_state)
    actor2[policed], inter2[policed] = state[policed], 1
    mob = riot & is_sub_event("Mob violence") & ~policed
    actor2[mob], inter2[mob] = civilians, 7
    return vocabulary, actor1, inter1, actor2, inter2


def _finish(records: _Records, rng: np.random.Generator) -> pd.DataFrame:
    n = len(records)
    dtypes = ACLED_SCHEMA.dtypes
    event_date = records.columns["event_date"].astype("datetime64[ns]")
    # numbered from 1 within each country, in date order
    number = np.zeros(n, dtype=np.int64)
    for i in range(len(records.countries)):
        rows = records.country == i
        number[rows] = np.arange(1, int(rows.sum()) + 1)
    iso3 = _arrow_text(*records.text["iso3"])
    event_id = _join(iso3, pa.array(number).cast(pa.large_string()))
    _, type_vocabulary = records.text["event_type"]
    coalition_target = records.where("actor2", records.text["actor2"][1] == _COALITION)
    inter1 = records.columns["inter1"]
    inter2 = records.columns["inter2"]
    civilians = records.where("event_type", type_vocabulary == "Violence against civilians")
    civilians |= inter2 == 7
    civilians &= ~records.where("event_type", np.isin(type_vocabulary, ["Protests", "Riots"]))
    changed_days = rng.integers(2, 21, n)
    seconds = event_date.astype("datetime64[s]").astype(np.int64)
    timestamp = seconds + changed_days * 86_400
    # each distinct day formatted once
    day_codes, days = pd.factorize(event_date)
    day_text = pd.DatetimeIndex(days).strftime("%d %B %Y").to_numpy(dtype=object)
    sub_codes, sub_vocabulary = records.text["sub_event_type"]
    pieces = [
        "On ",
        _arrow_text(day_codes, day_text),
        ", ",
        _arrow_text(*records.text["actor1"]),
        " (",
        _arrow_text(sub_codes, [s.lower() for s in sub_vocabulary]),
        ")",
        _arrow_text(
            coalition_target.astype(np.int64),
            ["", " targeted a base hosting US-led coalition forces"],
        ),
        " in ",
        _arrow_text(*records.text["location"]),
        ", ",
        _arrow_text(*records.text["admin1"]),
        ". ",
        pa.array(records.columns["fatalities"]).cast(pa.large_string()),
        " fatalities. [simulated]",
    ]
    notes = _join(*pieces)
    precision = rng.choice([1, 2, 3], size=n, p=[0.88, 0.10, 0.02])
    geo = rng.choice([1, 2, 3], size=n, p=[0.6, 0.35, 0.05])

    def text(name: str, values: pa.Array | None = None) -> pd.api.extensions.ExtensionArray:
        arrow = _arrow_text(*records.text[name]) if values is None else values
        return dtypes[name].__from_arrow__(arrow)

    def category(name: str, codes: np.ndarray, vocabulary: np.ndarray) -> pd.Categorical:
        """Codes into ``vocabulary`` (-1: missing) as the schema's categorical."""
        dtype = dtypes[name]
        position = np.append(dtype.categories.get_indexer(vocabulary), -1)
        return pd.Categorical.from_codes(position[codes], dtype=dtype)

    def integers(name: str, values: np.ndarray) -> pd.api.extensions.ExtensionArray:
        return pd.array(np.asarray(values, dtype=np.int64), dtype=dtypes[name])

    def missing(name: str) -> pd.api.extensions.ExtensionArray:
        return dtypes[name].__from_arrow__(pa.nulls(n, pa.large_string()))

    disorder = np.array([_DISORDER.get(t) for t in type_vocabulary], dtype=object)
    columns = {
        "event_id_cnty": text("event_id_cnty", event_id),
        "event_date": event_date,
        "year": integers("year", pd.DatetimeIndex(event_date).year),
        "time_precision": integers("time_precision", precision),
        "disorder_type": category("disorder_type", records.text["event_type"][0], disorder),
        "event_type": category("event_type", *records.text["event_type"]),
        "sub_event_type": category("sub_event_type", *records.text["sub_event_type"]),
        "actor1": text("actor1"),
        "assoc_actor_1": missing("assoc_actor_1"),
        "inter1": integers("inter1", inter1),
        "actor2": text("actor2"),
        "assoc_actor_2": missing("assoc_actor_2"),
        "inter2": integers("inter2", inter2),
        "interaction": integers("interaction", codebook.interaction_code(inter1, inter2)),
        "civilian_targeting": category(
            "civilian_targeting",
            np.where(civilians, 0, -1),
            np.array(codebook.CIVILIAN_TARGETING[:1], dtype=object),
        ),
        "iso": integers("iso", records.columns["iso"]),
        "region": text("region"),
        "country": text(
            "country", _arrow_text(records.country, np.array(records.countries, dtype=object))
        ),
        "admin1": text("admin1"),
        "admin2": text("location"),
        "admin3": missing("admin3"),
        "location": text("location"),
        "latitude": records.columns["latitude"].astype("float64"),
        "longitude": records.columns["longitude"].astype("float64"),
        "geo_precision": integers("geo_precision", geo),
        "source": text("source"),
        "source_scale": text("source_scale"),
        "notes": text("notes", notes),
        "fatalities": integers("fatalities", records.columns["fatalities"]),
        "tags": missing("tags"),
        "timestamp": integers("timestamp", timestamp),
    }
    return pd.DataFrame(columns)[list(ACLED_SCHEMA.columns)]
