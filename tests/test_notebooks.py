"""A notebook is a test: each is stored without outputs and must run from top to bottom."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

FOLDER = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
# Seconds any one cell may take; a whole notebook should run in well under a minute.
CELL_TIMEOUT = 60


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def test_the_four_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == [
        "01-quickstart.ipynb",
        "02-anniversary-escalation.ipynb",
        "03-province-frequency.ipynb",
        "04-where-and-who.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_without_outputs_and_on_bundled_data_only(path):
    notebook = read(path)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [], f"{path.name}: clear the outputs before storing"
        assert cell.execution_count is None
        # no network, no files from ../shared: the notebooks run anywhere
        assert "http" not in cell.source and "shared" not in cell.source
    assert notebook.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_runs_from_top_to_bottom_in_this_interpreter(path, tmp_path):
    notebook = read(path)
    # which Python the kernel runs: the one running the tests (the project's virtualenv)
    notebook.cells.append(new_code_cell("import sys\nprint(sys.executable)"))
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    (printed,) = notebook.cells[-1].outputs
    assert Path(printed.text.strip()).resolve() == Path(sys.executable).resolve()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    assert list(tmp_path.iterdir()) == []  # the notebooks clean up after themselves
