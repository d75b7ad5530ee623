"""The CLI's spatial commands: clusters, and the anniversary test by unit."""

from __future__ import annotations

import json

import pandas as pd

import eventdata as ed
from eventdata.cli import main


def test_clusters_prints_and_writes_the_clusters(tmp_path, seed_events, capsys):
    path = tmp_path / "seed.csv"
    ed.write_acled(seed_events, path)
    out = tmp_path / "clusters.json"
    assert main(["clusters", str(path), "--replications", "19", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Space-time permutation scan: 6 events" in printed
    clusters = json.loads(out.read_text(encoding="utf-8"))["clusters"]
    direct = ed.space_time_scan(ed.read_acled(path), replications=19, seed=1)
    assert clusters[0]["test_statistic"] == direct.most_likely["test_statistic"]
    csv = tmp_path / "clusters.csv"
    assert main(["clusters", str(path), "--replications", "0", "--out", str(csv)]) == 0
    assert pd.read_csv(csv)["rank"].tolist()[0] == 1


def test_clusters_rejects_a_bad_output_suffix(tmp_path, seed_events, capsys):
    path = tmp_path / "seed.csv"
    ed.write_acled(seed_events, path)
    assert main(["clusters", str(path), "--out", str(tmp_path / "x.txt")]) != 0
    assert not (tmp_path / "x.txt").exists()


def test_anniversary_by_unit_from_the_cli(tmp_path, capsys):
    out = tmp_path / "units.csv"
    assert main(["anniversary", "--example", "--by", "country", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Anniversary 01-03 by country: 2 units tested" in printed
    table = pd.read_csv(out)
    assert table["unit"].tolist()[-1] == "(all)" or "(all)" in table["unit"].tolist()
    assert set(table["unit"]) >= {"Iraq", "Syria", "(all)"}
