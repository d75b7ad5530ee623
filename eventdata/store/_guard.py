"""Failures the user can meet: always a StoreError, the previous state kept."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa

from eventdata.core.errors import StoreError
from eventdata.io.acled_csv import write_failure
from eventdata.store._manifest import MANIFEST

_F = TypeVar("_F", bound=Callable[..., Any])


def guarded(doing: str) -> Callable[[_F], _F]:
    """Turn the operating system's and pyarrow's errors of a store operation into StoreError.

    Writes leave the previous state in place when they fail (new files are removed,
    the manifest is switched last), so the message says so.
    """

    def wrap(function: _F) -> _F:
        @functools.wraps(function)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except FileNotFoundError as exc:
                raise StoreError(
                    f"{doing} failed: a file is missing ({exc.filename or exc}); a data file "
                    "named by the manifest was removed (the store is damaged), or a folder "
                    "on the way does not exist"
                ) from None
            except OSError as exc:
                raise StoreError(
                    f"{doing} failed: {write_failure(exc)}; nothing was changed, the previous "
                    "state is still readable"
                ) from None
            except pa.ArrowException as exc:
                raise StoreError(f"{doing} failed: a data file cannot be read ({exc})") from None

        return guarded  # type: ignore[return-value]

    return wrap


def _check_nesting(path: Path) -> None:
    """Refuse a new store inside another store's folder, or around one (not supported)."""
    if (path / MANIFEST).exists():
        return
    for parent in Path(os.path.abspath(path)).parents:
        if (parent / MANIFEST).is_file():
            raise StoreError(
                f"{path} is inside the store at {parent}; a store cannot hold another "
                "(choose a folder outside it)"
            )
    if path.is_dir():
        for folder, _, names in os.walk(path):
            if MANIFEST in names:
                raise StoreError(
                    f"{path} holds the store at {folder}; a store cannot hold another "
                    "(choose a folder outside it)"
                )


def check_folder(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise StoreError(f"{path} is a file; a partitioned dataset needs a folder")
    _check_nesting(path)
    if path.is_dir() and not (path / MANIFEST).exists():
        foreign = [p.name for p in path.iterdir() if not p.name.startswith(("_eventdata", "."))]
        if foreign:
            raise StoreError(
                f"{path} holds other files ({', '.join(sorted(foreign)[:5])}) and no eventdata "
                "dataset; choose an empty or new folder"
            )


def export_format(path: str | os.PathLike) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise StoreError(
            f"{path}: export to a .parquet or .csv file, not {suffix or 'no extension'}"
        )
    return suffix
