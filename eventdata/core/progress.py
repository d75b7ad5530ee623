"""Progress of long work: a bar on a terminal, a callback, or nothing.

Every function that can take a while (:meth:`eventdata.io.acled_api.Client.events`,
:func:`eventdata.anniversary_test`, the ``eventdata ingest`` command, ...)
takes one ``progress`` option:

- ``None`` or ``False`` (the default): nothing is shown;
- ``True``: a tqdm bar on stderr, shown only when stderr is a terminal, so
  that logs, pipes and CI output stay clean;
- a callable: called after each step with what was done, a
  :class:`ProgressStep` unless the function documents another type.

Examples
--------
>>> from eventdata.core.progress import Progress
>>> steps = []
>>> with Progress(steps.append, total=5, unit=" dates", description="placebo") as bar:
...     bar.advance(3)
...     bar.advance(2, note="last batch")
>>> [(s.n, s.done, s.total) for s in steps]
[(3, 3, 5), (2, 5, 5)]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

__all__ = ["Progress", "ProgressOption", "ProgressStep"]

#: What a ``progress`` argument may be: None, a bool, or a callable of one step.
ProgressOption = bool | Callable[[Any], Any] | None


@dataclass(frozen=True)
class ProgressStep:
    """Passed to a progress callback after each step.

    Attributes
    ----------
    description : str
        The work in progress (``"placebo 01-03"``, ``"ingest"``, ...).
    n : int
        Units done in this step.
    done : int
        Units done so far, this step included.
    total : int or None
        Units in all, when known.
    note : str or None
        What this step was, when the work names its steps (``"read"``, ...).
    """

    description: str
    n: int
    done: int
    total: int | None
    note: str | None = None


class Progress:
    """Reports the steps of one piece of work as a ``progress`` option asks.

    Use it as a context manager, so that a bar is closed however the work ends.

    Parameters
    ----------
    progress : bool, callable or None
        ``None`` or ``False``: report nothing. ``True``: a tqdm bar on stderr,
        quiet when stderr is not a terminal. A callable: called with each step.
    total : int, optional
        Units in all, when known.
    unit : str
        The bar's unit (``" rows"``, ``" dates"``, ...).
    description : str
        The bar's label, and :attr:`ProgressStep.description`.

    Raises
    ------
    TypeError
        If ``progress`` is none of those.

    Examples
    --------
    >>> with Progress(None, total=2) as bar:  # nothing shown
    ...     bar.advance()
    ...     bar.advance()
    >>> bar.done
    2
    >>> with Progress(True, total=3, unit=" stages", description="ingest") as bar:
    ...     bar.advance(note="read")  # a bar only when stderr is a terminal
    >>> Progress("yes")
    Traceback (most recent call last):
    ...
    TypeError: progress must be True, False, None or a callable, not 'yes'
    """

    def __init__(
        self,
        progress: ProgressOption,
        *,
        total: int | None = None,
        unit: str = " steps",
        description: str = "",
    ) -> None:
        if not (progress is None or isinstance(progress, bool) or callable(progress)):
            raise TypeError(f"progress must be True, False, None or a callable, not {progress!r}")
        self.total = total
        self.description = description
        self.done = 0
        self._callback = progress if callable(progress) else None
        self._bar = None
        if progress is True:
            from tqdm import tqdm

            # disable=None: tqdm stays quiet when stderr is not a terminal (CI, logs, pipes).
            self._bar = tqdm(
                total=total, desc=description or None, unit=unit, disable=None, leave=False
            )

    def advance(self, n: int = 1, *, note: str | None = None, step: Any = None) -> None:
        """Record ``n`` more units done.

        Parameters
        ----------
        n : int
            Units done in this step.
        note : str, optional
            What the step was; shown beside the bar and passed on in the step.
        step : optional
            What to pass to a callback instead of a :class:`ProgressStep` (for
            work that documents its own step type, such as
            :class:`eventdata.io.acled_api.PageProgress`).

        Examples
        --------
        >>> seen = []
        >>> with Progress(seen.append, description="demo") as bar:
        ...     bar.advance(note="first")
        >>> seen
        [ProgressStep(description='demo', n=1, done=1, total=None, note='first')]
        """
        self.done += n
        if self._bar is not None:
            if note is not None:
                self._bar.set_postfix_str(note, refresh=False)
            self._bar.update(n)
        if self._callback is not None:
            if step is None:
                step = ProgressStep(self.description, n, self.done, self.total, note)
            self._callback(step)

    def close(self) -> None:
        """Close the bar, if there is one (leaving the ``with`` block does it)."""
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
