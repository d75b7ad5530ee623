"""Building the report: validate, select, test the anniversary, look at provinces, draw.

:func:`build_report` runs the whole job on a set of events and returns the
:class:`~eventdata.report.document.Report` that holds the results and the figures.
Each section the data cannot support is replaced by the reason, and the others
still run.
"""

from __future__ import annotations

import base64
import io
import warnings
from collections.abc import Sequence
from typing import Any

import pandas as pd

from eventdata import plot
from eventdata.analysis.anniversary import AnniversaryResult, AnniversaryTests, anniversary_test
from eventdata.analysis.event_study import EventStudyResult, event_study
from eventdata.analysis.provinces import province_frequency
from eventdata.core.coverage import CoverageLike, covered_span, frame_coverage
from eventdata.core.errors import EventDataError
from eventdata.core.options import as_day
from eventdata.core.progress import Progress, ProgressOption
from eventdata.core.validation import Quarantine, validate
from eventdata.events.counts import counts, filter_events
from eventdata.plot import window_days
from eventdata.report._words import day_text, selection_text
from eventdata.report.document import Report

__all__ = ["build_report"]

_FIGURE_DPI = 100


def build_report(
    events: pd.DataFrame | Quarantine,
    *,
    anniversary: str | Sequence[str] = "01-03",
    window: tuple[int, int] = (0, 6),
    study_window: tuple[int, int] = (-14, 14),
    countries: str | Sequence[str] | None = None,
    event_types: str | Sequence[str] | None = None,
    actors: str | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    exposure: pd.Series | None = None,
    source: str | None = None,
    title: str | None = None,
    progress: ProgressOption = None,
    coverage: CoverageLike | None = None,
) -> Report:
    """Validate, select, test the anniversary, look at provinces, and draw it all.

    Parameters
    ----------
    events : pandas.DataFrame or Quarantine
        Event records (validated here, rejected rows set aside and counted), or
        the :class:`~eventdata.core.validation.Quarantine` that
        ``ed.read_acled(path, errors="quarantine")`` returns.
    anniversary : "MM-DD" or sequence of "MM-DD"
        The anniversary (or anniversaries, tested together with adjusted p-values).
    window : (int, int)
        Days relative to the anniversary that are tested, both ends included.
    study_window : (int, int)
        Days shown in the event study.
    countries, event_types, actors
        Selection passed to :func:`eventdata.filter_events` (``actors`` is a
        case-insensitive regular expression on the actor columns).
    start, end : date-like, optional
        The period the report speaks for, both days included: the events, the
        coverage and so the tests are cut to it, while the validation counts
        (rows read, valid, rejected) stay those of the whole input.
    exposure : pandas.Series, optional
        Exposure per day, indexed by date (the number of sources, a coverage
        weight, a population): the expectation of the anniversary test and of
        the event study is proportional to it (see
        :func:`eventdata.anniversary_test`); days of zero or missing exposure are
        left out as not covered.
    source : str, optional
        What the data are, for the report's header (default: "events in memory").
    title : str, optional
        Default: "Anniversary report: <anniversaries>".
    progress : bool or callable, optional
        ``True``: a progress bar of the steps (and of the placebo test) on
        stderr, only when it is a terminal; a callable receives each
        :class:`~eventdata.core.progress.ProgressStep` (see :mod:`eventdata.core.progress`).
    coverage : list of dict or pandas.DataFrame, optional
        The days the data cover (see :mod:`eventdata.core.coverage`); default: the
        input's ``attrs["coverage"]`` (set by the readers and stores).

    Returns
    -------
    Report

    Sections degrade one by one: a test, event study, figure or province
    table the data cannot support (too short a series, too few covered days,
    a window in a gap) is replaced by the reason, in its place, and recorded in
    ``Report.skipped``; the others still render. When the data are too short
    for ``study_window`` the event study shows the tested ``window``, and a
    note says so. ``period`` is the span the data cover (their coverage), not
    the first and last event selected.

    Raises
    ------
    EventDataError
        If no valid event is selected.

    Examples
    --------
    >>> import eventdata as ed
    >>> events = ed.datasets.simulate("2019-01-01", "2021-12-31", seed=2, rate=3)
    >>> report = build_report(events, anniversary="01-03")
    >>> report.validation.n_rejected, len(report.anniversaries), sorted(report.figures)[:2]
    (0, 1, ['anniversary-01-03', 'calendar'])
    >>> html = report.to_html()
    >>> html.startswith("<!DOCTYPE html>") and html.count("data:image/png;base64,") == 6
    True
    """
    checked = events if isinstance(events, Quarantine) else validate(events, errors="quarantine")
    names = [anniversary] if isinstance(anniversary, str) else list(anniversary)
    selection = {
        "countries": countries,
        "event_types": event_types,
        "actors": actors,
        "start": _iso_day(start, "start"),
        "end": _iso_day(end, "end"),
    }
    valid = checked.valid
    spans = frame_coverage(events if isinstance(events, pd.DataFrame) else valid, coverage)
    if spans is not None:
        valid = valid.copy(deep=False)  # the caller's frame keeps its attrs
        valid.attrs["coverage"] = spans
    selected = filter_events(valid, **selection)
    if selected.empty:
        raise EventDataError(
            f"no valid event matches the selection ({selection_text(selection)}): "
            f"{checked.n_valid} valid rows of {checked.n_rows} read"
        )
    figures: dict[str, str] = {}
    captions: dict[str, str] = {}
    skipped: dict[str, str] = {}

    def attempt(name: str, build: Any) -> Any:
        """Run one section; if the data cannot support it, say why in its place."""
        try:
            return build()
        except (EventDataError, ValueError) as error:
            skipped[name] = str(error)
            return None

    steps = 4 + 3 * len(names)
    bar = Progress(progress, total=steps, unit=" step", description="report")
    studies: dict[str, EventStudyResult] = {}
    results: tuple[AnniversaryResult, ...] = ()
    shrunk = []
    with bar, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        daily = counts(selected)
        tests = attempt(
            "anniversary",
            lambda: anniversary_test(
                selected,
                names if len(names) > 1 else names[0],
                window=window,
                progress=progress,
                exposure=exposure,
            ),
        )
        if tests is not None:
            results = _each_anniversary(tests)
        for name in names if results else ():
            study = attempt(
                f"event-study-{name}",
                lambda name=name: event_study(
                    selected, name, window=study_window, exposure=exposure
                ),
            )
            if study is None and tuple(study_window) != tuple(window):
                # too short for the whole study window: show the tested window only
                study = attempt(
                    f"event-study-{name}",
                    lambda name=name: event_study(selected, name, window=window, exposure=exposure),
                )
                if study is not None:
                    reason = skipped.pop(f"event-study-{name}")
                    shrunk.append(
                        f"The event study around {name} shows the tested window "
                        f"({window_days(window)}) instead of {window_days(study_window)}: "
                        f"{reason}"
                    )
            if study is not None:
                studies[name] = study
        bar.advance(note="tests")
        _draw(
            "timeline",
            lambda: plot.timeline(daily, anniversary=names, window=window),
            "Selected events per day (light bars) with their centred 7-day mean; "
            "the anniversary windows are shaded; days the data do not cover are blank.",
            figures,
            captions,
            attempt,
        )
        bar.advance(note="timeline")
        for result in results:
            key = result.anniversary
            _draw(
                f"anniversary-{key}",
                lambda result=result: plot.anniversary(result),
                f"Events in the window around {key}, year by year: observed against the "
                "expectation of the model fitted without the windows.",
                figures,
                captions,
                attempt,
            )
            bar.advance(note=f"anniversary {key}")
            if key in studies:
                _draw(
                    f"event-study-{key}",
                    lambda key=key: plot.event_study(studies[key], window=window),
                    f"Observed over expected events on each day around {key}, pooled over "
                    "the years, with pointwise intervals; the tested window is shaded.",
                    figures,
                    captions,
                    attempt,
                )
            bar.advance(note=f"event study {key}")
            _draw(
                f"placebo-{key}",
                lambda result=result: plot.placebo(result),
                f"The window around {key} among the same window at other dates of the "
                "series (pseudo-anniversaries): how often an ordinary stretch of days "
                "rises as much.",
                figures,
                captions,
                attempt,
            )
            bar.advance(note=f"placebo {key}")
        _draw(
            "calendar",
            lambda: plot.calendar(daily, anniversary=names, window=window),
            "Events per day by day of the year (columns) and year (rows); the windows are "
            "outlined. A strong anniversary effect shows as darker cells inside the "
            "outline, year after year.",
            figures,
            captions,
            attempt,
        )
        bar.advance(note="calendar")
        provinces = None
        if {"country", "admin1"} <= set(selected.columns):
            provinces = attempt("provinces", lambda: province_frequency(selected))
            if provinces is not None:
                _draw(
                    "provinces",
                    lambda: plot.provinces(provinces),
                    "Each province's events over what an even spread within its country "
                    "predicts, with intervals; flagged provinces are coloured.",
                    figures,
                    captions,
                    attempt,
                )
        bar.advance(note="provinces")
    notes = tuple(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    for message in caught:  # recorded in the report, and still said to the caller
        warnings.warn(message.message, message.category, stacklevel=2)
    coverage = frame_coverage(selected)
    period, period_notes = _period(selected, coverage)
    return Report(
        title=title or f"Anniversary report: {', '.join(names)}",
        source=source or "events in memory",
        created=pd.Timestamp.now(tz="UTC").tz_localize(None),
        validation=checked,
        selection={**selection, "events": len(selected)},
        period=period,
        window=tuple(window),
        anniversaries=results,
        event_studies=studies,
        provinces=provinces,
        daily=daily,
        figures=figures,
        captions=captions,
        notes=(*notes, *shrunk, *period_notes),
        skipped=skipped,
        coverage=coverage,
    )


def _iso_day(day: Any, what: str) -> str | None:
    """A period's bound as ISO text, as the selection records it (checked)."""
    checked = as_day(day, what)
    return None if checked is None else checked.date().isoformat()


def _draw(
    name: str,
    draw: Any,
    caption: str,
    figures: dict[str, str],
    captions: dict[str, str],
    attempt: Any,
) -> None:
    """One figure, or the reason it could not be drawn."""
    picture = attempt(name, lambda: _png(draw()))
    if picture is not None:
        figures[name] = picture
        captions[name] = caption


def _period(
    selected: pd.DataFrame, coverage: list[dict[str, Any]] | None
) -> tuple[tuple[pd.Timestamp, pd.Timestamp], tuple[str, ...]]:
    """The period the report speaks for: the coverage's span, else the events'."""
    dates = pd.to_datetime(selected["event_date"])
    first, last = covered_span(coverage)
    if first is None:
        return (dates.min(), dates.max()), ()
    notes = []
    before, after = int((dates < first).sum()), int((dates > last).sum())
    if before or after:
        notes.append(
            f"{before + after} events lie outside the span the data cover "
            f"({day_text(first)} to {day_text(last)}; events dated only to the week or month "
            "do not mark it): monthly views count them, daily analyses cannot"
        )
    return (first, last), tuple(notes)


def _each_anniversary(
    tests: AnniversaryResult | AnniversaryTests,
) -> tuple[AnniversaryResult, ...]:
    """Each anniversary's result, in order, whichever type ``anniversary_test`` returned.

    Examples
    --------
    >>> import eventdata as ed
    >>> daily = ed.datasets.simulate_counts("2016-01-01", "2019-12-31", seed=4)
    >>> [r.anniversary for r in _each_anniversary(ed.anniversary_test(daily, "01-03"))]
    ['01-03']
    """
    return tuple(tests) if isinstance(tests, AnniversaryTests) else (tests,)


def _png(ax: Any) -> str:
    """The Axes' figure as base64 PNG text; the figure is closed."""
    import matplotlib.pyplot as plt

    figure = ax.figure
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_FIGURE_DPI, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
