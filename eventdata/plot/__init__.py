"""Pictures of events, event counts and analysis results.

Every function here is axes-level, in the manner of seaborn's: it draws on the
``ax`` it is given (or on a new figure's Axes), labels its axes, title and
legend, and returns the Axes, so plots compose into a user's own figures and
never call ``plt.show()``.

Colours are colour-blind safe throughout: categories use seaborn's
``"colorblind"`` palette (each ACLED event type keeps the same colour in every
plot), counts on a grid use a sequential colormap whose lightness rises with the
count, and anniversary windows are shaded or outlined in one fixed colour.

The package sits below the analysis layer: a result's ``plot()`` calls these
functions, which read the result through its attributes. Importing it loads
neither matplotlib nor seaborn; the first plot drawn does.

Modules
-------
``events``
    :func:`timeline`, :func:`heatmap`, :func:`calendar`.
``maps``
    :func:`map`, :func:`grid_map`, :func:`cluster_map` (over bundled country outlines).
``results``
    :func:`provinces`, :func:`its`, :func:`alerts`, :func:`knox_null`.
``anniversaries``
    :func:`anniversary`, :func:`placebo`, :func:`event_study`, :func:`unit_forest`,
    :func:`rate_ratios`.
``_base``, ``_data``, ``_windows`` (private)
    Colours, labels, Axes, legend and tick helpers; input adapters; anniversary windows.
"""

from __future__ import annotations

# the colours the plots draw with, for figures of a user's own that match them
from eventdata.plot._base import ALERT_COLOR as ALERT_COLOR
from eventdata.plot._base import ANNIVERSARY_COLOR as ANNIVERSARY_COLOR
from eventdata.plot._base import COUNT_COLOR as COUNT_COLOR
from eventdata.plot._base import EXPECTED_COLOR as EXPECTED_COLOR
from eventdata.plot._base import NO_DATA_COLOR as NO_DATA_COLOR
from eventdata.plot._base import SEQUENTIAL_CMAP as SEQUENTIAL_CMAP
from eventdata.plot._base import Value as Value
from eventdata.plot._windows import window_days
from eventdata.plot.anniversaries import (
    anniversary,
    event_study,
    placebo,
    rate_ratios,
    unit_forest,
)
from eventdata.plot.events import calendar, heatmap, timeline
from eventdata.plot.maps import cluster_map, grid_map, map
from eventdata.plot.results import alerts, its, knox_null, provinces

__all__ = [
    "alerts",
    "anniversary",
    "calendar",
    "cluster_map",
    "event_study",
    "grid_map",
    "heatmap",
    "its",
    "knox_null",
    "map",
    "placebo",
    "provinces",
    "rate_ratios",
    "timeline",
    "unit_forest",
    "window_days",
]
