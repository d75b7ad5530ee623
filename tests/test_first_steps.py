"""The papercuts a new user meets in the first hour (issue 18, item 5).

Anniversaries given as dates, impossible dates, overlapping windows, misspelt
countries (Python and CLI), a country a store does not hold, the package's
namespace, the warning of ``counts`` about coarse dates and ``--start``/``--end``.
"""

from __future__ import annotations

import datetime
import warnings
from pathlib import Path

import pandas as pd
import pytest

import eventdata as ed
from eventdata.cli import EXIT_USAGE, main
from eventdata.core.errors import PrecisionWarning, SelectionError, WindowOverlapWarning


@pytest.fixture(scope="module")
def daily() -> pd.DataFrame:  # negbin tests below: quick, their warnings beside the point
    return ed.datasets.simulate(
        "2018-01-01", "2022-12-31", seed=5, anniversaries=["01-03"], effect=1.5
    )


@pytest.mark.parametrize(
    "day",
    [datetime.date(2020, 1, 3), pd.Timestamp("2022-01-03"), datetime.datetime(2019, 1, 3, 12)],
    ids=["date", "Timestamp", "datetime"],
)
def test_anniversary_test_takes_a_date(daily: pd.DataFrame, day: object) -> None:
    expected = ed.anniversary_test(daily, "01-03", method="negbin")
    result = ed.anniversary_test(daily, day, method="negbin")
    assert result.anniversary == "01-03"
    assert result.rate_ratio == expected.rate_ratio
    several = ed.anniversary_test(daily, [day, "07-14"], method="negbin")
    assert several.anniversaries == ("01-03", "07-14")


@pytest.mark.parametrize(
    ("day", "words"),
    [
        ("02-30", "month 2 has no day 30"),
        ("04-31", "month 4 has no day 31"),
        ("13-01", "no month 13"),
        ("00-10", "no month 0"),
    ],
)
def test_an_impossible_date_is_named_as_such(daily: pd.DataFrame, day: str, words: str) -> None:
    with pytest.raises(ValueError, match="not a day of the calendar") as caught:
        ed.anniversary_test(daily, day)
    assert words in str(caught.value)
    assert "MM-DD" not in str(caught.value)


@pytest.mark.parametrize("day", ["Jan 3", "0103", "01/03", "01-03-2022"])
def test_a_malformed_anniversary_still_asks_for_mm_dd(daily: pd.DataFrame, day: str) -> None:
    with pytest.raises(ValueError, match="'MM-DD'"):
        ed.anniversary_test(daily, day)


def test_the_leap_day_is_a_possible_anniversary(daily: pd.DataFrame) -> None:
    result = ed.anniversary_test(daily, "02-29", method="negbin")
    assert result.anniversary == "02-29"


@pytest.mark.parametrize(
    ("days", "window", "overlap"),
    [
        (["01-03", "12-30"], (-3, 5), True),  # across the turn of the year
        (["03-01", "03-09"], (0, 6), False),  # 8 days apart, windows of 7 days
        (["03-01", "03-07"], (0, 6), True),
        (["06-01", "12-01"], (-14, 14), False),
        (["02-27", "03-02"], (0, 3), True),
    ],
)
def test_overlapping_windows_of_several_anniversaries_warn(
    daily: pd.DataFrame, days: list[str], window: tuple[int, int], overlap: bool
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ed.anniversary_test(daily, days, window=window, method="negbin")
    told = [w for w in caught if issubclass(w.category, WindowOverlapWarning)]
    assert bool(told) == overlap
    if overlap:
        assert days[0] in str(told[0].message) and days[1] in str(told[0].message)
        assert told[0].filename == __file__  # points at the caller's line


@pytest.mark.parametrize(
    ("option", "value", "hint"),
    [
        ("countries", "Iraqq", "did you mean Iraq?"),
        ("countries", "syria", "did you mean Syria?"),
        ("countries", ["Iraq", "Sirya"], "did you mean Syria?"),
        ("countries", "Narnia", "the data hold: Iraq, Syria"),
        ("admin1", "Deir ez Zor", "did you mean Deir-ez-Zor?"),
    ],
)
def test_an_unknown_place_suggests_the_nearest(
    seed_events: pd.DataFrame, option: str, value: object, hint: str
) -> None:
    with pytest.raises(SelectionError) as caught:
        ed.filter_events(seed_events, **{option: value})
    message = str(caught.value)
    assert hint in message
    assert "{" not in message and "\n" not in message


def test_a_known_place_still_filters(seed_events: pd.DataFrame) -> None:
    assert len(ed.filter_events(seed_events, countries=["Iraq", "Syria"])) == 6
    empty = seed_events.iloc[:0]
    assert ed.filter_events(empty, countries="Iraq").empty  # nothing to compare with


def test_the_cli_suggests_the_nearest_country(capsys: pytest.CaptureFixture) -> None:
    code = main(["provinces", "--example", "--country", "Iraqq"])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert "did you mean Iraq?" in err
    assert "{" not in err and "Traceback" not in err


def test_an_empty_selection_is_told_in_words(capsys: pytest.CaptureFixture) -> None:
    code = main(["provinces", "--example", "--start", "2030-01-01"])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert "no valid event matches --start 2030-01-01" in err
    assert "{" not in err


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("first") / "mirror"
    ed.EventStore(folder).upsert(ed.datasets.load_seed_incidents())
    return folder


@pytest.mark.parametrize(("country", "hint"), [("Narnia", "Iraq, Syria"), ("Iraqq", "Iraq?")])
def test_export_of_a_country_the_store_lacks_is_an_error(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture, country: str, hint: str
) -> None:
    out = tmp_path / "out.csv"
    code = main(["export", "--store", str(store), "--out", str(out), "--country", country])
    assert code == EXIT_USAGE
    assert hint in capsys.readouterr().err
    assert not out.exists()
    assert main(["export", "--store", str(store), "--out", str(out), "--country", "Iraq"]) == 0
    assert set(pd.read_csv(out)["country"]) == {"Iraq"}


def test_the_package_exposes_only_its_api() -> None:
    public = {n for n in dir(ed) if not n.startswith("_")}
    for helper in ("annotations", "PackageNotFoundError", "version", "metadata"):
        assert helper not in public
    assert set(ed.__all__) - {"plot", "counts_out_of_core"} <= public
    data = {n for n in dir(ed.datasets) if not n.startswith("_")}
    assert not {"pd", "Path", "resources", "annotations"} & data
    assert set(ed.datasets.__all__) <= data
    assert ed.datasets.SEED_PATH.exists()
    assert ed.__version__


def test_counts_warns_about_the_events_it_left_out(seed_events: pd.DataFrame) -> None:
    with pytest.warns(PrecisionWarning, match="left out 1 event dated less precisely") as caught:
        table = ed.counts(seed_events)
    assert caught[0].filename == __file__
    assert table.attrs["time_precision"]["excluded"] == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", PrecisionWarning)
        weekly = ed.counts(seed_events, freq="W")  # a week-dated event is exact by week
        assert weekly["count"].sum() == 6
        ed.counts(seed_events, precision="spread")
        ed.counts(seed_events, precision="keep")


@pytest.mark.parametrize("command", ["anniversary", "provinces", "clusters", "report"])
def test_analysis_commands_take_start_and_end(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / f"{command}.json"
    period = ["--start", "2021-01-01", "--end", "2022-06-30"]
    extra = []
    if command == "clusters":  # two weeks: the scan's memory grows with the period
        period = ["--start", "2022-06-01", "--end", "2022-06-14"]
        extra = ["--replications", "9", "--max-days", "3", "--max-radius-km", "30"]
    assert main([command, "--example", *period, *extra, "--out", str(out)]) == 0
    assert out.exists()
    capsys.readouterr()
    assert main([command, "--example", "--start", "soon", *extra, "--out", str(out)]) == EXIT_USAGE
    assert "--start" in capsys.readouterr().err


def test_the_anniversary_command_tests_the_period_asked_for(tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    period = ["--start", "2019-01-01", "--end", "2021-12-31"]
    assert main(["anniversary", "--example", *period, "--out", str(out)]) == 0
    table = pd.read_csv(out)
    events = ed.datasets.simulate(
        "2016-01-01", "2022-12-31", seed=2022, anniversaries=["01-03"], effect=1.5
    )
    chosen = ed.filter_events(events, start="2019-01-01", end="2021-12-31")
    expected = ed.anniversary_test(chosen, "01-03")
    assert table["rate_ratio"].iloc[0] == pytest.approx(expected.rate_ratio)
    everything = ed.anniversary_test(events, "01-03")
    assert expected.rate_ratio != pytest.approx(everything.rate_ratio)
