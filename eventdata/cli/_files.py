"""Files and folders the commands read and write, checked before any work is done.

Private to :mod:`eventdata.cli`: a path a command cannot use is a one-line usage
error before anything is read; files are written through a temporary file and
moved into place; rejected rows go to a new file, never over an old one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from eventdata.core.errors import EventDataError, StoreError
from eventdata.core.files import move_to_new_name

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "UsageError",
    "input_file",
    "output_file",
    "rejected_path",
    "store_folder",
    "writable_folder",
    "write_atomically",
    "write_rejected",
]


class UsageError(EventDataError, ValueError):
    """A bad option or path, found before any work was done."""


def input_file(value: str, label: str) -> Path:
    """An input file that exists (a clear usage error otherwise)."""
    path = Path(value)
    if not path.exists():
        raise UsageError(f"{label} {value}: no such file")
    if path.is_dir():
        raise UsageError(f"{label} {value}: a folder, not a file")
    return path


def output_file(
    value: str, label: str, *, suffixes: Sequence[str] = (), replace: bool = True
) -> Path:
    """A file path the command can write, checked before any work is done.

    Its folder must exist and take a new file (probed with one, removed at once);
    an existing file must be a regular file the user may write, and may not be
    there at all when ``replace`` is False.
    """
    path = Path(value)
    if suffixes and path.suffix.lower().lstrip(".") not in suffixes:
        raise UsageError(f"{label} must end in {' or '.join('.' + x for x in suffixes)}: {value}")
    if path.is_dir():
        raise UsageError(f"{label} {value}: a folder, not a file")
    if path.exists() or path.is_symlink():
        if not replace:
            raise UsageError(f"{label} {value} already exists; it is never overwritten")
        if not path.is_file():
            raise UsageError(f"{label} {value}: not a regular file")
        if not os.access(path, os.W_OK):
            raise UsageError(f"{label} {value}: the file is not writable")
    writable_folder(path.parent, f"{label} {value}")
    return path


def writable_folder(folder: Path, what: str) -> None:
    folder = folder if str(folder) else Path(".")
    if not folder.is_dir():
        problem = "does not exist" if not folder.exists() else "is not a folder"
        raise UsageError(f"{what}: the folder {folder} {problem}")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise UsageError(
            f"{what}: cannot write in the folder {folder} ({exc.strerror or exc})"
        ) from None


def store_folder(value: str, *, must_exist: bool) -> Path:
    path = Path(value)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--store {value}: a file, not a store folder")
    if must_exist and not path.exists():
        raise UsageError(f"--store {value}: no such store folder")
    if not must_exist:
        writable_folder(path if path.exists() else path.parent, f"--store {value}")
    return path


def write_atomically(path: Path, write: Callable[[Path], object], *, replace: bool = True) -> Path:
    """Write through a temporary file in the same folder, then move it into place.

    With ``replace=False`` the move is a hard link, which fails when the name is
    taken: an existing file is never overwritten, even by a command running at
    the same moment (FileExistsError then).
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(Path(temporary))
        if replace:
            os.replace(temporary, path)
        else:
            move_to_new_name(Path(temporary), path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    return path


def rejected_path(store: Path, explicit: str | None) -> Path | None:
    """Where rejected rows will go: checked now, before the work (None: beside the store)."""
    if explicit:
        return output_file(explicit, "--quarantine", replace=False)
    writable_folder(store.absolute().parent, f"rejected rows of --store {store}")
    return None


def write_rejected(rejected: pd.DataFrame, store: Path, target: Path | None) -> Path | None:
    """Rejected rows go to a new CSV beside the store (or where asked), never nowhere.

    The default name carries the UTC time and, when two runs share a second, a
    counter: no earlier file is ever overwritten.
    """
    if not len(rejected):
        return None

    def write(temporary: Path) -> None:
        rejected.to_csv(temporary, index=False)

    if target is not None:
        return write_atomically(target, write, replace=False)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    base = store.absolute().parent / f"{store.name}-rejected-{stamp}"
    for n in range(1, 10_000):
        out = base.with_name(base.name + ("" if n == 1 else f"-{n}") + ".csv")
        with contextlib.suppress(FileExistsError):
            return write_atomically(out, write, replace=False)
    raise StoreError(f"{base}: no free name for the rejected rows")
