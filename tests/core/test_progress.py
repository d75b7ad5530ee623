"""Progress of long work: callbacks see every step, bars only on a terminal."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import eventdata as ed
from eventdata.analysis import _baseline, _calendar, _placebo
from eventdata.cli import main
from eventdata.core.progress import Progress, ProgressStep


@pytest.fixture(scope="module")
def daily() -> pd.Series:
    return ed.datasets.simulate_counts(
        "2016-01-01", "2022-12-31", seed=4, anniversaries=["01-03"], effect=1.5
    )


def pretend_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Captured stderr says it is a terminal, so that bars are drawn on it.

    Called in the test itself: pytest swaps sys.stderr between setup and call.
    """
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)


# --- the Progress object -----------------------------------------------------


def test_a_callback_gets_each_step_with_running_totals() -> None:
    seen: list[ProgressStep] = []
    with Progress(seen.append, total=10, unit=" rows", description="work") as bar:
        bar.advance(4, note="first")
        bar.advance(6)
    assert seen == [
        ProgressStep("work", 4, 4, 10, "first"),
        ProgressStep("work", 6, 10, 10, None),
    ]
    assert bar.done == 10


def test_a_callback_can_be_given_the_work_s_own_step_type() -> None:
    seen: list[object] = []
    with Progress(seen.append) as bar:
        bar.advance(3, step=("page", 1))
    assert seen == [("page", 1)]


@pytest.mark.parametrize("option", [None, False, True])
def test_no_callback_and_no_terminal_print_nothing(option, capsys) -> None:
    with Progress(option, total=3, description="quiet") as bar:
        for _ in range(3):
            bar.advance(note="step")
    assert capsys.readouterr() == ("", "")


def test_a_bar_is_drawn_on_stderr_when_it_is_a_terminal(monkeypatch, capsys) -> None:
    pretend_terminal(monkeypatch)
    with Progress(True, total=2, unit=" stages", description="drawn") as bar:
        bar.advance()
        bar.advance()
    out, err = capsys.readouterr()
    assert out == ""
    assert "drawn" in err


@pytest.mark.parametrize("option", ["yes", 1, 0, 1.0, [print]])
def test_a_bad_option_is_a_clear_type_error(option) -> None:
    with pytest.raises(TypeError, match="progress must be True, False, None or a callable"):
        Progress(option)


def test_the_bar_is_closed_when_the_work_fails(monkeypatch) -> None:
    pretend_terminal(monkeypatch)
    with pytest.raises(RuntimeError), Progress(True, total=5, description="failing") as bar:
        bar.advance()
        raise RuntimeError("stop")
    assert bar._bar.disable  # tqdm marks a closed bar disabled


# --- the placebo loop of anniversary_test --------------------------------------


def test_placebo_steps_are_batches_that_add_up_to_every_pseudo_anniversary(daily) -> None:
    seen: list[ProgressStep] = []
    tests = ed.anniversary_test(daily, ["01-03", "07-04"], progress=seen.append)
    n_placebo = {r.anniversary: r.n_placebo for r in tests}
    total = sum(n_placebo.values())
    assert all(s.total == total and s.description == "placebo dates" for s in seen)
    assert [s.done for s in seen] == list(pd.Series([s.n for s in seen]).cumsum())
    assert seen[-1].done == total
    assert all(0 < s.n <= _placebo.PLACEBO_BATCH for s in seen)
    for label, n in n_placebo.items():
        assert sum(s.n for s in seen if s.note == label) == n
    assert [s.note for s in seen] == sorted((s.note for s in seen), key=list(n_placebo).index)


def test_anniversary_results_do_not_depend_on_progress(daily) -> None:
    plain = ed.anniversary_test(daily, "01-03")
    reported = ed.anniversary_test(daily, "01-03", progress=lambda step: None)
    pd.testing.assert_frame_equal(plain.to_frame(), reported.to_frame(), check_exact=True)
    pd.testing.assert_frame_equal(plain.placebo, reported.placebo, check_exact=True)
    pd.testing.assert_frame_equal(plain.by_year, reported.by_year, check_exact=True)
    assert (plain.rate_ratio, plain.ci, plain.pvalue) == (
        reported.rate_ratio,
        reported.ci,
        reported.pvalue,
    )


def test_batches_give_the_same_sums_as_one_solve(daily) -> None:
    """Each pseudo-anniversary's numbers do not depend on the others in its batch."""
    values = daily.to_numpy(dtype="float64")
    years, positions = _calendar.anniversary_anchors(daily.index, 1, 3)
    fit_rows = ~_calendar.window_days(positions, (0, 6), len(values))
    baseline = _baseline.Baseline.fit(daily.index, values, fit_rows, trend_df=None, harmonics=None)
    _, anchors = _calendar.years_to_test(daily.index, years, positions, (0, 6), None, "01-03")
    forbidden = _calendar.window_days(positions, (-30, 36), len(values))
    shifts = _placebo.placebo_shifts(anchors, (0, 6), forbidden, len(values))
    assert len(shifts) > _placebo.PLACEBO_BATCH
    batched = _placebo.left_out_sums(baseline, anchors, shifts, (0, 6))
    at_once = _placebo.left_out_batch(baseline, anchors, shifts, (0, 6))
    for field in ("observed", "expected", "model_variance"):
        assert (getattr(batched, field) == getattr(at_once, field)).all()


def test_anniversary_progress_bar_is_quiet_off_a_terminal(daily, capsys) -> None:
    ed.anniversary_test(daily, "01-03", progress=True)
    assert capsys.readouterr() == ("", "")


def test_anniversary_rejects_a_bad_progress_option(daily) -> None:
    with pytest.raises(TypeError, match="progress must be"):
        ed.anniversary_test(daily, "01-03", progress="bar")


# --- the command line -----------------------------------------------------------


def _ingest_args(tmp_path: Path, seed_events: pd.DataFrame) -> list[str]:
    export = ed.write_acled(seed_events, tmp_path / "week.csv")
    deletions = tmp_path / "deleted.csv"
    pd.DataFrame({"event_id_cnty": ["NOT-STORED-1"], "deleted_timestamp": [1700000000]}).to_csv(
        deletions, index=False
    )
    return [
        "ingest",
        str(export),
        "--store",
        str(tmp_path / "mirror"),
        "--deletions",
        str(deletions),
    ]


def test_ingest_draws_a_bar_of_its_stages_on_a_terminal(
    monkeypatch, capsys, tmp_path, seed_events
) -> None:
    pretend_terminal(monkeypatch)
    assert main(_ingest_args(tmp_path, seed_events)) == 0
    out, err = capsys.readouterr()
    assert "rows read: 6" in out
    assert "ingest" in err and "/3" in err


def test_ingest_prints_no_bar_off_a_terminal(capsys, tmp_path, seed_events) -> None:
    assert main(_ingest_args(tmp_path, seed_events)) == 0
    assert capsys.readouterr().err == ""


def test_anniversary_command_shows_the_placebo_bar_on_a_terminal(monkeypatch, capsys) -> None:
    pretend_terminal(monkeypatch)
    assert main(["anniversary", "--example"]) == 0
    assert "placebo dates" in capsys.readouterr().err


def test_anniversary_command_is_quiet_off_a_terminal(capsys) -> None:
    assert main(["anniversary", "--example"]) == 0
    assert capsys.readouterr().err == ""


def test_report_steps_and_its_placebo_batches_reach_one_callback() -> None:
    from eventdata.report import build_report

    events = ed.datasets.simulate("2019-01-01", "2021-12-31", seed=2, rate=3)
    seen: list[ProgressStep] = []
    build_report(events, anniversary=["01-03", "01-08"], progress=seen.append)
    report = [s for s in seen if s.description == "report"]
    placebo = [s for s in seen if s.description != "report"]
    assert [s.done for s in report] == list(range(1, 11)) and report[-1].total == 10
    assert [s.note for s in report][:3] == ["tests", "timeline", "anniversary 01-03"]
    assert placebo and placebo[-1].done == placebo[-1].total


def test_units_solved_together_give_each_unit_its_own_sums(daily) -> None:
    """The stacked solve over several series on the same days equals each one's own."""
    values = daily.to_numpy(dtype="float64")
    years, positions = _calendar.anniversary_anchors(daily.index, 1, 3)
    fit_rows = ~_calendar.window_days(positions, (0, 6), len(values))
    design = _baseline.design_matrix(daily.index, trend_df=None, harmonics=None)
    baselines = [
        _baseline.Baseline.fit(
            daily.index, series, fit_rows, trend_df=None, harmonics=None, design=design
        )
        for series in (values, values[::-1].copy(), values + 3)
    ]
    _, anchors = _calendar.years_to_test(daily.index, years, positions, (0, 6), None, "01-03")
    forbidden = _calendar.window_days(positions, (-30, 36), len(values))
    shifts = _placebo.placebo_shifts(anchors, (0, 6), forbidden, len(values))
    together = _placebo.left_out_sums_of_units(baselines, anchors, shifts, (0, 6))
    for baseline, sums in zip(baselines, together, strict=True):
        alone = _placebo.left_out_sums(baseline, anchors, shifts, (0, 6))
        for field in ("observed", "expected", "model_variance"):
            np.testing.assert_allclose(getattr(sums, field), getattr(alone, field), rtol=1e-12)
