"""Warnings that point at the user's line, however deep in eventdata they are raised."""

from __future__ import annotations

import contextlib
import os
import sys
import warnings

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
# frames skipped on the way to the caller: the package's, and contextlib's (a warning
# said when a ``with`` block of ours closes)
_SKIPPED = (_PACKAGE, os.path.abspath(contextlib.__file__))


def warn_at_caller(message: str, category: type[Warning]) -> None:
    """Warn with the location of the first caller outside the eventdata package.

    A fixed ``stacklevel`` is right for one call path only: the same check runs
    under ``read_acled``, ``read_ucdp_ged``, ``validate`` and the command line,
    at different depths.
    """
    frame = sys._getframe(1)
    level = 2  # stacklevel 2 is the frame that called this function
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_SKIPPED):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
