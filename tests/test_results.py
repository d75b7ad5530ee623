"""Every public result follows one protocol (issue 16, item 4).

Each result type is made by its public function on small data and read the same way:
``to_frame()`` (a DataFrame, also as ``table``), ``summary()`` (text), ``to_dict()`` (JSON
numbers: ``json.dumps(..., allow_nan=False)`` takes it), ``_repr_html_()`` (the notebook view)
and, for the results of the analysis layer, ``plot(ax=None)`` (a new Axes, or the one given).
The same thing has the same name everywhere: a rate ratio is ``rate_ratio``, its interval
``ci`` (a ``(low, high)`` pair), p-values ``pvalue`` and ``pvalue_adjusted``; in tables the
interval is ``ci_low``/``ci_high`` and the old names ``ratio`` and ``qvalue`` are gone.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

import eventdata as ed
from tests.fake_acled import acled_json_rows, as_csv

#: Column names the protocol replaced: ``ratio`` is ``rate_ratio``, ``qvalue`` ``pvalue_adjusted``.
DRIFTED_COLUMNS = {"ratio", "qvalue"}


@dataclass(frozen=True)
class Case:
    """A result type, how to make one, and what it must offer beyond the common protocol."""

    name: str  # the type's name (or, for anniversary_test's own return, a description)
    make: Callable[[pytest.FixtureRequest], Any]
    analysis: bool = True  # results of the analysis layer draw themselves
    names: tuple[str, ...] = ()  # the protocol's attributes this result has


def _quietly(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def _daily() -> pd.Series:
    return ed.datasets.simulate_counts(
        "2016-01-01", "2019-12-31", seed=4, anniversaries=["01-03"], effect=1.5
    )


def _events(seed: int = 5) -> pd.DataFrame:
    return ed.datasets.simulate("2021-01-01", "2021-12-31", seed=seed)


def _monthly() -> pd.Series:
    months = pd.period_range("2015-01", periods=72, freq="M")
    rate = np.where(months >= pd.Period("2019-01", "M"), 30, 60)
    return pd.Series(np.random.default_rng(1).poisson(rate), index=months)


def _alerts(_request: pytest.FixtureRequest) -> Any:
    days = pd.date_range("2023-03-01", periods=12, freq="D")
    daily = pd.Series([4, 5, 3, 6, 4, 5, 4, 5, 3, 5, 21, 6], index=days)
    return ed.escalation_alerts(daily, method="ears-c2")


SCAN_DATES = ["2022-01-05", "2022-01-05", "2022-01-06", "2022-01-01", "2022-01-02", "2022-01-09"]
SCAN_DATES += ["2022-01-07", "2022-01-01"]


def _scan(_request: pytest.FixtureRequest) -> Any:
    events = pd.DataFrame(
        {
            "latitude": [35.0, 35.0, 35.0, 35.5, 36.0, 36.0, 35.5, 35.0],
            "longitude": [40.0, 40.0, 40.0, 40.5, 41.0, 41.0, 40.5, 40.0],
            "event_date": pd.to_datetime(SCAN_DATES),
        }
    )
    return ed.space_time_scan(events, replications=19, seed=1)


def _quarantine(_request: pytest.FixtureRequest) -> Any:
    seed = ed.datasets.load_seed_incidents()
    broken = seed.assign(fatalities=seed["fatalities"].astype("object"))
    broken.loc[0, "fatalities"] = -3
    return ed.validate(broken, errors="quarantine")


def _store_change(request: pytest.FixtureRequest) -> Any:
    folder = request.getfixturevalue("tmp_path") / "store"
    return ed.EventStore(folder).upsert(ed.datasets.simulate("2022-01-01", "2022-01-20", seed=3))


def _sync(request: pytest.FixtureRequest) -> Any:
    fake = request.getfixturevalue("fake")
    client = request.getfixturevalue("make_client")()
    fake.rows = acled_json_rows(as_csv(ed.datasets.simulate("2022-01-01", "2022-01-20", seed=3)))
    store = ed.EventStore(request.getfixturevalue("tmp_path") / "mirror")
    return store.sync(client, countries=["Iraq", "Syria"])


def _report(_request: pytest.FixtureRequest) -> Any:
    events = ed.datasets.simulate("2019-01-01", "2021-12-31", seed=2, rate=3)
    return ed.build_report(events, anniversary="01-03")


RATIO_TEST = ("rate_ratio", "ci", "pvalue")


def _one_anniversary(_request: pytest.FixtureRequest) -> Any:
    """The AnniversaryResult of one anniversary (``anniversary_test`` may hold it in a
    one-anniversary AnniversaryTests)."""
    tested = ed.anniversary_test(_daily(), "01-03")
    return tested if isinstance(tested, ed.AnniversaryResult) else tested["01-03"]


CASES = [
    Case("AnniversaryResult", _one_anniversary, names=(*RATIO_TEST, "pvalue_adjusted")),
    # whatever anniversary_test returns for one anniversary reads as that anniversary's result
    Case(
        "anniversary_test of one anniversary",
        lambda _r: ed.anniversary_test(_daily(), "01-03"),
        names=(*RATIO_TEST, "pvalue_adjusted"),
    ),
    Case("AnniversaryTests", lambda _r: ed.anniversary_test(_daily(), ["01-03", "07-04"])),
    Case("EventStudyResult", lambda _r: ed.event_study(_daily(), "01-03", window=(-3, 3))),
    Case("RateRatioTest", lambda _r: ed.rate_ratio_test(30, 10, 20, 10), names=RATIO_TEST),
    Case(
        "UnitAnniversaryTests",
        lambda _r: _quietly(
            ed.anniversary_by_unit,
            ed.datasets.simulate("2018-01-01", "2021-12-31", seed=2),
            "01-03",
            by="country",
            method="negbin",
        ),
    ),
    # the step at the interruption: its rate ratio, interval and p-value
    Case(
        "InterruptedTimeSeries",
        lambda _r: ed.interrupted_time_series(_monthly(), "2019-01", harmonics=1),
        names=RATIO_TEST,
    ),
    Case("EscalationAlerts", _alerts),
    Case("ProvinceResult", lambda _r: _quietly(ed.province_frequency, _events())),
    Case(
        "PeriodComparison",
        lambda _r: _quietly(
            ed.compare_periods,
            _events(),
            before=("2021-01-01", "2021-06-30"),
            after=("2021-07-01", "2021-12-31"),
        ),
    ),
    Case("ProvinceModel", lambda _r: _quietly(ed.province_model, _events())),
    Case(
        "KnoxResult",
        lambda _r: ed.knox_test(
            ed.datasets.simulate("2022-01-01", "2022-03-31", seed=3),
            distance_km=20,
            days=3,
            permutations=99,
            seed=0,
        ),
        names=("rate_ratio", "pvalue"),
    ),
    Case("ScanResult", _scan),
    Case("Quarantine", _quarantine, analysis=False),
    Case("StoreChange", _store_change, analysis=False),
    Case("SyncResult", _sync, analysis=False),
    Case("Report", _report, analysis=False),
]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _breaches(result: Any, case: Case) -> list[str]:
    """What the result does not offer of the protocol, in words (empty when it follows it)."""
    breaches = []

    def check(what: str, read: Callable[[], Any], kind: type | tuple[type, ...]) -> Any:
        try:
            value = read()
        except Exception as error:  # a missing method is reported, and so is any failure
            breaches.append(f"{what}: {type(error).__name__}: {error}")
            return None
        if not isinstance(value, kind):
            breaches.append(f"{what} gives {type(value).__name__}, not {kind}")
            return None
        return value

    frame = check("to_frame()", lambda: result.to_frame(), pd.DataFrame)
    check("table", lambda: result.table, pd.DataFrame)
    summary = check("summary()", lambda: result.summary(), str)
    if summary is not None and not summary.strip():
        breaches.append("summary() is empty")
    numbers = check("to_dict()", lambda: result.to_dict(), dict)
    if numbers is not None:
        check("json.dumps(to_dict())", lambda: json.dumps(numbers, allow_nan=False), str)
    check("_repr_html_()", lambda: result._repr_html_(), str)
    if frame is not None:
        drifted = DRIFTED_COLUMNS & set(frame.columns)
        if drifted:
            breaches.append(f"to_frame() has the old column names {sorted(drifted)}")
        if ("ci_low" in frame.columns) != ("ci_high" in frame.columns):
            breaches.append("to_frame() has one end of the interval (ci_low, ci_high)")
    if case.analysis:
        new = check("plot(ax=None)", lambda: result.plot(ax=None), Axes)
        _, given = plt.subplots()
        drawn = check("plot(ax=ax)", lambda: result.plot(ax=given), Axes)
        if new is not None and drawn is not None and drawn is not given:
            breaches.append("plot(ax=ax) does not draw on the Axes given")
    for name in case.names:
        if not hasattr(result, name):
            breaches.append(f"no attribute {name}")
    if "ci" in case.names and hasattr(result, "ci"):
        ci = result.ci
        if not (isinstance(ci, tuple) and len(ci) == 2):
            breaches.append(f"ci is {ci!r}, not a (low, high) pair")
        elif (
            hasattr(result, "rate_ratio")
            and all(map(math.isfinite, ci))
            and not ci[0] <= result.rate_ratio <= ci[1]
        ):
            breaches.append(f"rate_ratio {result.rate_ratio} is outside ci {ci}")
    for name in ("pvalue", "pvalue_adjusted"):
        if name in case.names and hasattr(result, name):
            value = getattr(result, name)
            if not (isinstance(value, float) and 0 <= value <= 1):
                breaches.append(f"{name} is {value!r}, not a probability")
    return breaches


def test_the_cases_cover_every_public_result_type():
    public = {
        name
        for name in ed.__all__
        if isinstance(getattr(ed, name), type)
        and not issubclass(getattr(ed, name), BaseException)  # errors and warnings
        and name != "EventStore"  # the one public class that is not a result
    }
    assert public == {case.name for case in CASES} - {"anniversary_test of one anniversary"}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_result_follows_the_protocol(case, request):
    result = case.make(request)
    if hasattr(ed, case.name):
        assert type(result).__name__ == case.name
    breaches = _breaches(result, case)
    assert not breaches, f"{case.name} breaks the result protocol:\n" + "\n".join(breaches)
