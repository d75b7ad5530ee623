"""The public API: every exported name exists, and the layering holds."""

from __future__ import annotations

from pathlib import Path

import eventdata as ed

PACKAGE = Path(ed.__file__).parent


def test_every_exported_name_exists():
    missing = [name for name in ed.__all__ if not hasattr(ed, name)]
    assert not missing
    namespace: dict = {}
    exec("from eventdata import *", namespace)
    assert set(ed.__all__) <= set(namespace)
