"""Who did what to whom: actor roles, dyads, and the long (monadic) form.

ACLED codes the side that acts as ``actor1`` (with its allies in
``assoc_actor_1``) and the side acted upon as ``actor2`` (``assoc_actor_2``);
``inter1`` and ``inter2`` give each side's actor type. A search over all four
columns cannot tell an attack on the coalition from the coalition's counter-fire;
:func:`role_mask` searches each side separately, and :func:`dyads` counts
events by the pair.

The long form has one row per actor, as ACLED's monadic exports and the R
package acledR's ``acled_transform_longer(type = "full_actors")`` give it:
columns ``type_of_actor`` (``actor1``, ``assoc_actor_1``, ``actor2``,
``assoc_actor_2``), ``actor`` and ``inter`` (the side's actor-type code; missing
for associated actors, as in acledR). :func:`from_long` turns it back.

Examples
--------
>>> import eventdata as ed
>>> seed = ed.datasets.load_seed_incidents()
>>> long = to_long(seed)
>>> len(seed), len(long)
(6, 20)
>>> from_long(long).equals(seed)
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eventdata.core.errors import EventDataError
from eventdata.core.options import require_columns
from eventdata.core.periods import FREQUENCIES, as_freq

__all__ = ["ROLES", "dyads", "from_long", "role_mask", "to_long"]

#: The four actor columns, in ACLED's order, and the side each belongs to.
ROLES = {"actor1": 1, "assoc_actor_1": 1, "actor2": 2, "assoc_actor_2": 2}
_SEPARATOR = ";"


def _search(column: pd.Series, pattern: str, what: str) -> np.ndarray:
    try:
        hits = column.astype("string").str.contains(pattern, case=False, regex=True)
    except Exception as error:  # re.error and its pyarrow twin
        raise EventDataError(
            f"{what}={pattern!r} is not a valid regular expression: {error}"
        ) from None
    return hits.to_numpy(dtype=bool, na_value=False)


def role_mask(
    events: pd.DataFrame, *, actor1: str | None = None, actor2: str | None = None
) -> np.ndarray:
    """Which events have a matching actor on the acting side, the other side, or both.

    Parameters
    ----------
    events : pandas.DataFrame
        Records with ``actor1`` and ``actor2`` (``assoc_actor_1`` and
        ``assoc_actor_2`` are searched too when present).
    actor1, actor2 : str, optional
        Regular expressions (case-insensitive). ``actor1`` is searched in
        ``actor1`` and ``assoc_actor_1``, ``actor2`` in ``actor2`` and
        ``assoc_actor_2``. When both are given a row must match both.

    Returns
    -------
    numpy.ndarray of bool
        One flag per row.

    Raises
    ------
    EventDataError
        If a needed column is missing or a pattern is not a regular expression.

    Examples
    --------
    >>> import eventdata as ed
    >>> seed = ed.datasets.load_seed_incidents()
    >>> seed.loc[role_mask(seed, actor2="coalition"), "location"].tolist()
    ['Green Village', 'Conoco gas field']
    """
    keep = np.ones(len(events), dtype=bool)
    for side, pattern in ((1, actor1), (2, actor2)):
        if pattern is None:
            continue
        if not isinstance(pattern, str):
            raise EventDataError(
                f"actor{side} must be a regular expression (text), not {pattern!r}"
            )
        require_columns(events, f"actor{side}")
        hit = np.zeros(len(events), dtype=bool)
        for column, column_side in ROLES.items():
            if column_side == side and column in events.columns:
                hit |= _search(events[column], pattern, f"actor{side}")
        keep &= hit
    return keep


def dyads(
    events: pd.DataFrame,
    *,
    freq: str | None = None,
    by: str = "actor",
) -> pd.DataFrame:
    """Count events by the acting and the targeted side, over all time or per period.

    Parameters
    ----------
    events : pandas.DataFrame
        Records with ``actor1`` and ``actor2`` (``by="actor"``) or ``inter1``
        and ``inter2`` (``by="inter"``), and ``event_date`` when ``freq`` is given.
        Rows sharing an ``event_id_cnty`` (a long-form frame) count once.
    freq : {"D", "W", "M", "Y"}, optional
        Count per day, week (Monday to Sunday), month or year; every dyad
        gets the complete calendar from the first to the last event, zeros
        included. Without it, one count per dyad over the whole frame.
    by : {"actor", "inter"}
        Pair actor names or actor-type codes.

    Returns
    -------
    pandas.DataFrame
        Columns ``actor1``, ``actor2`` (or ``inter1``, ``inter2``), ``date``
        (period start, with ``freq``) and ``count``; a missing ``actor2``
        (one-sided events such as protests) is its own category. Sorted by
        dyad then date; without ``freq``, by descending count.

    Raises
    ------
    EventDataError
        If a needed column is missing.
    ValueError
        If ``freq`` or ``by`` is not one of the values above.

    Examples
    --------
    >>> import eventdata as ed
    >>> seed = ed.datasets.load_seed_incidents()
    >>> table = dyads(seed)
    >>> table["count"].tolist()
    [3, 2, 1]
    >>> dyads(seed, by="inter").values.tolist()
    [[8, 3, 4], [3, 8, 2]]
    """
    if by not in ("actor", "inter"):
        raise ValueError(f"by must be 'actor' or 'inter', not {by!r}")
    period = None if freq is None else FREQUENCIES[as_freq(freq)].pandas
    pair = ["actor1", "actor2"] if by == "actor" else ["inter1", "inter2"]
    if "type_of_actor" in events.columns:  # the long form: back to one row per event
        events = from_long(events)
    require_columns(events, *pair, *(["event_date"] if freq else []))
    keys = events[pair].reset_index(drop=True)
    if freq is None:
        table = keys.value_counts(dropna=False, sort=False).rename("count").reset_index()
        table = table.sort_values(["count", *pair], ascending=[False, True, True], kind="stable")
        return table.reset_index(drop=True)
    dates = pd.to_datetime(events["event_date"]).to_numpy()
    dated = ~pd.isna(dates)
    periods = pd.PeriodIndex(dates[dated], freq=period)
    keys = keys.loc[dated].reset_index(drop=True)
    keys["date"] = periods.start_time
    if keys.empty:
        return pd.DataFrame({c: [] for c in [*pair, "date", "count"]})
    calendar = pd.period_range(periods.min(), periods.max(), freq=period).start_time
    wide = (
        keys.groupby([*pair, "date"], dropna=False, observed=True)
        .size()
        .unstack("date", fill_value=0)
    )
    wide = wide.reindex(columns=calendar, fill_value=0)
    wide.columns.name = "date"
    table = wide.stack().rename("count").reset_index()
    table["count"] = table["count"].astype("int64")
    return table.sort_values([*pair, "date"], kind="stable").reset_index(drop=True)


def to_long(events: pd.DataFrame) -> pd.DataFrame:
    """One row per actor: the long (monadic) form of ACLED records.

    Parameters
    ----------
    events : pandas.DataFrame
        Wide (dyadic) records with ``actor1`` and ``actor2``; ``assoc_actor_1``,
        ``assoc_actor_2``, ``inter1`` and ``inter2`` are used when present.

    Returns
    -------
    pandas.DataFrame
        The other columns repeated for each actor, with ``type_of_actor``,
        ``actor`` and ``inter`` in place of the six actor columns (where
        ``actor1`` stood). Associated actors listed with ``;`` get a row
        each, missing ones none; each side keeps its main actor's row even
        when the actor is missing (``actor2`` of a protest), with its
        ``inter``. Rows keep the events' order, and
        within an event the order actor1, assoc_actor_1, actor2,
        assoc_actor_2 (each list in its own order), so :func:`from_long`
        restores the wide form.

    Raises
    ------
    EventDataError
        If ``actor1`` or ``actor2`` is missing, or lists several actors.

    Examples
    --------
    >>> import eventdata as ed
    >>> long = to_long(ed.datasets.load_seed_incidents())
    >>> syria = long["event_id_cnty"] == "SEED-SYR-001"
    >>> long.loc[syria, ["type_of_actor", "inter"]].values.tolist()
    [['actor1', 3], ['actor2', 8], ['assoc_actor_2', <NA>], ['assoc_actor_2', <NA>]]
    """
    require_columns(events, "actor1", "actor2")
    for main in ("actor1", "actor2"):
        if events[main].astype("string").str.contains(_SEPARATOR, regex=False).any():
            raise EventDataError(
                f"{main} lists several actors in one cell (';'): it holds one actor in ACLED's form"
            )
    present = [c for c in ROLES if c in events.columns]
    inters = [c for c in ("inter1", "inter2") if c in events.columns]
    rest = [c for c in events.columns if c not in present and c not in inters]
    anchor = list(events.columns).index("actor1")
    before = [c for c in events.columns[:anchor] if c in rest]
    after = [c for c in rest if c not in before]
    inter_dtype = events[inters[0]].dtype if inters else "Int64"
    pieces = []
    position = np.arange(len(events))
    for order, column in enumerate(present):
        names = events[column].astype("string")
        if column.startswith("assoc"):
            names = names.str.split(_SEPARATOR)
        frame = pd.DataFrame({"_row": position, "actor": names.to_numpy(dtype=object)})
        frame = frame.explode("actor", ignore_index=True)
        frame["actor"] = frame["actor"].astype("string").str.strip()
        if column.startswith("assoc"):  # a side without a main actor keeps its row (and inter)
            frame = frame[frame["actor"].notna() & (frame["actor"] != "")]
        frame["_order"] = order
        frame["_item"] = frame.groupby("_row").cumcount()
        frame["type_of_actor"] = column
        inter = f"inter{ROLES[column]}"
        if column.startswith("actor") and inter in events.columns:
            frame["inter"] = events[inter].to_numpy()[frame["_row"].to_numpy()]
        else:
            frame["inter"] = pd.NA
        pieces.append(frame)
    stacked = pd.concat(pieces, ignore_index=True).sort_values(
        ["_row", "_order", "_item"], kind="stable"
    )
    rows = stacked["_row"].to_numpy()
    long = events[before].iloc[rows].reset_index(drop=True)
    long["type_of_actor"] = stacked["type_of_actor"].to_numpy()
    long["actor"] = pd.array(stacked["actor"].to_numpy(dtype=object), dtype="string")
    long["inter"] = (
        pd.array(stacked["inter"].to_numpy(dtype=object), dtype=inter_dtype)
        if inters
        else pd.array(stacked["inter"].to_numpy(dtype=object), dtype="Int64")
    )
    tail = events[after].iloc[rows].reset_index(drop=True)
    long = pd.concat([long, tail], axis=1)
    long.attrs["wide_columns"] = list(events.columns)
    return long


def from_long(long: pd.DataFrame) -> pd.DataFrame:
    """The wide (dyadic) form back from one row per actor.

    Parameters
    ----------
    long : pandas.DataFrame
        Long records as :func:`to_long` gives them: ``event_id_cnty``,
        ``type_of_actor``, ``actor`` and ``inter``, the other columns repeated
        for each actor of an event.

    Returns
    -------
    pandas.DataFrame
        One row per ``event_id_cnty`` in order of first appearance, with
        ``actor1``, ``assoc_actor_1`` (several joined by ``"; "``), ``inter1``,
        ``actor2``, ``assoc_actor_2``, ``inter2`` where :func:`to_long` found
        them (ACLED's column order when the long frame came from
        :func:`to_long`).

    Raises
    ------
    EventDataError
        If a column is missing, a role is unknown, or an event has two
        ``actor1`` rows.

    Examples
    --------
    >>> import eventdata as ed
    >>> seed = ed.datasets.load_seed_incidents()
    >>> from_long(to_long(seed))["assoc_actor_2"].iloc[3]
    'QSD: Syrian Democratic Forces; Military Forces of the United States (2021-)'
    """
    require_columns(long, "event_id_cnty", "type_of_actor", "actor", "inter")
    roles = long["type_of_actor"].astype("string")
    unknown = sorted(set(roles.dropna()) - set(ROLES))
    if unknown or roles.isna().any():
        raise EventDataError(
            f"type_of_actor must be one of {list(ROLES)}, not {unknown[:3] or 'missing'}"
        )
    ids = long["event_id_cnty"]
    twice = long[roles.isin(["actor1", "actor2"]).to_numpy()].duplicated(
        ["event_id_cnty", "type_of_actor"]
    )
    if twice.any():
        raise EventDataError(
            "an event has two actor1 (or actor2) rows: its main actors must be unique"
        )
    shared = [c for c in long.columns if c not in ("type_of_actor", "actor", "inter")]
    wide = long.loc[~ids.duplicated(), shared].reset_index(drop=True)
    order = pd.Index(wide["event_id_cnty"])
    for column in ROLES:
        rows = long[(roles == column).to_numpy()]
        if column.startswith("assoc"):
            names = rows.dropna(subset="actor").groupby("event_id_cnty", sort=False)["actor"]
            names = names.agg(lambda s: "; ".join(s.astype(str)))
        else:
            main = rows.drop_duplicates("event_id_cnty").set_index("event_id_cnty")
            names = main["actor"]
            inter = f"inter{ROLES[column]}"
            wide[inter] = pd.array(
                main["inter"].reindex(order).to_numpy(dtype=object), dtype=long["inter"].dtype
            )
        wide[column] = pd.array(names.reindex(order).to_numpy(dtype=object), dtype="string")
    columns = long.attrs.get("wide_columns")
    if columns and set(columns) == set(wide.columns):
        wide = wide[columns]
    return wide
