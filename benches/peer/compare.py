#!/usr/bin/env python3
"""sagitta and MediaPipe's Python pose solution, timed side by side in one run.

    python compare.py --sagitta target/release/sagitta [--repeats 5] [--batch 100]

Run through benches/peer/run.sh (it builds sagitta and the virtualenv), from
the repository root. Both tools get the same photo list: samples/*.jpg and
../shared/photos/**/*.jpg|jpeg, repeated in order up to --batch photos.

Every configuration runs as its own process, timed from outside with
time.perf_counter: the wall time (start to exit), when each result line
appears on standard output (both tools print one line per photo as soon as
it is done), and the peak RSS from wait4. The configurations take turns in
every repetition, so drift on a shared machine hits all of them alike; the
figures are medians over the repetitions.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ONE_CORE = ["taskset", "-c", "0"]


def photo_list() -> list[str]:
    photos = sorted(str(p) for p in Path("samples").glob("*.jpg"))
    shared = Path("../shared/photos")
    photos += sorted(
        str(p)
        for p in shared.rglob("*")
        if p.is_file() and p.suffix.lower() in (".jpg", ".jpeg")
    )
    return photos


def run(command: list[str], env: dict | None = None) -> dict:
    """Runs `command`; returns wall time, result-line times and peak RSS."""
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=stderr, env=env, text=True
        )
        result_times, found, summary = [], [], None
        for line in proc.stdout:
            now = time.perf_counter() - start
            record = json.loads(line)
            kind = record.get("type")
            if kind == "result":  # MediaPipe
                result_times.append(now)
                found.append(record["found"])
            elif kind in ("analysis", "error"):  # sagitta
                result_times.append(now)
                found.append(kind == "analysis")
            elif kind == "summary":
                summary = record
        # wait4, not wait: it also gives this child's peak RSS.
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        # sagitta exits 1 when a photo has no person; that is a result too.
        if proc.returncode not in (0, 1) or not result_times:
            stderr.seek(0)
            sys.exit(
                f"{' '.join(command[:6])} ... failed ({proc.returncode}):\n"
                + stderr.read().decode(errors="replace")[-3000:]
            )
    return {
        "wall": wall,
        "times": result_times,
        "found": found,
        "rss_mb": usage.ru_maxrss / 1024,
        "summary": summary,
    }


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(q * len(ordered)))) - 1]


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sagitta", required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()

    photos = photo_list()
    if not photos:
        sys.exit("no photos: run from the repository root")
    batch = [photos[i % len(photos)] for i in range(args.batch)]
    nproc = os.cpu_count()

    python = sys.executable
    mediapipe = [python, str(HERE / "mediapipe_batch.py")]
    sagitta = [args.sagitta, "analyze", "--format", "jsonl", "--quiet"]
    one_thread = dict(os.environ, OMP_NUM_THREADS="1")
    # name -> (command for the batch, environment)
    configs = {
        "mediapipe": (mediapipe + batch, None),
        "mediapipe 1 core": (ONE_CORE + mediapipe + batch, one_thread),
        "sagitta": (sagitta + batch, None),
        "sagitta 1 core": (ONE_CORE + sagitta + ["--jobs", "1", "--threads", "1"] + batch, None),
        "sagitta -j1 -t2": (sagitta + ["--jobs", "1", "--threads", "2"] + batch, None),
        # Time to the first result: one photo, default settings.
        "mediapipe 1 photo": (mediapipe + photos[:1], None),
        "sagitta 1 photo": (sagitta + photos[:1], None),
        # Default --jobs starts one worker per core even for one photo.
        "sagitta 1 photo -j1": (sagitta + ["--jobs", "1"] + photos[:1], None),
    }

    print(f"machine: {nproc} cores, {cpu_model()}, Python {platform.python_version()}")
    print(f"photos: {len(photos)} distinct, batch of {len(batch)}; {args.repeats} repetitions")
    print(f"load average before: {load_average()}")
    runs: dict[str, list[dict]] = {name: [] for name in configs}
    for repetition in range(args.repeats + 1):
        for name, (command, env) in configs.items():
            result = run(command, env)
            # Repetition 0 warms the page cache and is not counted.
            if repetition > 0:
                runs[name].append(result)
        print(f"  repetition {repetition}/{args.repeats} done", file=sys.stderr)
    print(f"load average after: {load_average()}")

    figures = {name: summarise(results, len(batch)) for name, results in runs.items()}
    print_tables(figures)
    return 0


def summarise(results: list[dict], batch: int) -> dict:
    walls = [r["wall"] for r in results]
    firsts = [r["times"][0] for r in results]
    # Time between consecutive results: the per-photo latency where photos are
    # done one after another; start-up comes before the first result, in no gap.
    gaps = [b - a for r in results for a, b in itertools.pairwise(r["times"])]
    figures = {
        "wall": statistics.median(walls),
        "first": statistics.median(firsts),
        "rss": statistics.median(r["rss_mb"] for r in results),
        "found": sum(results[0]["found"]),
        "count": len(results[0]["found"]),
    }
    if len(results[0]["times"]) > 1:
        figures["throughput"] = statistics.median(batch / w for w in walls)
        figures["steady"] = statistics.median(
            (len(r["times"]) - 1) / (r["wall"] - r["times"][0]) for r in results
        )
        figures["gap_median"] = statistics.median(gaps)
        figures["gap_p90"] = percentile(gaps, 0.9)
    # MediaPipe's own timings, without each run's first photo (it warms up).
    summaries = [r["summary"] for r in results if r["summary"] and "images" in r["summary"]]
    images = [i for s in summaries for i in s["images"][1:]]
    if images:
        process = [i["process_s"] for i in images]
        both = [i["process_s"] + i["decode_s"] for i in images]
        figures.update(
            process_median=statistics.median(process),
            process_p90=percentile(process, 0.9),
            both_median=statistics.median(both),
            both_p90=percentile(both, 0.9),
            import_s=statistics.median(s["import_s"] for s in summaries),
            load_s=statistics.median(s["load_s"] for s in summaries),
            threads=max(s["threads"] for s in summaries),
        )
        loops = [s["loop_s"] for s in summaries]
        figures["in_process"] = statistics.median(
            len(s["images"]) / loop_s for s, loop_s in zip(summaries, loops, strict=True)
        )
    return figures


def print_tables(f: dict) -> None:
    ms = 1e3
    print()
    print("| run | photos with a person | wall s | images/s (process) | images/s (after 1st result) "
          "| ms between results, median | p90 | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|")
    for name, x in f.items():
        if "throughput" not in x:
            continue
        print(
            f"| {name} | {x['found']}/{x['count']} | {x['wall']:.2f} | {x['throughput']:.1f} "
            f"| {x['steady']:.1f} | {x['gap_median'] * ms:.1f} | {x['gap_p90'] * ms:.1f} | {x['rss']:.0f} |"
        )

    print()
    print("MediaPipe in-process, per photo, first photo of each run left out:")
    print("| run | process() median ms | p90 ms | imread+process median ms | p90 ms "
          "| images/s in the loop | threads | import s | Pose() s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in ("mediapipe", "mediapipe 1 core"):
        x = f[name]
        print(
            f"| {name} | {x['process_median'] * ms:.1f} | {x['process_p90'] * ms:.1f} "
            f"| {x['both_median'] * ms:.1f} | {x['both_p90'] * ms:.1f} | {x['in_process']:.1f} "
            f"| {x['threads']} | {x['import_s']:.2f} | {x['load_s']:.3f} |"
        )

    print()
    print("Start of the process to the first result (one photo, median):")
    for name in ("mediapipe 1 photo", "sagitta 1 photo", "sagitta 1 photo -j1"):
        x = f[name]
        print(f"  {name}: first result {x['first'] * ms:.0f} ms, process exits {x['wall'] * ms:.0f} ms, "
              f"peak RSS {x['rss']:.0f} MB")

    def ratio(a: str, b: str, key: str) -> str:
        return f"{f[a][key] / f[b][key]:.2f}x"

    print()
    print("Ratios (sagitta / MediaPipe, same run):")
    print(f"  throughput, default parallelism vs one MediaPipe process: "
          f"{ratio('sagitta', 'mediapipe', 'throughput')} (process), "
          f"{ratio('sagitta', 'mediapipe', 'steady')} (after the first result)  [target >= 2x]")
    print(f"  per core, sagitta --jobs 1 --threads 1 vs MediaPipe, both on core 0: "
          f"{ratio('sagitta 1 core', 'mediapipe 1 core', 'throughput')} (process), "
          f"{ratio('sagitta 1 core', 'mediapipe 1 core', 'steady')} (after the first result)  [target >= 1.2x]")
    print(f"  per photo latency, one after another on core 0 (MediaPipe / sagitta): "
          f"{f['mediapipe 1 core']['gap_median'] / f['sagitta 1 core']['gap_median']:.2f}x")
    print(f"  time to the first result (MediaPipe / sagitta): "
          f"{ratio('mediapipe 1 photo', 'sagitta 1 photo', 'first')}")
    print(f"  sagitta --jobs 2 --threads 1 vs --jobs 1 --threads 2: "
          f"{ratio('sagitta', 'sagitta -j1 -t2', 'steady')} (after the first result)")
    print(f"  peak RSS for {f['sagitta']['count']} photos: sagitta {f['sagitta']['rss']:.0f} MB "
              f"(default jobs), {f['sagitta 1 core']['rss']:.0f} MB (--jobs 1); "
              f"MediaPipe {f['mediapipe']['rss']:.0f} MB  [target < 300 MB]")


if __name__ == "__main__":
    sys.exit(main())
