"""The build at scale: time and peak memory of each step of ``govgraph build`` on generated graphs.

For each size, bench/generate.py writes a source tree (``--triples N``: about N triples
released), then ``govgraph build`` runs on it as a child process while this script samples
the resident memory (RSS) of the build's whole process tree (the JVM of HermiT and the
SHACL-SHACL child included) every 0.1 s. The build prints ``<step>: ... in N.N s`` as each
step ends, so each sample is charged to the step running then. Printed: a Markdown table
of seconds (wall, and CPU of the tree: the machine is shared, CPU is the steadier figure)
and peak RSS per step (load, quotes, reason, validate, check, release), the
whole build's wall time and peak, and the triples released.

    python bench/build_scale.py --triples 100000 1000000 --work /tmp/gg-scale

The machine is shared: run one size at a time, and read the figures as one run's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = ("load", "quotes", "reason", "validate", "check", "release")
_STEP = re.compile(r"^(load|quotes|reason|validate|check|release): .* in ([0-9.]+) s$")
_GRAPH = re.compile(r"^\s+https://w3id.org/govgraph/graph/(\w+): ([0-9,]+) triples$")


def tree_rss(pid: int) -> tuple[int, float]:
    """(resident bytes, CPU seconds) of ``pid`` and all its live descendants (from /proc);
    the CPU of descendants that have ended and been waited for is in their parent's."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    cpu: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        cpu[int(entry)] = sum(int(f) for f in fields[11:15]) / tick
    total, seconds, todo = 0, 0.0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        seconds += cpu.get(current, 0.0)
        todo += children.get(current, [])
    return total, seconds


def measure(source: Path, data_dir: Path) -> dict:
    """Run one build; per step seconds and peak RSS (MB), graphs' triples, total."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), GOVGRAPH_SOURCE_DIR=str(source),
               GOVGRAPH_SOURCE_TEXTS=str(source / "texts"), GOVGRAPH_DATA_DIR=str(data_dir))
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "govgraph", "build"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1)
    current = {"step": STEPS[0], "cpu": 0.0}
    peaks = {step: 0 for step in STEPS}
    cpu_at_end: dict[str, float] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss, current["cpu"] = tree_rss(proc.pid)
            step = current["step"]
            peaks[step] = max(peaks[step], rss)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    seconds, graphs, log = {}, {}, []
    for line in proc.stdout:
        log.append(line.rstrip())
        match = _STEP.match(line.strip())
        if match:
            seconds[match.group(1)] = float(match.group(2))
            cpu_at_end[match.group(1)] = current["cpu"]
            following = STEPS.index(match.group(1)) + 1
            current["step"] = STEPS[following] if following < len(STEPS) else "release"
        graph = _GRAPH.match(line.rstrip())
        if graph:
            graphs[graph.group(1)] = int(graph.group(2).replace(",", ""))
    proc.wait()
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"build failed ({proc.returncode}):\n" + "\n".join(log[-40:]))
    cpu, before = {}, 0.0
    for step in STEPS:
        cpu[step] = round(max(cpu_at_end.get(step, before) - before, 0.0), 1)
        before = cpu_at_end.get(step, before)
    return {"seconds": seconds, "cpu": cpu, "peak_mb": {s: round(peaks[s] / 2**20) for s in STEPS},
            "total_seconds": round(time.perf_counter() - started, 1),
            "total_peak_mb": round(max(peaks.values()) / 2**20), "graphs": graphs, "log": log}


def table(results: list[dict]) -> str:
    """The Markdown table of ``results`` (one row per size)."""
    head = ("| released triples | copies | " + " | ".join(f"{s} s (CPU s) / MB" for s in STEPS)
            + " | build s | peak MB |")
    lines = [head, "|" + "---|" * (len(STEPS) + 4)]
    for r in results:
        cells = [f"{r['seconds'].get(s, 0):.1f} ({r['cpu'][s]:.1f}) / {r['peak_mb'][s]:,}" for s in STEPS]
        lines.append(f"| {r['triples']:,} | {r['copies']} | " + " | ".join(cells)
                     + f" | {r['total_seconds']:.1f} | {r['total_peak_mb']:,} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/govgraph-build-scale"))
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    results = []
    for triples in args.triples:
        source, data_dir = args.work / f"source-{triples}", args.work / f"data-{triples}"
        generated = subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--triples", str(triples),
                                    "--seed", str(args.seed), "--out", str(source)],
                                   capture_output=True, text=True, check=True)
        copies = json.loads(generated.stdout)["copies"]
        subprocess.run(["rm", "-rf", str(data_dir)], check=True)
        result = measure(source, data_dir)
        result.update(copies=copies, triples=sum(result["graphs"].values()))
        print("\n".join(result["log"]), file=sys.stderr)
        results.append(result)
        print(table(results[-1:]).splitlines()[-1], flush=True)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps([{k: v for k, v in r.items() if k != "log"} for r in results], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
