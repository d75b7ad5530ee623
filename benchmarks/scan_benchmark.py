"""Space-time permutation scan: speed against the previous engine, and calibration.

Speed. For each setting, the median (of ``--runs`` runs) of the whole scan with 999
replications, and the cost of one replication, against two baselines measured in the same
run:

- the previous engine (commit ``006c491``, last round's, loaded from git history): every
  circle compared with its least count in every interval, each replication; its
  999-replication time is measured when it takes under two minutes, else projected
  from its per-replication cost over 5 replications;
- a plain scan (few places only): a loop over centres and circle sizes that evaluates
  every interval of a circle with numpy, as a direct transcription of the method would.

The current engine looks at circles in groups (a group's largest circle's count against
the least count of its smallest circle's expectation bounds every member) and at interval
lengths in bands (a band's widest span bounds the counts, its narrowest the expectation);
it counts members and computes the LLR only where a group and band could reach a level.
The settings with thousands of distinct places (every event at its own village, as ACLED
codes them) are where the previous engine was slow.

Calibration. Data without space-time interaction but uneven in both space
(towns with very different activity) and time (a trend and a weekly cycle):
the share of data sets whose most likely cluster has p < 0.05 should be about
5%. Power: the same data with a planted burst; how often it is found (p < 0.05)
and whether the reported cluster is at its place and time.

Run::

    .venv/bin/python benchmarks/scan_benchmark.py            # ~30 min on a quiet 2-core machine
    .venv/bin/python benchmarks/scan_benchmark.py --quick    # one run, fewer data sets

Writes ``benchmarks/figures/scan_calibration.png`` (p-value histogram under the null).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import eventdata as ed

NYC = Path(__file__).resolve().parents[2] / "shared" / "data" / "reference" / "satscan-nycfever"
ROOT = Path(__file__).resolve().parents[1]
PREVIOUS = "006c491"  # last round's engine: every circle compared in every replication
SPATIAL = "eventdata/analysis/spatial"
EXPORT = ROOT.parent / "shared" / "data" / "acled-exports" / "global-2020-04-27-to-05-09.csv"


def previous_engine():
    """The scan module of commit PREVIOUS and its engine, from git history (None if
    unavailable)."""
    folder = Path(tempfile.mkdtemp())
    try:
        for name in ("_cylinders", "scan"):
            source = subprocess.run(
                ["git", "show", f"{PREVIOUS}:{SPATIAL}/{name}.py"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            source = source.replace("eventdata.analysis.spatial._cylinders", "previous__cylinders")
            (folder / f"previous_{name}.py").write_text(source, encoding="utf-8")
    except (OSError, subprocess.CalledProcessError):
        return None
    module = None
    for name in ("_cylinders", "scan"):
        spec = importlib.util.spec_from_file_location(
            f"previous_{name}", folder / f"previous_{name}.py"
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[f"previous_{name}"] = module
        spec.loader.exec_module(module)
    return module


def towns(rng, n_events, n_towns, n_days, planted=0, burst_town=0, burst_days=(40, 46)):
    """Events at towns of uneven activity, on days of uneven activity, independently."""
    lat = rng.uniform(33, 37, n_towns).round(3)
    lon = rng.uniform(39, 45, n_towns).round(3)
    weight = rng.lognormal(0, 1.0, n_towns)
    town = rng.choice(n_towns, n_events, p=weight / weight.sum())
    days = np.arange(n_days)
    profile = (1 + days / n_days) * np.where(days % 7 == 4, 0.5, 1.0)  # trend, quiet Fridays
    day = rng.choice(n_days, n_events, p=profile / profile.sum())
    if planted:
        town = np.r_[town, np.full(planted, burst_town)]
        day = np.r_[day, rng.integers(burst_days[0], burst_days[1] + 1, planted)]
    return pd.DataFrame(
        {
            "latitude": lat[town],
            "longitude": lon[town],
            "event_date": pd.Timestamp("2023-01-01") + pd.to_timedelta(day, unit="D"),
        }
    ), (lat[burst_town], lon[burst_town])


def plain_scan(events, max_share=0.5, max_days=30):
    """The largest LLR by a loop over centres and circle sizes (numpy over the intervals)."""
    places, place = np.unique(
        events[["latitude", "longitude"]].to_numpy(), axis=0, return_inverse=True
    )
    place = place.ravel()
    day = (events["event_date"] - events["event_date"].min()).dt.days.to_numpy()
    n_days, total = day.max() + 1, len(events)
    table = np.zeros((len(places), n_days))
    np.add.at(table, (place, day), 1)
    day_totals = table.sum(axis=0)
    starts = np.arange(n_days)
    best = 0.0
    for centre in range(len(places)):
        km = ed.distance_km(places[centre, 0], places[centre, 1], places[:, 0], places[:, 1])
        circle = np.zeros(n_days)
        for neighbour in np.argsort(km, kind="stable"):
            circle = circle + table[neighbour]
            if circle.sum() > max_share * total:
                break
            n_circle = circle.sum()
            cum = np.r_[0, np.cumsum(circle)]
            dcum = np.r_[0, np.cumsum(day_totals)]
            for w in range(1, max_days + 1):
                s = starts[: n_days - w + 1]
                c = cum[s + w] - cum[s]
                mu = n_circle * (dcum[s + w] - dcum[s]) / total
                high = (c > mu) & (c >= 2)
                if high.any():
                    c, mu = c[high], mu[high]
                    llr = c * np.log(c / mu) + (total - c) * np.log((total - c) / (total - mu))
                    best = max(best, float(llr.max()))
    return best


def median_time(runs, function, *args, **kwargs):
    """Median wall and CPU (this process) time of ``runs`` calls of ``function``."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        function(*args, **kwargs)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return np.array([statistics.median(wall), statistics.median(cpu)])


def speed(settings, replications, runs):
    print(
        f"## Speed (median of {runs} runs; one replication, then the whole scan with "
        f"{replications} replications)\n"
    )
    print(
        "Wall-clock seconds, CPU seconds of this process in brackets (the CPU figures hold on a\n"
        "shared machine, where other processes stretch the wall clock). Per replication: the\n"
        "scan with replications minus the scan without, over their number. The previous\n"
        f"engine's {replications} replications are projected from 5 where they would take\n"
        "over two minutes.\n"
    )
    previous = previous_engine()
    print(
        "| data | locations | units | max units | previous (ms/rep) | now (ms/rep) | ratio | "
        f"plain (ms/rep) | {replications} reps now (s) | previous, projected (s) | ratio |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, events, options in settings:
        n_places = len(events[["latitude", "longitude"]].drop_duplicates())
        unit = options.get("days_per_unit", 1)
        n_units = -(-((events["event_date"].max() - events["event_date"].min()).days + 1) // unit)
        scan = ed.space_time_scan
        scan(events, replications=0, **options)  # warm-up
        base = median_time(runs, scan, events, replications=0, **options)
        whole = median_time(runs, scan, events, replications=replications, seed=1, **options)
        ours = (whole - base) / replications
        old = old_whole = np.full(2, np.nan)
        if previous is not None:
            few = 5
            old_base = median_time(
                runs, previous.space_time_scan, events, replications=0, **options
            )
            old_few = median_time(
                runs, previous.space_time_scan, events, replications=few, seed=1, **options
            )
            old = np.maximum(old_few - old_base, 0.0) / few
            old_whole = old_base + replications * old
            if old_whole[0] < 120:  # measured, not projected (its thresholds are cached
                # after the first replications, which a projection from 5 would miss)
                old_whole = median_time(
                    runs,
                    previous.space_time_scan,
                    events,
                    replications=replications,
                    seed=1,
                    **options,
                )
                old = (old_whole - old_base) / replications
        longest = options["max_days"] // unit if "max_days" in options else "half"
        plain = np.nan
        if unit == 1 and "locations" not in options and n_places <= 100:
            plain = median_time(
                1, plain_scan, events, max_days=options.get("max_days", n_units // 2)
            )[0]

        def pair(values, scale=1.0, digits=1):
            return f"{values[0] * scale:.{digits}f} ({values[1] * scale:.{digits}f})"

        print(
            f"| {label} | {n_places} | {n_units} | {longest} | {pair(old, 1e3)} | "
            f"{pair(ours, 1e3, 2)} | {old[0] / ours[0]:.0f}x ({old[1] / ours[1]:.0f}x) | "
            f"{plain * 1e3:.0f} | {pair(whole)} | {pair(old_whole, digits=0)} | "
            f"{old_whole[0] / whole[0]:.0f}x ({old_whole[1] / whole[1]:.0f}x) |"
        )
    print()


def calibration(n_sets, replications, out):
    print("## Calibration (uneven but separable data: no space-time interaction)\n")
    rng = np.random.default_rng(2026)
    pvalues = []
    for _ in range(n_sets):
        events, _ = towns(rng, 600, 25, 90)
        result = ed.space_time_scan(events, replications=replications, max_days=14, seed=rng)
        pvalues.append(result.pvalue)
    pvalues = np.array(pvalues)
    share = (pvalues < 0.05).mean()
    se = np.sqrt(0.05 * 0.95 / n_sets)
    print(
        f"- {n_sets} data sets of 600 events at 25 towns over 90 days, "
        f"{replications} replications each"
    )
    print(
        f"- p < 0.05: {share:.3f} (nominal 0.05, Monte Carlo SE {se:.3f}); "
        f"p < 0.10: {(pvalues < 0.10).mean():.3f}"
    )
    found = 0
    placed = 0
    power_sets = max(10, n_sets // 4)
    for _ in range(power_sets):
        events, (blat, blon) = towns(rng, 600, 25, 90, planted=20, burst_town=0)
        result = ed.space_time_scan(events, replications=replications, max_days=14, seed=rng)
        top = result.most_likely
        hit = result.pvalue < 0.05
        found += hit
        near = (
            ed.distance_km(top["latitude"], top["longitude"], blat, blon)[()]
            <= top["radius_km"] + 1e-9
        )
        when = top["start"] <= pd.Timestamp("2023-02-16") and top["end"] >= pd.Timestamp(
            "2023-02-10"
        )
        placed += hit and near and when
    print(
        f"- planted burst (20 extra events at one town over 7 days): found at p < 0.05 in "
        f"{found}/{power_sets}, at the right town and days in {placed}/{power_sets}\n"
    )
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.hist(pvalues, bins=np.linspace(0, 1, 21), color="0.6", edgecolor="white")
        ax.axhline(n_sets / 20, color="k", linestyle=":", label="uniform")
        ax.set_xlabel("Monte Carlo p-value of the most likely cluster")
        ax.set_ylabel("Data sets")
        ax.set_title("Space-time scan under no interaction")
        ax.legend()
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, dpi=100, bbox_inches="tight")
        print(f"Figure: {out}\n")
    except ImportError:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--speed-only", action="store_true", help="skip the calibration")
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    settings = []
    if (NYC / "cases.csv").exists():
        cases = pd.read_csv(NYC / "cases.csv", dtype={"location_id": str})
        places = pd.read_csv(NYC / "locations.csv", dtype={"location_id": str})
        nyc = cases.merge(places, on="location_id")
        nyc["event_date"] = pd.to_datetime(nyc["date"])
        settings.append(
            (
                "SaTScan NYC fever (194 cases)",
                nyc,
                {"locations": places.rename(columns={"location_id": "name"})},
            )
        )
    ten_k, _ = towns(rng, 10_000, 50, 365)
    settings.append(("10,000 events, weekly units", ten_k, {"days_per_unit": 7, "max_days": 56}))
    settings.append(("10,000 events, days", ten_k, {"max_days": 14}))
    simulated = ed.datasets.simulate(seed=1)
    year = simulated[simulated["event_date"].between("2021-01-01", "2021-12-31")]
    settings.append(("simulated year, within 50 km", year, {"max_radius_km": 50}))
    if EXPORT.exists():
        export = ed.read_acled(EXPORT, errors="quarantine").valid
        settings.append(("ACLED export, 13 days, world", export, {}))
    speed(settings, 999, 1 if args.quick else args.runs)
    if args.speed_only:
        return
    calibration(
        40 if args.quick else 200,
        99 if args.quick else 199,
        Path(__file__).parent / "figures" / "scan_calibration.png",
    )


if __name__ == "__main__":
    main()
