"""A self-contained report of the anniversary question: what an analyst sends a colleague.

:func:`build_report` runs the whole job on a set of events: validation (rows
read, valid, rejected by rule), the selection (countries, event types, actors),
the anniversary test with its pictures (daily timeline with the windows
shaded, observed against expected per year, the event study around the day,
the calendar), and the provinces where the selected events happen more or less
often than an even spread predicts. The :class:`Report` it returns holds the
result objects and the figures, and writes them as one HTML file (figures
embedded as base64 PNG: no external files, opens offline, survives e-mail), as
a PDF (summary, figures, tables and notes as pages) or as JSON numbers for
pipelines.

Examples
--------
>>> import eventdata as ed
>>> events = ed.datasets.simulate("2019-01-01", "2022-12-31", seed=1,
...                               anniversaries=["01-03"], effect=1.5)
>>> report = build_report(events, anniversary="01-03")
>>> report.to_dict()["validation"]["rows_rejected"]
0
>>> report.to_html().count('<img src="data:image/png;base64,')
6
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from eventdata.analysis.anniversary import (
    AnniversaryResult,
    AnniversaryTests,
    anniversary_test,
    format_pvalue,
    format_ratio,
)
from eventdata.analysis.event_study import EventStudyResult, event_study
from eventdata.analysis.provinces import ProvinceResult, province_frequency
from eventdata.core.coverage import CoverageLike, covered_span, frame_coverage
from eventdata.core.errors import EventDataError
from eventdata.core.progress import Progress, ProgressOption
from eventdata.core.validation import Quarantine, validate
from eventdata.core.version import __version__
from eventdata.events.counts import counts, filter_events

__all__ = ["PDF_TABLE_ROWS", "Report", "build_report", "to_jsonable"]

_FIGURE_DPI = 100
#: Rows of the province table on one page of :meth:`Report.to_pdf`.
PDF_TABLE_ROWS = 45
_A4 = (8.27, 11.69)  # inches, portrait
_CAVEATS = (
    "The tests show whether events rose in time with an anniversary, not why: "
    "other events of the same days, reporting habits (sources' holidays, year-end "
    "round-ups) and coding delays can all move the counts.",
    "Intervals and p-values of the placebo method compare the real window with "
    "the same window at other dates of the same series, so they allow for "
    "overdispersion and autocorrelation; event-study intervals are pointwise.",
)


@dataclass(frozen=True, eq=False)
class Report:
    """The anniversary report: its results, its figures and where they came from.

    Attributes
    ----------
    title, source : str
        The report's title and a description of the data it was built from.
    created : pandas.Timestamp
        When it was built (UTC).
    validation : Quarantine
        The validation of the input: rows read, valid, rejected and why.
    selection : dict
        The filters applied to the valid rows (``countries``, ``event_types``,
        ``actors``; ``None`` for "all") and ``events``, the rows selected.
    period : (pandas.Timestamp, pandas.Timestamp)
        First and last day the data cover (their coverage; without one, the
        first and last event date of the selection).
    window : (int, int)
        The tested days relative to the anniversary.
    anniversaries : tuple of AnniversaryResult
        One test per anniversary (p-values adjusted together when several).
    event_studies : dict of str to EventStudyResult
        The day-by-day view around each anniversary.
    provinces : ProvinceResult or None
        Provinces against an even spread within their country (``None`` when
        the events lack ``country`` or ``admin1``).
    daily : pandas.DataFrame
        The daily counts of the selection (``date``, ``count``).
    figures : dict of str to str
        Figure name -> base64-encoded PNG.
    captions : dict of str to str
        Figure name -> caption.
    notes : tuple of str
        Warnings raised while building (calibration, dispersion, names) and
        other caveats, in words.
    skipped : dict of str to str
        Sections (``"anniversary"``, ``"event-study-<MM-DD>"``, ``"timeline"``,
        ``"calendar"``, ``"provinces"``, ...) that could not run on these data,
        with the reason, shown in their place: the other sections still render.
    coverage : list of dict or None
        The days the data cover (see :mod:`eventdata.core.coverage`); ``period`` is
        their span when known.

    Examples
    --------
    >>> import eventdata as ed
    >>> events = ed.datasets.simulate("2019-01-01", "2021-12-31", seed=2, rate=3)
    >>> report = build_report(events)
    >>> report.title, report.selection["events"] == report.validation.n_valid
    ('Anniversary report: 01-03', True)
    >>> sorted(report.to_dict())[:3]
    ['anniversaries', 'coverage', 'created']
    """

    title: str
    source: str
    created: pd.Timestamp
    validation: Quarantine
    selection: dict[str, Any]
    period: tuple[pd.Timestamp, pd.Timestamp]
    window: tuple[int, int]
    anniversaries: tuple[AnniversaryResult, ...]
    event_studies: dict[str, EventStudyResult]
    provinces: ProvinceResult | None
    daily: pd.DataFrame = field(repr=False)
    figures: dict[str, str] = field(repr=False)
    captions: dict[str, str] = field(repr=False)
    notes: tuple[str, ...] = ()
    skipped: dict[str, str] = field(default_factory=dict)
    coverage: list[dict[str, Any]] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The numbers of the report, JSON-ready (NaN and infinity become ``None``).

        Returns
        -------
        dict
            ``title``, ``source``, ``created``, ``eventdata_version``,
            ``validation`` (``rows_read``, ``rows_valid``, ``rows_rejected``,
            ``rejected_by_rule``), ``selection``, ``period``, ``window``,
            ``anniversaries`` (one dict per test, with ``by_year``),
            ``event_studies``, ``provinces`` (``table``, ``countries``), ``notes``,
            ``skipped`` (section -> why it could not run) and ``coverage``.
        """
        validation = self.validation
        return to_jsonable(
            {
                "title": self.title,
                "source": self.source,
                "created": self.created,
                "eventdata_version": __version__,
                "validation": {
                    "rows_read": validation.n_rows,
                    "rows_valid": validation.n_valid,
                    "rows_rejected": validation.n_rejected,
                    "rejected_by_rule": validation.by_rule().to_dict("records"),
                },
                "selection": self.selection,
                "period": list(self.period),
                "window": list(self.window),
                "anniversaries": [anniversary_dict(r) for r in self.anniversaries],
                "event_studies": {
                    name: study.frame.to_dict("records")
                    for name, study in self.event_studies.items()
                },
                "provinces": None if self.provinces is None else province_dict(self.provinces),
                "notes": list(self.notes),
                "skipped": dict(self.skipped),
                "coverage": self.coverage,
            }
        )

    def to_json(self, *, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def to_html(self) -> str:
        """The report as one self-contained HTML page (figures embedded, no external assets)."""
        body = [
            f"<h1>{_e(self.title)}</h1>",
            f'<p class="meta">{_e(self.source)}. Built {self.created:%Y-%m-%d %H:%M} UTC '
            f"with eventdata {_e(__version__)}.</p>",
            self._dataset_html(),
            self._anniversary_html(),
            self._provinces_html(),
            self._notes_html(),
        ]
        return _PAGE.format(title=_e(self.title), style=_STYLE, body="\n".join(body))

    def to_pdf(self) -> bytes:
        """The report as a PDF: a summary page, a page per figure, the province table, notes.

        Returns
        -------
        bytes
            The PDF document: one summary page (data, validation, each test's
            result and reading), one page per figure with its caption, the province
            table at :data:`PDF_TABLE_ROWS` rows a page (none without provinces) and
            a page of methods and caveats.

        Examples
        --------
        >>> import eventdata as ed
        >>> events = ed.datasets.simulate("2019-01-01", "2021-12-31", seed=2, rate=3)
        >>> build_report(events).to_pdf()[:5]
        b'%PDF-'
        """
        from matplotlib.backends.backend_pdf import PdfPages

        buffer = io.BytesIO()
        metadata = {"Title": self.title, "Creator": f"eventdata {__version__}"}
        with PdfPages(buffer, metadata=metadata) as pdf:
            for page in self._pdf_pages():
                pdf.savefig(page)
        return buffer.getvalue()

    def _pdf_pages(self) -> list[Any]:
        v = self.validation
        summary = [
            *self.summary().splitlines(),
            "",
            f"Built {self.created:%Y-%m-%d %H:%M} UTC with eventdata {__version__}.",
            f"Selection: {_selection_text(self.selection)}.",
            f"Rows read {v.n_rows}, valid {v.n_valid}, rejected {v.n_rejected}.",
        ]
        if v.n_rejected:
            summary += ["", "Rejected rows by rule:", v.by_rule().to_string(index=False)]
        for result in self.anniversaries:
            summary += ["", f"{result.anniversary}: {interpretation(result)}"]
        pages = [_text_page(self.title, summary)]
        pages += [
            _image_page(self.figures[name], self.captions.get(name, "")) for name in self.figures
        ]
        if self.provinces is not None:
            shown = ["country", "admin1", "count", "expected", "ratio", "qvalue", "flag"]
            table = self.provinces.table[[c for c in shown if c in self.provinces.table]]
            for start in range(0, len(table), PDF_TABLE_ROWS):
                chunk = table.iloc[start : start + PDF_TABLE_ROWS]
                text = chunk.to_string(index=False, float_format=lambda x: f"{x:.3g}")
                pages.append(_text_page("Provinces", text.splitlines(), wrap=False))
        notes = [f"- {note}" for note in (*_CAVEATS, *self.notes)]
        pages.append(_text_page("Methods and caveats", notes))
        return pages

    def _repr_html_(self) -> str:
        return self.to_html()

    def summary(self) -> str:
        """A few lines of text: the data, each anniversary's result, the provinces flagged."""
        v = self.validation
        lines = [
            self.title,
            f"{self.source}: {v.n_rows} rows read, {v.n_valid} valid, {v.n_rejected} rejected; "
            f"{self.selection['events']} events selected, {_day(self.period[0])} to "
            f"{_day(self.period[1])}",
        ]
        lines += [
            f"{r.anniversary}, {_window_text(r.window)}: {r.observed:g} events, "
            f"{r.expected:.1f} expected, rate ratio {r.rate_ratio:.2f} ({r.level:.0%} CI "
            f"{format_ratio(r.ci[0])} to {format_ratio(r.ci[1])}), p "
            f"{format_pvalue(r.pvalue, equals=True)} ({r.method})"
            for r in self.anniversaries
        ]
        lines += [f"{name}: not computed ({why})" for name, why in self.skipped.items()]
        if self.provinces is not None:
            flagged = self.provinces.table["flag"].isin(["higher", "lower"]).sum()
            lines.append(f"provinces: {flagged} of {len(self.provinces.table)} flagged")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Report(title={self.title!r}, figures={len(self.figures)})"

    # ----------------------------------------------------------------------- sections

    def _figure(self, name: str) -> str:
        if name in self.skipped:
            return self._skipped(name)
        if name not in self.figures:
            return ""
        caption = self.captions.get(name, "")
        return (
            f'<figure id="figure-{_e(name)}"><img src="data:image/png;base64,'
            f'{self.figures[name]}" alt="{_e(caption)}"><figcaption>{_e(caption)}'
            "</figcaption></figure>"
        )

    def _skipped(self, name: str) -> str:
        """The reason a section could not run, in its place."""
        return (
            f'<p class="skipped" id="skipped-{_e(name)}"><strong>Not computed</strong> '
            f"({_e(name)}): {_e(self.skipped[name])}</p>"
        )

    def _dataset_html(self) -> str:
        v = self.validation
        counts_table = pd.DataFrame(
            {
                "": ["Rows read", "Rows valid", "Rows rejected", "Events selected"],
                "Rows": [v.n_rows, v.n_valid, v.n_rejected, self.selection["events"]],
            }
        )
        parts = [
            '<section id="dataset"><h2>Dataset and validation</h2>',
            f"<p>Every row was checked against the ACLED codebook schema; rejected rows are "
            f"kept aside with their reasons, never dropped silently. The analysis uses the "
            f"valid rows selected by: {_e(_selection_text(self.selection))}. The data "
            f"cover {_day(self.period[0])} to {_day(self.period[1])}.</p>",
            _table(counts_table, ints=True, table_id="validation-counts"),
        ]
        if v.n_rejected:
            by_rule = v.by_rule().rename(columns=str.capitalize)
            parts += [
                "<h3>Rejected rows by rule</h3>",
                _table(by_rule, table_id="rejected-by-rule"),
            ]
        parts.append("</section>")
        return "\n".join(parts)

    def _anniversary_html(self) -> str:
        if not self.anniversaries:
            return "\n".join(
                [
                    '<section id="anniversary"><h2>Anniversary test</h2>',
                    self._skipped("anniversary") if "anniversary" in self.skipped else "",
                    self._figure("timeline"),
                    self._figure("calendar"),
                    "</section>",
                ]
            )
        names = ", ".join(r.anniversary for r in self.anniversaries)
        parts = [
            '<section id="anniversary"><h2>Anniversary test</h2>',
            f"<p>Did the selected events rise in the window of {_window_text(self.window)} "
            f"around {_e(names)}, beyond what the trend, the day of the week and the season "
            "predict? The expectation comes from a model of the whole daily series fitted "
            "without the anniversary windows; the rate ratio is observed over expected, "
            "pooled over the years.</p>",
            self._figure("timeline"),
            _table(
                pd.concat([r.to_frame() for r in self.anniversaries], ignore_index=True)
                .drop(columns=["window_start", "window_end"])
                .rename(columns=_HEADINGS),
                table_id="anniversary-tests",
            ),
        ]
        for result in self.anniversaries:
            key = result.anniversary
            parts += [
                f'<h3 id="anniversary-{_e(key)}">{_e(key)}</h3>',
                f"<p>{_e(interpretation(result))}</p>",
                f'<pre class="summary">{_e(result.summary())}</pre>',
                self._figure(f"anniversary-{key}"),
                self._figure(f"event-study-{key}"),
                self._figure(f"placebo-{key}"),
            ]
        parts += [self._figure("calendar"), "</section>"]
        return "\n".join(parts)

    def _provinces_html(self) -> str:
        if self.provinces is None and "provinces" in self.skipped:
            return (
                f'<section id="provinces"><h2>Provinces</h2>{self._skipped("provinces")}</section>'
            )
        if self.provinces is None:
            return (
                '<section id="provinces"><h2>Provinces</h2><p>Not computed: the events lack '
                "country or admin1.</p></section>"
            )
        result = self.provinces
        shown = ("country", "admin1", "count", "expected", "ratio", "ci_low", "ci_high", "qvalue")
        columns = [c for c in (*shown, "flag") if c in result.table.columns]
        country_columns = ["provinces", "total", "dispersion", "statistic", "df"]
        country_columns += ["pvalue_scaled", "gini"]
        countries = result.countries[[result.within, *country_columns]]
        return "\n".join(
            [
                '<section id="provinces"><h2>Provinces</h2>',
                "<p>Which provinces have more or fewer of the selected events than an even "
                "spread over their country's provinces predicts? Tests allow for the "
                "clustering of events in time (a dispersion estimated from monthly counts) "
                f"and flags control the false discovery rate at {result.alpha:g} over the "
                "table. An even spread is a yardstick, not a model of where violence should "
                "be: population and front lines differ between provinces.</p>",
                "<p>Per country: the goodness-of-fit test of an even spread (Pearson's "
                "X<sup>2</sup>, its p-value scaled by the dispersion) and the Gini index "
                "(0: even, 1: all events in one province).</p>",
                _table(countries.rename(columns=_HEADINGS), table_id="province-countries"),
                self._figure("provinces"),
                _table(result.table[columns].rename(columns=_HEADINGS), table_id="province-table"),
                "</section>",
            ]
        )

    def _notes_html(self) -> str:
        notes = [*_CAVEATS, *self.notes]
        items = "".join(f"<li>{_e(note)}</li>" for note in notes)
        return f'<section id="notes"><h2>Methods and caveats</h2><ul>{items}</ul></section>'


def build_report(
    events: pd.DataFrame | Quarantine,
    *,
    anniversary: str | Sequence[str] = "01-03",
    window: tuple[int, int] = (0, 6),
    study_window: tuple[int, int] = (-14, 14),
    countries: str | Sequence[str] | None = None,
    event_types: str | Sequence[str] | None = None,
    actors: str | None = None,
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
    selection = {"countries": countries, "event_types": event_types, "actors": actors}
    valid = checked.valid
    spans = frame_coverage(events if isinstance(events, pd.DataFrame) else valid, coverage)
    if spans is not None:
        valid = valid.copy(deep=False)  # the caller's frame keeps its attrs
        valid.attrs["coverage"] = spans
    selected = filter_events(valid, **selection)
    if selected.empty:
        raise EventDataError(
            f"no valid event matches the selection ({_selection_text(selection)}): "
            f"{checked.n_valid} valid rows of {checked.n_rows} read"
        )
    from eventdata import plot  # matplotlib only when a report is built

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
                selected, names if len(names) > 1 else names[0], window=window, progress=progress
            ),
        )
        if tests is not None:
            results = tuple(tests) if isinstance(tests, AnniversaryTests) else (tests,)
        for name in names if results else ():
            study = attempt(
                f"event-study-{name}",
                lambda name=name: event_study(selected, name, window=study_window),
            )
            if study is None and tuple(study_window) != tuple(window):
                # too short for the whole study window: show the tested window only
                study = attempt(
                    f"event-study-{name}",
                    lambda name=name: event_study(selected, name, window=window),
                )
                if study is not None:
                    reason = skipped.pop(f"event-study-{name}")
                    shrunk.append(
                        f"The event study around {name} shows the tested window "
                        f"({_window_text(window)}) instead of {_window_text(study_window)}: "
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
            f"({_day(first)} to {_day(last)}; events dated only to the week or month "
            "do not mark it): monthly views count them, daily analyses cannot"
        )
    return (first, last), tuple(notes)


def interpretation(result: AnniversaryResult) -> str:
    """The anniversary result in plain words, with what it does and does not show.

    Examples
    --------
    >>> import eventdata as ed
    >>> from eventdata.analysis.anniversary import anniversary_test
    >>> daily = ed.datasets.simulate_counts("2016-01-01", "2022-12-31", seed=4)
    >>> text = interpretation(anniversary_test(daily, "01-03"))
    >>> text.startswith("Over 7 years (2016-2022), the windows held")
    True
    """
    lo, hi = result.ci
    years = f"{result.years[0]}-{result.years[-1]}" if result.n_years > 1 else str(result.years[0])
    change = result.rate_ratio - 1
    direction = f"{abs(change):.0%} {'more' if change >= 0 else 'fewer'}"
    text = (
        f"Over {result.n_years} years ({years}), the windows held {result.observed:g} events "
        f"against {result.expected:.1f} expected: {direction} than expected (rate ratio "
        f"{result.rate_ratio:.2f}, {result.level:.0%} interval {format_ratio(lo)} to "
        f"{format_ratio(hi)}). "
    )
    if not result.reliable:
        return text + f"No p-value: {result.reliability_note}."
    p = f"p {format_pvalue(result.pvalue_adjusted, equals=True)}"
    significant = result.pvalue_adjusted < 0.05
    if result.alternative != "increase":
        text += f"The {result.alternative} test gives {p}" + (
            " (below 0.05)." if significant else " (not below 0.05)."
        )
    elif significant and lo > 1:
        text += (
            f"A rise this large is unusual for this series ({p}): the data are consistent "
            "with an escalation around the anniversary"
        )
        text += (
            ", though the interval is wide: its size is uncertain."
            if hi / lo > 2
            else ", and the interval bounds its size."
        )
    elif significant:
        text += (
            f"The one-sided test gives {p}, but the interval reaches down to {lo:.2f}: "
            "weak evidence of a rise, which a different window or period could undo."
        )
    elif hi >= 2:
        text += (
            f"The test gives {p}, and the interval is wide: with {result.expected:.1f} events "
            "expected, it cannot tell a rise from chance, and even a doubling would fit the "
            "data. Absence of evidence here is not evidence of absence; widen the "
            "selection, or wait for more years."
        )
    else:
        text += (
            f"Rises of this size are common at other dates of this series "
            f"({p}): no evidence of an escalation around the "
            f"anniversary, and effects above {hi:.2f} times the expectation are unlikely."
        )
    if not significant and result.alternative == "increase" and result.detectable_ratio > 1:
        text += (
            f" This series can detect (with 80% power) only rises of "
            f"{result.detectable_ratio:.2f} times the expectation or more."
        )
    bumpy = int((result.by_year["ratio"] < 1).sum())
    if significant and bumpy and result.alternative == "increase":
        text += f" Not every year rose: {bumpy} of {result.n_years} were below expectation."
    return text


def anniversary_dict(result: AnniversaryResult) -> dict[str, Any]:
    """An anniversary result's numbers as a plain dict (one row of ``to_frame()``, and more)."""
    row = result.to_frame().iloc[0].to_dict()
    return to_jsonable(
        {
            **row,
            "method_note": result.method_note,
            "reliability_note": result.reliability_note,
            "years_left_out": list(result.years_left_out),
            "coarse_in_windows": result.coarse_in_windows,
            "correction": result.correction,
            "level": result.level,
            "years": list(result.years),
            "dispersion": result.dispersion,
            "window_dispersion": result.window_dispersion,
            "autocorrelation": result.autocorrelation,
            "by_year": result.by_year.to_dict("records"),
        }
    )


def province_dict(result: ProvinceResult) -> dict[str, Any]:
    """A province result's tables as plain records."""
    return to_jsonable(
        {"table": result.to_frame().to_dict("records"), "countries": result.countries}
    )


def to_jsonable(value: Any) -> Any:
    """Plain Python of nested results: NaN, infinity and NA become None, dates ISO text.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> to_jsonable({"p": np.float64(0.5), "ci": (1.0, np.inf), "day": pd.Timestamp("2022-01-03")})
    {'p': 0.5, 'ci': [1.0, None], 'day': '2022-01-03'}
    """
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return [to_jsonable(r) for r in value.to_dict("records")]
    if isinstance(value, list | tuple | np.ndarray | pd.Series | pd.Index):
        return [to_jsonable(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --------------------------------------------------------------------------- helpers


def _png(ax: Any) -> str:
    """The Axes' figure as base64 PNG text; the figure is closed."""
    import matplotlib.pyplot as plt

    figure = ax.figure
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_FIGURE_DPI, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _text_page(heading: str, lines: Sequence[str], *, wrap: bool = True) -> Any:
    """An A4 page of monospaced text under a heading (long lines wrapped, overflow cut)."""
    import textwrap

    from matplotlib.figure import Figure

    page = Figure(figsize=_A4)
    page.text(0.06, 0.96, heading, fontsize=14, weight="bold", va="top")
    shown: list[str] = []
    for line in lines:
        shown += textwrap.wrap(line, 92) or [""] if wrap else [line]
    page.text(0.06, 0.92, "\n".join(shown[:70]), family="monospace", fontsize=7.5, va="top")
    return page


def _image_page(png_base64: str, caption: str) -> Any:
    """An A4 page showing one of the report's figures, with its caption below."""
    import textwrap

    from matplotlib.figure import Figure
    from matplotlib.image import imread

    page = Figure(figsize=_A4)
    ax = page.add_axes((0.05, 0.2, 0.9, 0.75))
    ax.imshow(imread(io.BytesIO(base64.b64decode(png_base64)), format="png"))
    ax.set_axis_off()
    page.text(0.06, 0.17, "\n".join(textwrap.wrap(caption, 95)), fontsize=9, va="top")
    return page


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _window_text(window: tuple[int, int]) -> str:
    """(0, 6) -> "days 0 to +6" (the words of the plots' titles and legends)."""
    from eventdata.plot import _window_days

    return _window_days(window)


def _day(day: pd.Timestamp) -> str:
    return f"{day.day} {day:%B %Y}"


def _selection_text(selection: dict[str, Any]) -> str:
    words = {"countries": "countries", "event_types": "event types", "actors": "actors matching"}
    parts = []
    for key, word in words.items():
        value = selection.get(key)
        if value is None:
            continue
        shown = value if isinstance(value, str) else ", ".join(map(str, value))
        parts.append(f"{word} {shown}")
    return "; ".join(parts) or "all events"


def _table(frame: pd.DataFrame, *, table_id: str, ints: bool = False) -> str:
    def number(value: float) -> str:
        if not math.isfinite(value):
            return "inf" if value > 0 else ("-inf" if value < 0 else "")
        if float(value).is_integer() and (ints or abs(value) >= 100):
            return f"{int(value)}"
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"

    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_datetime64_any_dtype(shown[column]):
            shown[column] = shown[column].dt.strftime("%Y-%m-%d")
    return shown.to_html(index=False, float_format=number, na_rep="", border=0, table_id=table_id)


# Column names of result tables -> headings of the report's tables.
_HEADINGS = {
    "anniversary": "Anniversary",
    "n_years": "Years",
    "observed": "Observed",
    "expected": "Expected",
    "rate_ratio": "Rate ratio",
    "ci_low": "CI low",
    "ci_high": "CI high",
    "pvalue": "p",
    "pvalue_adjusted": "p adjusted",
    "alternative": "Alternative",
    "method": "Method",
    "n_placebo": "Placebo dates",
    "country": "Country",
    "admin1": "Province",
    "count": "Events",
    "ratio": "Ratio",
    "qvalue": "q (FDR)",
    "flag": "Flag",
    "provinces": "Provinces",
    "total": "Events",
    "dispersion": "Dispersion",
    "statistic": "X2",
    "df": "df",
    "pvalue_scaled": "p (scaled)",
    "gini": "Gini",
}

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto;
       max-width: 62em; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { padding: 0.25em 0.7em; text-align: right; border-bottom: 1px solid #e3e3e3; }
th { background: #f3f3f3; }
td:first-child, th:first-child { text-align: left; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; height: auto; }
figcaption { color: #444; font-size: 0.9em; }
pre.summary { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
.skipped { background: #fff6e5; border-left: 4px solid #e0a030; padding: 0.5em 0.8em; }
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="eventdata">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
{body}
</body>
</html>
"""
