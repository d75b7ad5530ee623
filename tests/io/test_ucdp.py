"""UCDP GED: read by name, validated, mapped onto the core schema, totals reproduced."""

from __future__ import annotations

import io

import pandas as pd
import pytest

import eventdata as ed
from eventdata.core import errors
from eventdata.core.schema import CORE_SCHEMA
from eventdata.io.ucdp import DeathEstimateWarning, read_ucdp_ged
from tests.conftest import UCDP_GED, shared_file

HEADER = (
    "id,type_of_violence,side_a,side_b,where_prec,where_coordinates,adm_1,latitude,longitude,"
    "country,date_prec,date_start,date_end,best,low,high,source_article"
)
ROWS = [
    "10,3,IS,Civilians,1,Mosul town,Nīnawá province,36.34,43.13,Iraq,1,"
    "2015-06-01,2015-06-01,4,4,6,AFP",
    "11,1,Government of Iraq,IS,4,Anbar,Al Anbār province,33.4,43.3,Iraq,4,"
    "2015-06-01,2015-06-30,20,15,30,",
    "12,2,PUK,KDP,2,Erbil,Arbīl province,36.19,44.01,Iraq,2,2015-06-03,2015-06-05,1,1,1,Rudaw",
]


def ged(*rows: str) -> io.StringIO:
    return io.StringIO("\n".join([HEADER, *rows]) + "\n")


@pytest.fixture(scope="module")
def iraq():
    path = shared_file(UCDP_GED, "iraq-1989-2018-hdx.csv")
    with pytest.warns(DeathEstimateWarning, match="69 GED row"):
        return read_ucdp_ged(path)


def test_published_totals_are_reproduced(iraq):
    assert len(iraq) == 7473
    per_year = iraq.groupby(iraq["event_date"].dt.year).size()
    assert per_year[[2014, 2015, 2016]].tolist() == [796, 686, 725]
    assert iraq.loc[iraq["event_date"].dt.year == 2014, "fatalities"].sum() == 15092
    assert iraq["type_of_violence"].value_counts().to_dict() == {1: 5775, 3: 1553, 2: 145}


def test_hxl_row_is_skipped_and_province_names_are_acled_spellings(iraq):
    from eventdata.datasets.geography import COUNTRIES

    assert not iraq["event_id_cnty"].str.contains("#").any()
    acled_names = {p.admin1 for p in COUNTRIES["Iraq"].provinces}
    assert set(iraq["admin1"].dropna()) <= acled_names
    pairs = iraq[["adm_1", "admin1"]].drop_duplicates().dropna()
    mapping = dict(zip(pairs["adm_1"], pairs["admin1"], strict=True))
    assert mapping["Al Anbār province"] == "Anbar"
    assert mapping["Al Başrah  province"] == "Basrah"  # two spaces in the file
    assert mapping["At-Ta'mim province"] == "Kirkuk"  # the old name
    assert "Al Anbār province" in set(iraq["adm_1"])  # kept as written


def test_mapping_onto_the_core_schema():
    frame = read_ucdp_ged(ged(*ROWS))
    assert list(frame.columns[: len(CORE_SCHEMA.columns)]) == list(CORE_SCHEMA.columns)
    assert frame["event_type"].tolist() == [
        "One-sided violence",
        "State-based conflict",
        "Non-state conflict",
    ]
    assert frame["time_precision"].tolist() == [1, 3, 2]  # date_prec 1, 4 (month), 2 (range)
    assert frame["geo_precision"].tolist() == [1, 3, 2]  # where_prec 1, 4 (admin1), 2
    assert frame["source"].tolist() == ["AFP", "UCDP GED", "Rudaw"]
    assert frame["actor1"].tolist() == ["IS", "Government of Iraq", "PUK"]
    assert (frame["dataset"] == "ucdp_ged").all()


BROKEN = [
    (0, "type_of_violence", "4"),
    (0, "date_prec", "6"),
    (0, "where_prec", "8"),
    (0, "date_end", "2015-05-30"),  # before date_start
    (0, "latitude", "95"),
    (0, "best", "-2"),
    (0, "id", "11"),  # duplicate id
]


@pytest.mark.parametrize(("row", "column", "value"), BROKEN)
def test_broken_rows_are_quarantined_as_read_with_reasons(row, column, value):
    table = pd.read_csv(ged(*ROWS), dtype=str, keep_default_na=False)
    table.loc[row, column] = value
    q = read_ucdp_ged(io.StringIO(table.to_csv(index=False)), errors="quarantine")
    assert q.n_valid + q.n_rejected == 3
    assert q.n_rejected >= 1
    assert 0 in q.rejected.index
    assert q.rejected.loc[0, column] == value  # the row as read, GED's own columns
    assert q.rejected["reason"].str.len().gt(0).all()
    with pytest.raises(ed.ValidationError):
        read_ucdp_ged(io.StringIO(table.to_csv(index=False)))


def test_best_outside_low_high_is_kept_with_a_warning_from_eventdata_errors():
    row = ROWS[0].replace(",4,4,6,", ",9,4,6,")  # best 9 above high 6, as published
    with pytest.warns(errors.DeathEstimateWarning, match="1 GED row"):
        frame = read_ucdp_ged(ged(row, *ROWS[1:]))
    assert len(frame) == 3
    assert DeathEstimateWarning is errors.DeathEstimateWarning
    assert issubclass(DeathEstimateWarning, ed.EventDataWarning)


def test_not_a_ged_file():
    with pytest.raises(ed.ValidationError, match="not a UCDP GED file.*type_of_violence"):
        read_ucdp_ged(io.StringIO("id,date\n1,2020-01-01\n"))


def test_ged_runs_through_the_same_counting_code_as_acled(iraq, seed_events):
    monthly = ed.counts(iraq, freq="M", start="2014-01-01", end="2014-12-31")
    assert monthly["count"].sum() == int(
        (iraq["event_date"].dt.year == 2014).sum()
        - ((iraq["event_date"].dt.year == 2014) & (iraq["time_precision"] > 3)).sum()
    )
    same_shape = ed.counts(seed_events, freq="M")
    assert list(monthly.columns) == list(same_shape.columns)


def test_ged_runs_through_the_same_province_analysis_as_acled(iraq):
    year = iraq[iraq["event_date"].dt.year == 2016]
    result = ed.province_frequency(year)
    table = result.table
    assert table["count"].sum() == len(year.dropna(subset=["admin1"]))
    assert {"Ninewa", "Anbar", "Baghdad"} <= set(table["admin1"])


def test_ged_runs_through_the_same_anniversary_test_as_acled(iraq):
    # Iraq 2004-2018: does violence rise in the week after 3 January? (GED data, same code)
    recent = iraq[iraq["event_date"] >= "2004-01-01"]
    result = ed.anniversary_test(recent, "01-03", window=(0, 6))
    assert result.method == "placebo"
    assert 0 < result.pvalue <= 1 and result.ci[0] < result.rate_ratio < result.ci[1]
    assert len(result.by_year) >= 14
