"""Files written whole: the last step of an atomic write that must not replace a file.

A file is written to a temporary name in its folder, then moved into place; a
move that must never replace a file someone else has (rejected rows, records of
what a command set aside) goes through :func:`move_to_new_name`.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["move_to_new_name"]


def move_to_new_name(temporary: Path, path: Path) -> None:
    """Give ``temporary`` the name ``path`` only if no file has it (FileExistsError else).

    The move is a hard link, which fails when the name is taken, even by a file made
    at the same moment. Without hard links (some network and FAT file systems) the
    name is claimed first (an exclusive create), then filled by a rename. The
    temporary file is left for the caller to remove.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     first, second = Path(folder) / "a.tmp", Path(folder) / "b.tmp"
    ...     _ = first.write_text("first"), second.write_text("second")
    ...     move_to_new_name(first, Path(folder) / "rows.csv")
    ...     try:
    ...         move_to_new_name(second, Path(folder) / "rows.csv")
    ...     except FileExistsError:
    ...         print("kept:", (Path(folder) / "rows.csv").read_text())
    kept: first
    """
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise
    except OSError:  # no hard links on this file system: claim the name, then fill it
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        try:
            os.replace(temporary, path)
        except BaseException:
            path.unlink(missing_ok=True)  # the name claimed a moment ago, still empty
            raise
