"""Province names: every spelling in the table maps to ACLED's, robustly; unknown names warn."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import eventdata as ed
from eventdata.core.admin1 import (
    Admin1Warning,
    admin1_key,
    admin1_names,
    canonical_admin1,
    normalize_admin1,
)
from eventdata.datasets.geography import COUNTRIES
from tests.conftest import SHARED, shared_file

UCDP = SHARED / "ucdp-ged"


@pytest.mark.parametrize("country", ["Iraq", "Syria"])
def test_canonical_names_are_the_simulator_and_acled_spellings(country):
    names = admin1_names(country)
    expected = {p.admin1 for p in COUNTRIES[country].provinces}
    assert set(names["admin1"]) == expected
    assert len(expected) == {"Iraq": 18, "Syria": 14}[country]
    canonical_rows = names[names["source"] == "acled-2020"]
    assert (canonical_rows["variant"] == canonical_rows["admin1"]).all()
    assert set(canonical_rows["admin1"]) == expected


def test_table_keys_are_unambiguous():
    table = admin1_names()
    per_key = table.groupby(["country", "key"])["admin1"].nunique()
    assert (per_key == 1).all(), per_key[per_key > 1]
    countries = table.groupby("key")["country"].nunique()
    assert (countries == 1).all(), countries[countries > 1]
    assert not table["key"].eq("").any()


@pytest.mark.parametrize(
    ("country", "variant", "canonical"),
    [
        ("Syria", "Deir ez-Zor", "Deir-ez-Zor"),
        ("Syria", "Deir-ez-Zor", "Deir-ez-Zor"),
        ("Syria", "Dayr Az Zawr", "Deir-ez-Zor"),
        ("Syria", "Deir al-Zor", "Deir-ez-Zor"),
        ("Syria", "Rif Dimashq", "Rural Damascus"),
        ("Syria", "Idlib", "Idleb"),
        ("Syria", "Daraa", "Dar'a"),
        ("Iraq", "Ninewa", "Ninewa"),
        ("Iraq", "Nineveh", "Ninewa"),
        ("Iraq", "Nīnawá province", "Ninewa"),
        ("Iraq", "Anbar", "Anbar"),
        ("Iraq", "Al Anbar", "Anbar"),
        ("Iraq", "Al Anbār province", "Anbar"),
        ("Iraq", "Sala al-Din", "Sala al-Din"),
        ("Iraq", "Salah ad Din", "Sala al-Din"),
        ("Iraq", "Şalāḩ ad Dīn province", "Sala al-Din"),
        ("Iraq", "At-Ta'mim province", "Kirkuk"),
        ("Iraq", "Al Başrah  province", "Basrah"),
        ("Iraq", "Maysān  province", "Missan"),
        ("Iraq", "Karbalā’ province", "Kerbala"),
        ("Iraq", "Duhok", "Dahuk"),
    ],
)
def test_known_variants_map_to_the_canonical_name(country, variant, canonical):
    assert canonical_admin1(variant, country) == canonical


def _respellings(name: str) -> list[str]:
    """What exports and hand-typing do to a name: case, separators, suffixes, marks."""
    return [
        name.upper(),
        name.lower(),
        name.replace(" ", "-"),
        name.replace("-", " "),
        name.replace("'", "’"),  # the typographic apostrophe
        f"  {name}  ",
        f"{name} Governorate",
        f"{name} province",
        f"{name.replace('a', 'á')}",
    ]


def test_matching_survives_case_separators_suffixes_and_diacritics():
    table = admin1_names()
    for country, canonical, variant in table[["country", "admin1", "variant"]].itertuples(
        index=False
    ):
        for spelling in _respellings(variant):
            assert canonical_admin1(spelling, country) == canonical, (spelling, canonical)


def test_key_ignores_articles_and_unit_words_but_not_the_name():
    assert admin1_key("Al-Anbar Governorate") == admin1_key("anbar")
    assert admin1_key("Province") == "province"  # a lone unit word is a name, not a suffix
    assert admin1_key("Rural Damascus") != admin1_key("Damascus")
    assert canonical_admin1("Damascus", "Syria") == "Damascus"


def test_a_name_is_matched_within_its_country_only():
    assert canonical_admin1("Idlib", "Iraq") is None
    assert canonical_admin1("Idlib", "syria") == "Idleb"
    assert canonical_admin1("Idlib", "Afghanistan") is None


def test_normalize_returns_a_new_frame_and_a_report(simulated):
    raw = simulated.head(300).copy()
    spellings = {"Idleb": "Idlib", "Ninewa": "Nīnawá province", "Anbar": "Al Anbar"}
    raw["admin1"] = raw["admin1"].replace(spellings)
    before = raw.copy()
    result = normalize_admin1(raw)
    pd.testing.assert_frame_equal(raw, before)  # input untouched
    assert result.events is not raw
    expected = simulated.head(300)["admin1"]
    assert result.events["admin1"].tolist() == expected.tolist()
    assert result.events["admin1"].dtype == raw["admin1"].dtype
    report = result.report
    assert report["rows"].sum() == len(raw)
    changed = raw["admin1"].isin(list(spellings.values())).sum()
    assert result.n_mapped == changed
    assert set(report.loc[report["status"] == "mapped", "original"]) <= set(spellings.values())
    assert (report.loc[report["status"] == "canonical", "original"].isin(expected)).all()
    text = result.summary()
    assert "'Idlib' -> 'Idleb'" in text
    assert "<table" in result._repr_html_()


def test_unknown_names_warn_and_stay_as_they_were():
    raw = pd.DataFrame(
        {
            "country": ["Iraq", "Iraq", "Syria", "Afghanistan", "Iraq"],
            "admin1": ["Atlantis", "Nineveh", "Idlib", "Kabul", None],
        }
    )
    with pytest.warns(Admin1Warning, match="Atlantis"):
        result = normalize_admin1(raw)
    assert result.events["admin1"].tolist()[:4] == ["Atlantis", "Ninewa", "Idleb", "Kabul"]
    assert pd.isna(result.events["admin1"].iloc[4])
    status = dict(
        zip(result.report["original"].fillna("<NA>"), result.report["status"], strict=True)
    )
    assert status == {
        "Atlantis": "unknown",
        "Nineveh": "mapped",
        "Idlib": "mapped",
        "Kabul": "country not covered",
        "<NA>": "missing",
    }
    assert result.unknown == ["Atlantis"] and result.n_unknown == 1


def test_countries_not_covered_pass_through_without_warning():
    raw = pd.DataFrame({"country": ["Afghanistan"], "admin1": ["Kabul"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = normalize_admin1(raw)
    assert result.events["admin1"].tolist() == ["Kabul"]


def test_without_a_country_column_names_unique_to_one_country_still_map():
    raw = pd.DataFrame({"province": pd.Categorical(["Dayr az Zawr", "Arbil", "Arbil"])})
    result = normalize_admin1(raw, column="province", country_column=None)
    assert result.events["province"].tolist() == ["Deir-ez-Zor", "Erbil", "Erbil"]
    assert isinstance(result.events["province"].dtype, pd.CategoricalDtype)


def test_every_ucdp_ged_name_for_iraq_is_recognised():
    path = shared_file(UCDP, "iraq-1989-2018-hdx.csv")
    ged = pd.read_csv(path, skiprows=[1], usecols=["country", "adm_1"], low_memory=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Admin1Warning)
        result = normalize_admin1(ged, column="adm_1")
    assert result.n_unknown == 0
    assert result.n_mapped == ged["adm_1"].notna().sum()
    iraq = {p.admin1 for p in COUNTRIES["Iraq"].provinces}
    assert set(result.events["adm_1"].dropna()) <= iraq
    # At-Ta'mim is Kirkuk: its events join Kirkuk's
    by_name = ged["adm_1"].value_counts()
    merged = result.events["adm_1"].value_counts()
    assert merged["Kirkuk"] == by_name["Kirkūk province"] + by_name["At-Ta'mim province"]


def test_acled_2020_export_names_are_already_canonical():
    path = shared_file(SHARED / "acled-exports", "global-2020-04-27-to-05-09.csv")
    export = pd.read_csv(path, usecols=["country", "admin1"], on_bad_lines="skip")
    export = export[export["country"].isin(["Iraq", "Syria"])]
    result = normalize_admin1(export)
    assert set(result.report["status"]) == {"canonical"}


def test_normalized_provinces_count_as_one(simulated):
    raw = simulated.copy()
    idleb = raw["admin1"] == "Idleb"
    raw.loc[idleb.to_numpy() & (raw.index % 2 == 0), "admin1"] = "Idlib province"
    split = ed.counts(raw, freq="Y", by="admin1")
    merged = ed.counts(normalize_admin1(raw).events, freq="Y", by="admin1")
    assert "Idlib province" in set(split["admin1"])
    assert merged.loc[merged["admin1"] == "Idleb", "count"].sum() == idleb.sum()
