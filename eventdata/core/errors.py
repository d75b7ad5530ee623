"""The exceptions and warnings eventdata raises.

One small hierarchy so that a notebook user can catch everything of ours with
``EventDataError`` and a script can catch the specific case it cares about.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AcledAPIError",
    "AuthenticationError",
    "DeathEstimateWarning",
    "MalformedResponse",
    "RequestRejected",
    "RetryBudgetExhausted",
    "AutocorrelationWarning",
    "CalibrationWarning",
    "InsufficientDataError",
    "OverdispersionWarning",
    "Admin1Warning",
    "DispersionWarning",
    "CodebookWarning",
    "CoverageWarning",
    "EventDataError",
    "EventDataWarning",
    "ReadError",
    "ReadWarning",
    "StoreError",
    "ValidationError",
    "PrecisionWarning",
    "WindowOverlapWarning",
    "SelectionError",
]


class EventDataError(Exception):
    """Base class of every error eventdata raises on purpose."""


class ReadError(EventDataError, ValueError):
    """A file could not be read as an event table (not a CSV, empty, bad encoding, ...)."""


class ValidationError(EventDataError, ValueError):
    """Rows broke the schema's rules.

    Attributes
    ----------
    failures : pandas.DataFrame
        One row per (row, rule) broken, with columns ``row`` (position in the
        input, 0-based), ``event_id_cnty``, ``column``, ``rule`` and ``value``.
    n_rows : int
        How many input rows were checked.
    """

    def __init__(self, message: str, failures: pd.DataFrame, n_rows: int) -> None:
        super().__init__(message)
        self.failures = failures
        self.n_rows = n_rows


class StoreError(EventDataError):
    """A Parquet file or store could not be read or written as asked.

    Raised for a missing or foreign file, a dataset written with an incompatible
    schema version, a damaged store, a bad filter, or a column that cannot be stored.
    """


# --- ACLED's API (eventdata.io.acled_api) ------------------------------------------


class AcledAPIError(EventDataError):
    """ACLED's API could not give what was asked; base class of the client's errors.

    Attributes
    ----------
    status : int or None
        The HTTP status of the last answer, when there was one.
    endpoint : str or None
        The path asked (``/api/acled/read``, ...), without query or credentials.
    """

    def __init__(self, message: str, *, status: int | None = None, endpoint: str | None = None):
        super().__init__(message)
        self.status = status
        self.endpoint = endpoint


class AuthenticationError(AcledAPIError):
    """No credentials, a refused login, or an account without API access."""


class RetryBudgetExhausted(AcledAPIError):
    """ACLED kept answering 429 or 5xx (or could not be reached) until the retries ran out."""


class MalformedResponse(AcledAPIError):
    """The answer is not what ACLED's API sends: not JSON, no ``data``, bad rows."""


class RequestRejected(AcledAPIError):
    """ACLED refused the query (``success: false`` or HTTP 4xx) and said why."""


class EventDataWarning(UserWarning):
    """Base class of eventdata's warnings."""


class CodebookWarning(EventDataWarning):
    """The input follows another version of the codebook (missing or extra columns, text codes)."""


class ReadWarning(EventDataWarning):
    """A file was read with a guess (its encoding): say so, and how to be explicit."""


class Admin1Warning(EventDataWarning):
    """Some admin1 names are not in the names table and were left as they were."""


class DeathEstimateWarning(EventDataWarning):
    """GED rows whose best estimate lies outside [low, high], as published; kept."""


class InsufficientDataError(EventDataError, ValueError):
    """The series is too short (or too empty) for the analysis asked for."""


class CalibrationWarning(EventDataWarning):
    """The p-values and intervals may not hold their nominal level on these data."""


class OverdispersionWarning(CalibrationWarning):
    """A Poisson test was asked for, but the counts vary more than Poisson counts."""


class AutocorrelationWarning(CalibrationWarning):
    """A model-based test was asked for, but the model's residuals are autocorrelated."""


class CoverageWarning(EventDataWarning):
    """The series has days its source did not cover (gaps); they were left out, not read as 0."""


class DispersionWarning(CalibrationWarning):
    """The extra-Poisson variation could not be estimated; tests assume Poisson counts."""


class PrecisionWarning(EventDataWarning):
    """Events dated less precisely than the counting period were left out (or spread)."""


class WindowOverlapWarning(EventDataWarning):
    """The windows of several anniversaries tested together share days."""


class SelectionError(EventDataError, ValueError):
    """A selection names a value the data do not hold (a misspelt country, say)."""
