"""The :class:`Report` object and its writers: one HTML page, a PDF, JSON numbers.

A report holds the result objects of the job :func:`eventdata.report.build_report`
ran and the figures drawn from them, and reads every result through the result
protocol (:mod:`eventdata.core.result`): ``summary()``, ``to_frame()`` and
``to_dict()``. The HTML page embeds its figures as base64 PNG (no external
files: it opens offline and survives e-mail); the PDF has a summary page, a
page per figure, the province table and the notes.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from eventdata.analysis.anniversary import AnniversaryResult, format_pvalue, format_ratio
from eventdata.analysis.event_study import EventStudyResult
from eventdata.analysis.provinces import ProvinceResult
from eventdata.core.result import Result, jsonable
from eventdata.core.validation import Quarantine
from eventdata.core.version import __version__
from eventdata.plot import window_days
from eventdata.report._words import day_text, selection_text
from eventdata.report.reading import interpretation

__all__ = ["PDF_TABLE_ROWS", "Report"]

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
class Report(Result):
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
        ``actors``, ``start``, ``end``; ``None`` for "all") and ``events``, the
        rows selected.
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
    >>> report = ed.build_report(events)
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
            ``anniversaries`` (each test's ``to_dict()``: its row, ``ci``,
            ``by_year`` and ``table``), ``event_studies`` (each study's rows),
            ``provinces`` (its ``to_dict()``: ``table``, ``countries`` and the
            options), ``notes``, ``skipped`` (section -> why it could not run) and
            ``coverage``.
        """
        validation = self.validation
        return jsonable(
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
                "anniversaries": [result.to_dict() for result in self.anniversaries],
                "event_studies": {
                    name: study.to_frame() for name, study in self.event_studies.items()
                },
                "provinces": None if self.provinces is None else self.provinces.to_dict(),
                "notes": list(self.notes),
                "skipped": dict(self.skipped),
                "coverage": self.coverage,
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per anniversary tested (the rows of each test's ``to_frame()``).

        Empty, with no columns, when the data could not support the test.
        """
        if not self.anniversaries:
            return pd.DataFrame()
        return pd.concat([r.to_frame() for r in self.anniversaries], ignore_index=True)

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
        >>> ed.build_report(events).to_pdf()[:5]
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
            f"Selection: {selection_text(self.selection)}.",
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
            table = self.provinces.to_frame()
            table = table[_province_columns(table, ("country", "admin1", "count", "expected"))]
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
            f"{self.selection['events']} events selected, {day_text(self.period[0])} to "
            f"{day_text(self.period[1])}",
        ]
        lines += [
            f"{r.anniversary}, {window_days(r.window)}: {r.observed:g} events, "
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
            f"valid rows selected by: {_e(selection_text(self.selection))}. The data "
            f"cover {day_text(self.period[0])} to {day_text(self.period[1])}.</p>",
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
            f"<p>Did the selected events rise in the window of {window_days(self.window)} "
            f"around {_e(names)}, beyond what the trend, the day of the week and the season "
            "predict? The expectation comes from a model of the whole daily series fitted "
            "without the anniversary windows; the rate ratio is observed over expected, "
            "pooled over the years.</p>",
            self._figure("timeline"),
            _table(
                self.to_frame()
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
        table = result.to_frame()
        shown = ("country", "admin1", "count", "expected")
        columns = _province_columns(table, shown, ("ci_low", "ci_high"))
        country_columns = ["provinces", "total", "dispersion", "statistic", "df"]
        country_columns += ["pvalue_scaled", "gini"]
        countries = result.countries[[result.within, *country_columns]]
        return "\n".join(
            [
                '<section id="provinces"><h2>Provinces</h2>',
                "<p>Which provinces have more or fewer of the selected events than an even "
                "spread over their country's provinces predicts? Tests allow for the "
                "clustering of events in time (a dispersion estimated from monthly counts) "
                f"and flags control the false discovery rate at {_fdr(result):g} over the "
                "table. An even spread is a yardstick, not a model of where violence should "
                "be: population and front lines differ between provinces.</p>",
                "<p>Per country: the goodness-of-fit test of an even spread (Pearson's "
                "X<sup>2</sup>, its p-value scaled by the dispersion) and the Gini index "
                "(0: even, 1: all events in one province).</p>",
                _table(countries.rename(columns=_HEADINGS), table_id="province-countries"),
                self._figure("provinces"),
                _table(table[columns].rename(columns=_HEADINGS), table_id="province-table"),
                "</section>",
            ]
        )

    def _notes_html(self) -> str:
        notes = [*_CAVEATS, *self.notes]
        items = "".join(f"<li>{_e(note)}</li>" for note in notes)
        return f'<section id="notes"><h2>Methods and caveats</h2><ul>{items}</ul></section>'


def _text_page(heading: str, lines: Sequence[str], *, wrap: bool = True) -> Any:
    """An A4 page of monospaced text under a heading (long lines wrapped, overflow cut)."""
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
    from matplotlib.figure import Figure
    from matplotlib.image import imread

    page = Figure(figsize=_A4)
    ax = page.add_axes((0.05, 0.2, 0.9, 0.75))
    ax.imshow(imread(io.BytesIO(base64.b64decode(png_base64)), format="png"))
    ax.set_axis_off()
    page.text(0.06, 0.17, "\n".join(textwrap.wrap(caption, 95)), fontsize=9, va="top")
    return page


def _province_columns(
    table: pd.DataFrame, first: Sequence[str], interval: Sequence[str] = ()
) -> list[str]:
    """The province table's columns the report shows, in order, whichever names it uses.

    The ratio is ``rate_ratio`` (the protocol's name) or ``ratio``; the adjusted p-value
    ``pvalue_adjusted`` or ``qvalue``.
    """
    ratio = next((c for c in ("rate_ratio", "ratio") if c in table.columns), None)
    adjusted = next((c for c in ("pvalue_adjusted", "qvalue") if c in table.columns), None)
    wanted = [*first, ratio, *interval, adjusted, "flag"]
    return [c for c in wanted if c is not None and c in table.columns]


def _fdr(result: ProvinceResult) -> float:
    """The false discovery rate of the flags (``fdr``; ``alpha`` before issue 16)."""
    return result.fdr if hasattr(result, "fdr") else result.alpha


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


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
