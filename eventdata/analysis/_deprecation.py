"""Old names kept for one release: attributes and keywords renamed in issue 16.

One thing has one name across results (``rate_ratio``, ``table``, ``pvalue_adjusted``;
``fdr`` for a false discovery rate and ``nb_dispersion`` for the negative-binomial ``alpha``).
The old names still work and say, with a :class:`DeprecationWarning`, what to use instead.
"""

from __future__ import annotations

import warnings
from typing import Any, TypeVar

__all__ = ["renamed_attribute", "renamed_keyword"]

T = TypeVar("T")


def _warn(old: str, new: str, what: str, stacklevel: int) -> None:
    warnings.warn(
        f"{what} {old!r} is deprecated and will be removed in the next release; use {new!r}",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def renamed_attribute(old: str, new: str) -> property:
    """A read-only property ``old`` that warns and returns the attribute ``new``.

    Examples
    --------
    >>> import warnings
    >>> class Fit:
    ...     nb_dispersion = 0.3
    ...     alpha = renamed_attribute("alpha", "nb_dispersion")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = Fit().alpha
    >>> value, caught[0].category.__name__
    (0.3, 'DeprecationWarning')
    """

    def getter(self: Any) -> Any:
        _warn(old, new, "the attribute", 3)
        return getattr(self, new)

    return property(getter, doc=f"Deprecated alias of ``{new}``.")


def renamed_keyword(value: T, old_value: T | None, old: str, new: str) -> T:
    """The value of keyword ``new``, or of its deprecated alias ``old`` (warning) when given.

    Examples
    --------
    >>> renamed_keyword(0.05, None, "alpha", "fdr")
    0.05
    """
    if old_value is None:
        return value
    _warn(old, new, "the keyword", 4)
    return old_value
