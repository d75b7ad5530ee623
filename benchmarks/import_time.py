"""What starting eventdata costs: `import eventdata` and `eventdata --help` beside pandas.

Each figure is the median wall time of ``--runs`` fresh interpreters (nothing
imported, nothing cached in the process), the commands taken in turn so that a
busy moment of the machine falls on all of them alike. The baseline,
``import pandas, pyarrow``, is measured in the same run; the targets (issue 16):

- ``import eventdata`` at most 1.5 times ``import pandas, pyarrow``;
- ``eventdata --help`` under 1 second.

Two more rows say what using the package costs, for information: the first name
that reads data (``ed.read_acled``: pandas, pyarrow and pandera) and every name
of the API (``from eventdata import *``: statsmodels, scipy, matplotlib... load
then only if a module imports them at its top).

Usage::

    .venv/bin/python benchmarks/import_time.py            # 15 runs of each
    .venv/bin/python benchmarks/import_time.py --runs 31
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASELINE = "import pandas, pyarrow"
TARGET_IMPORT_RATIO = 1.5
TARGET_HELP_SECONDS = 1.0


def commands() -> dict[str, list[str]]:
    python = sys.executable
    # the console script beside this interpreter, as a user runs it
    script = Path(python).with_name("eventdata")
    help_command = (
        [str(script), "--help"] if script.exists() else [python, "-m", "eventdata.cli", "--help"]
    )
    return {
        BASELINE: [python, "-c", BASELINE],
        "import eventdata": [python, "-c", "import eventdata"],
        "eventdata --help": help_command,
        "ed.read_acled (first read)": [python, "-c", "import eventdata as ed; ed.read_acled"],
        "from eventdata import *": [python, "-c", "from eventdata import *"],
    }


def seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per command")
    args = parser.parse_args(argv)
    todo = commands()
    for command in todo.values():  # warm the file cache; not counted
        seconds(command)
    times: dict[str, list[float]] = {name: [] for name in todo}
    for _ in range(args.runs):
        for name, command in todo.items():
            times[name].append(seconds(command))
    medians = {name: statistics.median(values) for name, values in times.items()}
    base = medians[BASELINE]
    print(f"median of {args.runs} fresh processes each ({sys.executable})\n")
    print(f"{'command':<30} {'seconds':>8} {'x baseline':>11}")
    for name, value in medians.items():
        print(f"{name:<30} {value:>8.3f} {value / base:>10.2f}x")
    ratio = medians["import eventdata"] / base
    help_seconds = medians["eventdata --help"]
    print()
    print(
        f"import eventdata / {BASELINE}: {ratio:.2f}x (target <= {TARGET_IMPORT_RATIO}x): "
        + ("met" if ratio <= TARGET_IMPORT_RATIO else "NOT met")
    )
    print(
        f"eventdata --help: {help_seconds:.2f} s (target < {TARGET_HELP_SECONDS:g} s): "
        + ("met" if help_seconds < TARGET_HELP_SECONDS else "NOT met")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
