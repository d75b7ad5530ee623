"""The space-time permutation scan against its definition, and on odd or hostile input.

The brute force here is written from the definition alone (Kulldorff et al. 2005, SaTScan's
circles): every location is a centre, every distinct distance from it a circle (equidistant
places enter together), every interval of whole time units within the window a cylinder.
It knows nothing of the engine's groups, bands or bounds, so a bound that is too tight shows
up as a different largest statistic, a different most likely cluster, or a different
replication.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import eventdata as ed
from eventdata.cli import main
from tests.conftest import shared_file

EXPORTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "acled-exports"
FIRST = pd.Timestamp("2022-03-01")


def _llr(c, mu, total):
    out = c * np.log(c / mu)
    rest = total - c
    return out + np.where(rest > 0, rest * np.log(np.where(rest > 0, rest, 1) / (total - mu)), 0)


def _brute_force(places, place, day, n_days, options):
    """All cylinders of the definition: (largest LLR, the set of best cylinders' reports).

    ``places`` (k, 2) latitude, longitude; ``place`` and ``day`` each event's place index and
    day (0 = the first day of the study period); ``n_days`` the days of the period.
    A report is (observed, expected, first day, last day, locations) in days of the period.
    """
    unit = options.get("days_per_unit", 1)
    share = options.get("max_share", 0.5)
    radius_limit = options.get("max_radius_km")
    least = options.get("min_events", 2)
    prospective = options.get("prospective", False)
    units = -(-n_days // unit)
    if options.get("max_days") is not None:
        window = max(1, options["max_days"] // unit)
    else:
        window = max(1, int(np.floor(0.5 * units)))
    window = min(window, units)
    total = len(place)
    when = day // unit
    per_unit = np.bincount(when, minlength=units)
    best, reports = 0.0, set()
    for centre in range(len(places)):
        km = ed.distance_km(places[centre, 0], places[centre, 1], places[:, 0], places[:, 1])
        for radius in np.unique(km):
            if radius_limit is not None and radius > radius_limit:
                continue
            members = np.flatnonzero(km <= radius)
            inside = np.isin(place, members)
            n_a = int(inside.sum())
            if n_a == 0 or n_a > share * total:
                continue
            counts = np.bincount(when[inside], minlength=units)
            for start in range(units):
                for end in range(start, min(units, start + window)):
                    if prospective and end != units - 1:
                        continue
                    c = int(counts[start : end + 1].sum())
                    mu = n_a * per_unit[start : end + 1].sum() / total
                    if c < least or c <= mu:
                        continue
                    value = float(_llr(c, mu, total))
                    if value > best * (1 + 1e-9):
                        best, reports = value, set()
                    if value >= best * (1 - 1e-9):
                        during = inside & (when >= start) & (when <= end)
                        lo, hi = int(when[during].min()), end if prospective else None
                        hi = int(when[during].max()) if hi is None else hi
                        reports.add(
                            (
                                c,
                                round(mu, 9),
                                lo * unit,
                                min((hi + 1) * unit - 1, n_days - 1),
                                frozenset(members.tolist()),
                            )
                        )
    return best, reports


def _case(rng):
    """A small random configuration: (places, events sorted by place then day, n_days,
    options, locations frame or None)."""
    layout = rng.integers(4)
    if layout == 0:  # a centre and neighbours at equal distances (ties)
        grid = [(10.0, 20.0), (10.0, 20.5), (10.0, 19.5), (10.5, 20.0), (9.5, 20.0)]
        grid += [(10.0, 21.0), (10.0, 19.0)]
    elif layout == 1:  # a line of equally spaced places on the equator
        grid = [(0.0, 30.0 + 0.2 * k) for k in range(7)]
    elif layout == 2:  # scattered
        grid = [
            (round(float(a), 3), round(float(b), 3))
            for a, b in zip(rng.uniform(33, 34, 7), rng.uniform(44, 45, 7), strict=True)
        ]
    else:  # a few close together, one far away
        grid = [(35.0, 40.0), (35.01, 40.0), (35.0, 40.01), (35.02, 40.02), (38.0, 45.0)]
    grid = sorted(set(grid))
    k = int(rng.integers(1, len(grid) + 1))
    chosen = sorted(rng.choice(len(grid), k, replace=False).tolist())
    n_days = int(rng.integers(1, 16))
    n = int(rng.integers(2, 60))
    weights = rng.dirichlet(np.full(k, 0.5))
    if rng.random() < 0.3:  # one place holding most of the events
        weights = np.r_[0.85, np.full(k - 1, 0.15 / max(k - 1, 1))][:k]
        weights = weights / weights.sum()
    place = rng.choice(k, n, p=weights)
    if rng.random() < 0.25:  # many events on one day
        day = np.where(rng.random(n) < 0.7, int(rng.integers(n_days)), rng.integers(0, n_days, n))
    else:
        day = rng.integers(0, n_days, n)
    day[0], day[-1] = 0, n_days - 1  # the period is the first to the last event
    used = [grid[i] for i in chosen]
    extra = [g for g in grid if g not in used]
    with_locations = bool(extra) and rng.random() < 0.3
    places_list = sorted(
        used + (extra[: int(rng.integers(1, len(extra) + 1))] if with_locations else [])
    )
    index = np.array([places_list.index(used[p]) for p in place])
    order = np.lexsort((day, index))
    index, day = index[order], day[order]
    places = np.array(places_list)
    events = pd.DataFrame(
        {
            "latitude": places[index, 0],
            "longitude": places[index, 1],
            "event_date": FIRST + pd.to_timedelta(day, unit="D"),
        }
    )
    if not with_locations:
        # without locations the places are the events' own (those with events)
        kept = np.unique(index)
        remap = np.full(len(places), -1)
        remap[kept] = np.arange(len(kept))
        places, index = places[kept], remap[index]
        locations = None
    else:
        locations = pd.DataFrame(
            {
                "name": [f"p{i}" for i in range(len(places))],
                "latitude": places[:, 0],
                "longitude": places[:, 1],
            }
        )
    options = {
        "max_share": float(rng.choice([1.0, 0.5, 0.3, 0.05, 0.9])),
        "max_radius_km": [None, 0.0, 30.0, 60.0, 1e5][int(rng.integers(5))],
        "min_events": int(rng.integers(1, 6)),
        "prospective": bool(rng.random() < 0.25),
        "days_per_unit": int(rng.choice([1, 1, 3, 7])),
        "max_days": [None, 1, n_days, int(rng.integers(1, n_days + 1))][int(rng.integers(4))],
    }
    return places, index, day, n_days, options, events, locations


def _check_case(seed, replications=3):
    """The scan and the brute force on one configuration; a list of disagreements."""
    rng = np.random.default_rng(seed)
    places, place, day, n_days, options, events, locations = _case(rng)
    result = ed.space_time_scan(
        events, locations=locations, replications=replications, seed=seed, **options
    )
    problems = []
    want, reports = _brute_force(places, place, day, n_days, options)
    got = float(result.table["test_statistic"].max()) if len(result.table) else 0.0
    if not np.isclose(got, want, rtol=1e-9, atol=1e-12):
        problems.append(f"seed {seed} {options}: largest LLR {got} != brute force {want}")
    elif len(result.table) and len({r[:4] for r in reports}) == 1:
        top = result.most_likely
        c, mu, lo, hi, _ = next(iter(reports))
        found = (
            int(top["observed"]),
            round(float(top["expected"]), 9),
            (top["start"] - FIRST).days,
            (top["end"] - FIRST).days,
        )
        if found[0] != c or not np.isclose(found[1], mu) or found[2:] != (lo, hi):
            problems.append(f"seed {seed} {options}: top {found} != brute force {(c, mu, lo, hi)}")
    # each replication: the days shuffled among the events in the scan's order
    draw = np.random.default_rng(seed)
    for k, null in enumerate(result.null_statistics):
        shuffled = draw.permutation(day)
        want_null, _ = _brute_force(places, place, shuffled, n_days, options)
        if not np.isclose(null, want_null, rtol=1e-9, atol=1e-12):
            problems.append(f"seed {seed} {options}: replication {k} {null} != {want_null}")
    return problems


def test_the_scan_and_its_replications_match_a_brute_force_on_many_small_cases():
    problems = []
    for seed in range(200):
        problems += _check_case(seed)
    assert not problems, "\n".join(problems[:10])


def _closed_by_a_place_without_events():
    """C and A burst on day 1; B, as far from C as A is, has no events and comes after A in
    the locations; E (next to A) and G (next to B) leave C's circle {C, A, B} the only one
    holding exactly C's and A's events."""
    rows = [(20.0, 1), (19.5, 1), (19.45, 2), (20.9, 2)]
    events = pd.DataFrame(
        [(10.0, lon, FIRST + pd.Timedelta(days=d)) for lon, d in rows for _ in range(3)],
        columns=["latitude", "longitude", "event_date"],
    )
    places = pd.DataFrame(
        {
            "name": ["E", "A", "C", "B", "G"],
            "latitude": [10.0] * 5,
            "longitude": [19.45, 19.5, 20.0, 20.5, 20.9],
        }
    )
    return events, places


def test_the_circle_of_two_places_with_a_burst_is_the_most_likely_cluster():
    events, _ = _closed_by_a_place_without_events()
    top = ed.space_time_scan(events, replications=0, max_days=1, min_events=1).most_likely
    assert (top["observed"], top["expected"]) == (6, 3.0)
    assert top["test_statistic"] == pytest.approx(1.726092, abs=1e-6)


def test_a_circle_closed_by_an_equidistant_place_without_events_is_scanned():
    # places without events change no cylinder's events: the same most likely cluster as
    # without locations= (brute force: 1.726092, 6 observed, 3 expected; found: 0.692085)
    events, places = _closed_by_a_place_without_events()
    result = ed.space_time_scan(events, locations=places, replications=0, max_days=1, min_events=1)
    assert result.most_likely["test_statistic"] == pytest.approx(1.726092, abs=1e-6)
    assert set(result.most_likely["locations"]) >= {"A", "C"}


def _six():
    return pd.DataFrame(
        {
            "latitude": [35.0, 35.0, 35.5, 36.0, 36.0, 35.0],
            "longitude": [40.0, 40.0, 40.5, 41.0, 41.0, 40.0],
            "event_date": pd.to_datetime(
                ["2022-01-05", "2022-01-05", "2022-01-01", "2022-01-02", "2022-01-09", "2022-01-06"]
            ),
        }
    )


def _top(result):
    return float(result.table["test_statistic"].max()) if len(result.table) else 0.0


@pytest.mark.parametrize(
    "change",
    [
        lambda e: e.iloc[::-1],  # dates out of order
        lambda e: e.astype({"latitude": "string", "longitude": "string"}),
        lambda e: e.astype({"latitude": "str", "longitude": "str"}),
        lambda e: e.astype({"latitude": "Float64", "longitude": "Float64"}),
        lambda e: e.astype({"latitude": "category"}),
        lambda e: e.assign(event_date=e["event_date"].dt.strftime("%Y-%m-%d").astype("string")),
        lambda e: e.assign(event_date=e["event_date"].dt.tz_localize("UTC")),
        lambda e: e.assign(location=list("abcdef"), fatalities=0, notes="x"),
        lambda e: e.assign(location=pd.array(["a", None, "c", "d", None, "f"], dtype="string")),
        lambda e: e.set_index(pd.Index([0, 0, 1, 1, 2, 2])),
    ],
    ids=[
        "unsorted",
        "string",
        "str",
        "Float64",
        "category",
        "string dates",
        "utc dates",
        "extra columns",
        "names with NA",
        "duplicate index",
    ],
)
def test_the_same_events_in_another_dress_give_the_same_clusters(change):
    options = {"replications": 9, "seed": 1, "min_events": 1}
    plain = ed.space_time_scan(_six(), **options)
    dressed = ed.space_time_scan(change(_six()), **options)
    assert _top(dressed) == pytest.approx(_top(plain), rel=1e-12) and _top(plain) > 0
    np.testing.assert_allclose(dressed.null_statistics, plain.null_statistics, rtol=1e-12)


def test_nullable_integer_coordinates_with_missing_ones_are_left_out():
    events = _six().assign(
        latitude=pd.array([35, None, 35, 36, 36, 35], dtype="Int64"),
        longitude=pd.array([40, 40, 40, 41, 41, 40], dtype="Int64"),
    )
    result = ed.space_time_scan(events, replications=0, min_events=1)
    assert result.n_events == 5 and result.parameters["left_out"] == 1
    expected = ed.space_time_scan(events.dropna(), replications=0, min_events=1)
    assert _top(result) == pytest.approx(_top(expected), rel=1e-12)


def test_duplicate_rows_are_events_each():
    once = _six()
    thrice = pd.concat([once] * 3, ignore_index=True)
    result = ed.space_time_scan(thrice, replications=0, min_events=1)
    assert result.n_events == 18
    places = (
        once[["latitude", "longitude"]].drop_duplicates().sort_values(["latitude", "longitude"])
    )
    where = {tuple(p): i for i, p in enumerate(places.to_numpy().tolist())}
    place = np.array(
        [where[tuple(p)] for p in thrice[["latitude", "longitude"]].to_numpy().tolist()]
    )
    day = (thrice["event_date"] - thrice["event_date"].min()).dt.days.to_numpy()
    want, _ = _brute_force(places.to_numpy(), place, day, 9, {"min_events": 1})
    assert _top(result) == pytest.approx(want, rel=1e-12) and want > 0


@pytest.mark.parametrize(
    "events",
    [
        _six().assign(event_date=pd.Timestamp("2022-01-01")),  # all on one day
        pd.DataFrame(  # one event a day at one place
            {
                "latitude": [35.0] * 10,
                "longitude": [40.0] * 10,
                "event_date": pd.date_range("2022-01-01", periods=10),
            }
        ),
    ],
    ids=["one day", "one place"],
)
@pytest.mark.parametrize("share", [0.5, 1.0])
def test_no_space_time_interaction_gives_no_cluster(events, share):
    result = ed.space_time_scan(events, replications=9, seed=1, min_events=1, max_share=share)
    assert result.table.empty and (result.null_statistics == 0).all()


@pytest.mark.parametrize(
    ("change", "options", "kind", "words"),
    [
        (
            lambda e: e.assign(latitude=[np.inf, *e["latitude"][1:]]),
            {},
            ed.EventDataError,
            "latitude",
        ),
        (
            lambda e: e.assign(latitude=[-91.0, *e["latitude"][1:]]),
            {},
            ed.EventDataError,
            "latitude",
        ),
        (
            lambda e: e.assign(longitude=[181.0, *e["longitude"][1:]]),
            {},
            ed.EventDataError,
            "longitude",
        ),
        (lambda e: e.assign(latitude="north"), {}, ed.EventDataError, "latitude"),
        (lambda e: e.drop(columns="event_date"), {}, ed.EventDataError, "event_date"),
        (lambda e: e.iloc[:0], {}, ed.InsufficientDataError, "dated"),
        (
            lambda e: e,
            {"start": "2023-01-01", "end": "2023-02-01"},
            ed.InsufficientDataError,
            "events",
        ),
        (
            lambda e: e,
            {"start": "2022-02-01", "end": "2022-01-01"},
            ed.InsufficientDataError,
            "period",
        ),
        (lambda e: e, {"max_radius_km": float("nan")}, ed.EventDataError, "max_radius_km"),
        (lambda e: e, {"max_period_share": float("nan")}, ed.EventDataError, "max_period_share"),
        (lambda e: e, {"max_clusters": 0}, ed.EventDataError, "max_clusters"),
    ],
)
def test_hostile_input_gets_one_clear_line(change, options, kind, words):
    with pytest.raises(kind, match=words) as caught:
        ed.space_time_scan(change(_six()), **{"replications": 9, "seed": 1, **options})
    assert "\n" not in str(caught.value)


def test_nan_coordinates_are_left_out_and_counted():
    events = _six().assign(latitude=[np.nan, *_six()["latitude"][1:]])
    result = ed.space_time_scan(events, replications=0, min_events=1)
    assert result.n_events == 5 and result.parameters["left_out"] == 1
    assert _top(result) == pytest.approx(
        _top(ed.space_time_scan(events.iloc[1:], replications=0, min_events=1)), rel=1e-12
    )


def test_locations_sharing_coordinates_get_one_clear_error():
    places = pd.DataFrame(
        {
            "name": ["a", "a2", "b", "c"],
            "latitude": [35.0, 35.0, 35.5, 36.0],
            "longitude": [40.0, 40.0, 40.5, 41.0],
        }
    )
    with pytest.raises(ed.EventDataError):
        ed.space_time_scan(_six(), locations=places, replications=0)


def test_a_negative_seed_gets_one_clear_error():
    with pytest.raises(ed.EventDataError, match="seed"):
        ed.space_time_scan(_six(), replications=9, seed=-1)


def test_empty_locations_are_told_in_the_scans_words():
    places = pd.DataFrame({"name": [], "latitude": [], "longitude": []})
    with pytest.raises(ed.EventDataError, match="locations") as caught:
        ed.space_time_scan(_six(), locations=places, replications=0)
    assert "near=" not in str(caught.value)


def _years(n, n_places, days, seed=1):
    rng = np.random.default_rng(seed)
    grid = np.c_[rng.uniform(30, 37, n_places).round(3), rng.uniform(39, 48, n_places).round(3)]
    at = rng.integers(0, n_places, n)
    return pd.DataFrame(
        {
            "latitude": grid[at, 0],
            "longitude": grid[at, 1],
            "event_date": pd.Timestamp("1990-01-01")
            + pd.to_timedelta(rng.integers(0, days, n), unit="D"),
        }
    )


class _Started(Exception):
    """Raised by a progress callback: the scan got past its size check."""


def _stop(step):
    raise _Started


@pytest.mark.parametrize(
    ("events", "options"),
    [
        (_years(4000, 4000, 30 * 365), {"max_radius_km": 50}),  # thirty years of days
        (_years(2000, 2000, 3650), {}),  # ten years, every circle up to half the events
    ],
    ids=["30 years", "10 years"],
)
def test_a_scan_clearly_too_large_is_refused_naming_what_would_shrink_it(events, options):
    with pytest.raises(ed.EventDataError) as caught:
        ed.space_time_scan(events, replications=999, progress=_stop, **options)
    message = str(caught.value)
    assert "\n" not in message and "too large" in message
    assert "days_per_unit" in message and "max_radius_km" in message


def test_places_too_many_for_their_circles_are_refused_naming_max_radius_km():
    events = _years(20000, 20000, 14)
    with pytest.raises(ed.EventDataError, match="max_radius_km") as caught:
        ed.space_time_scan(events, replications=9, progress=_stop)
    assert "\n" not in str(caught.value)


def test_a_scan_just_below_the_limit_runs_and_one_replication_more_is_refused():
    # the documented limit: 2e12 comparisons, (groups x interval rows) per replication;
    # the message tells both, so the last allowed number of replications follows from it
    events = _years(600, 40, 365)
    replications = 10**9
    for _ in range(4):
        try:
            ed.space_time_scan(events, replications=replications, progress=_stop, seed=1)
        except ed.EventDataError as error:
            found = re.search(r"in ([\d,]+) groups\) or more x ([\d,]+) interval", str(error))
            groups, rows = (int(x.replace(",", "")) for x in found.groups())
            replications = int(2e12 // (groups * rows)) - 1
        except _Started:
            break
    else:
        pytest.fail("no number of replications below the limit ran")
    with pytest.raises(ed.EventDataError, match="too large"):
        ed.space_time_scan(events, replications=replications + 1, progress=_stop, seed=1)


def test_the_clusters_command_prints_the_clusters_of_an_acled_export(capsys):
    path = shared_file(EXPORTS, "afghanistan-2020-03.csv")
    assert main(["clusters", str(path), "--replications", "19", "--max-days", "7"]) == 0
    out = capsys.readouterr().out
    assert "Space-time permutation scan: 496 events" in out and "19 replications" in out
    first = next(line for line in out.splitlines() if line.startswith("1. "))
    assert "observed" in first and "p=0.05" in first
