"""Every Python block of README.md runs, in order, as a new user would run them.

The blocks read a user's own files (``iraq-syria-2022.csv``, ``export.csv``):
the test writes them first from the bundled simulation, in a temporary folder.
A block may be left out only with a visible reason just above it
(``<!-- readme: not run, REASON -->``); today none is.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import matplotlib
import pytest

import eventdata as ed

matplotlib.use("Agg")

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(
    r"(?:<!-- readme: not run, (?P<reason>[^>]*?) -->\n)?```python\n(?P<code>.*?)```", re.S
)


def _blocks() -> list[tuple[str, str | None]]:
    return [(m["code"], m["reason"]) for m in BLOCK.finditer(README.read_text(encoding="utf-8"))]


def test_the_readme_has_python_blocks_and_skips_none_silently() -> None:
    text = README.read_text(encoding="utf-8")
    assert text.count("```python") == len(_blocks()) >= 3
    for _, reason in _blocks():
        assert reason is None or reason.strip(), "a block left out must say why"


def test_every_python_block_of_the_readme_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    sim = ed.datasets.simulate("2021-01-01", "2022-12-31", seed=3)
    ed.write_acled(ed.filter_events(sim, start="2022-01-01"), tmp_path / "iraq-syria-2022.csv")
    export = ed.filter_events(sim, start="2022-06-01").copy()
    export.loc[export.index[0], "fatalities"] = -1  # one row a quarantine sets aside
    export.astype({"fatalities": "object"}).to_csv(tmp_path / "export.csv", index=False)
    namespace: dict = {"__name__": "readme"}
    run = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the blocks' warnings are for their readers
        for number, (code, reason) in enumerate(_blocks(), 1):
            if reason:
                continue
            try:
                exec(compile(code, f"README.md python block {number}", "exec"), namespace)
            finally:
                plt.close("all")
            run += 1
    assert run == len(_blocks())
    # the quickstart does what it says
    attacks = namespace["attacks"]
    assert len(attacks) and set(attacks["event_type"]) == {"Explosions/Remote violence"}
    on_side = attacks["actor2"].str.contains("coalition", case=False).fillna(False)
    on_side |= attacks["assoc_actor_2"].str.contains("coalition", case=False).fillna(False)
    assert on_side.all()
    assert namespace["everything"].rate_ratio > 1.2  # the planted 1.5x rise
    assert namespace["checked"].n_rejected == 1
    assert set(namespace["iraq"]["country"]) == {"Iraq"}
    assert "interpretation" in README.read_text(encoding="utf-8")
