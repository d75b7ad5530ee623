"""A self-contained report of the anniversary question: what an analyst sends a colleague.

:func:`build_report` runs the whole job on a set of events: validation (rows
read, valid, rejected by rule), the selection (countries, event types, actors,
period), the anniversary test with its pictures (daily timeline with the windows
shaded, observed against expected per year, the event study around the day,
the calendar), and the provinces where the selected events happen more or less
often than an even spread predicts. The :class:`Report` it returns holds the
result objects and the figures, and writes them as one HTML file (figures
embedded as base64 PNG: no external files, opens offline, survives e-mail), as
a PDF (summary, figures, tables and notes as pages) or as JSON numbers for
pipelines. :func:`interpretation` says an anniversary result in plain words.

The modules: :mod:`~eventdata.report.build` (:func:`build_report` and its
sections), :mod:`~eventdata.report.document` (the :class:`Report` and its
HTML, PDF and JSON writers) and :mod:`~eventdata.report.reading`
(:func:`interpretation`).

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

from eventdata.report.build import build_report
from eventdata.report.document import PDF_TABLE_ROWS, Report
from eventdata.report.reading import interpretation

__all__ = ["PDF_TABLE_ROWS", "Report", "build_report", "interpretation"]
