"""The installed version of eventdata, written into stores, reports and ``--version``."""

from __future__ import annotations

import importlib.metadata

try:
    __version__ = importlib.metadata.version("eventdata")
except importlib.metadata.PackageNotFoundError:  # a source tree that is not installed
    __version__ = "0.0.0+unknown"
