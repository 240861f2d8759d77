"""What ``bench/run.py`` writes: the results as JSON, the same as markdown tables, plots
(matplotlib, PNG) and the run's own section of ``bench/README.md`` (between two markers,
so that the README's other sections, such as the build at scale, stay as they are).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ("govgraph", "oxigraph-disk", "oxigraph-mem", "virtuoso", "govgraph-virtuoso", "govgraph-oxigraph",
         "rdflib-endpoint")


def _colour(name: str) -> str:
    """One colour per server in every plot."""
    return f"C{ORDER.index(name)}" if name in ORDER else "k"
README = HERE / "README.md"
START, END = "<!-- bench/run.py: start -->", "<!-- bench/run.py: end -->"


def machine() -> dict:
    """CPU, cores, memory, load and the versions of what is compared."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), None)
    versions = {}
    for package in ("pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    virtuoso = shutil.which("virtuoso-t")
    if virtuoso:
        done = subprocess.run([virtuoso, "-?"], capture_output=True, text=True)
        found = re.search(r"Version (\S+)", done.stdout + done.stderr)
        versions["virtuoso"] = found.group(1) if found else "installed"
    sha = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mb": memory, "load_average": os.getloadavg(),
            "python": platform.python_version(), "kernel": platform.release(), "versions": versions,
            "govgraph_commit": sha.stdout.strip() or None}


def write(results: dict, out: Path, readme: bool = True) -> list[Path]:
    """Write JSON, markdown and plots under ``out``; the README section when ``readme``."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    paths = [out / f"bench-{stamp}.json", out / f"bench-{stamp}.md"]
    paths[0].write_text(json.dumps(results, indent=1), encoding="utf-8")
    images = plots(results, out / "img")
    markdown = tables(results, images, relative_to=out)
    paths[1].write_text(markdown, encoding="utf-8")
    paths.extend(images)
    if readme and results["scales"]:
        update_readme(tables(results, images, relative_to=HERE))
        paths.append(README)
    return paths


def update_readme(section: str) -> None:
    text = README.read_text(encoding="utf-8") if README.is_file() else "# Benchmarks\n"
    block = f"{START}\n{section.rstrip()}\n{END}"
    if START in text and END in text:
        text = text[:text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    README.write_text(text, encoding="utf-8")


def _ms(value) -> str:
    return "–" if value is None else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def tables(results: dict, images: list[Path], relative_to: Path) -> str:
    m = results["machine"]
    lines = ["## Side by side: govgraph, Oxigraph, Virtuoso, rdflib-endpoint", "",
             f"Command: `{results['command']}` (started {results['started']}, ended {results.get('ended')}).", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_mb']} MB, Python {m['python']}, "
             f"load average at start {', '.join(f'{x:.2f}' for x in m['load_average'])}; "
             + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v) + f"; govgraph {m['govgraph_commit']}.", "",
             *([f"**The machine was busy when the run started (load average {m['load_average'][0]:.1f} on "
                f"{m['cores']} cores): these figures are noisy; compare them within this run only.**", ""]
               if m["load_average"][0] > m["cores"] else []),
             "Closed loop, every server on 127.0.0.1 with the same quads, the client on the same machine; "
             f"{results['settings']['reps']} repetitions of {results['settings']['seconds']} s per server and "
             "concurrency, servers alternated; medians. **Ratio = govgraph's q/s / the server's q/s** (above 1: "
             "govgraph is faster). Every server's answer to every query was checked against the embedded store's "
             "before timing.", ""]
    if results.get("wrong_answer"):
        lines += [f"**The run failed on a wrong answer:** {results['wrong_answer']}", ""]
    lines += ["The query mix (`bench/queries/`):", ""]
    lines += [f"- `{q['name']}` ({q['form']}): {q['about']}" for q in results["mix"]] + [""]
    lines += _ratio_table(results)
    for scale in results["scales"].values():
        lines += _scale_tables(scale) if "error" not in scale else [f"### {scale['name']}: not run", "",
                                                                    f"    {scale['error'][-600:]}", ""]
    for scale in results["scales"].values():
        if scale.get("load"):
            lines += _load_tables(scale["load"], results["settings"])
    for image in images:
        lines += [f"![{image.stem}]({os.path.relpath(image, relative_to)})", ""]
    return "\n".join(lines) + "\n"


def _ratio_table(results: dict) -> list[str]:
    """govgraph's q/s over each server's, one column per scale and concurrency."""
    columns = [(s["name"], c, s["summary"]) for s in results["scales"].values() if s.get("summary")
               for c in sorted({int(c) for by_c in s["summary"].values() for c in by_c})]
    names = [n for n in ORDER if any(n in summary for _, _, summary in columns) and n != "govgraph"]
    if not columns or not names:
        return []
    lines = ["Ratios, govgraph's q/s / the server's (medians; above 1: govgraph is faster):", "",
             "| server | " + " | ".join(f"{name} c={c}" for name, c, _ in columns) + " |",
             "|---|" + "---:|" * len(columns)]
    for name in names:
        cells = []
        for _, c, summary in columns:
            entry = summary.get(name, {}).get(str(c), {})
            cells.append(f"{entry['ratio']:.2f}×" if entry.get("ratio") else "–")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if "govgraph-virtuoso" in names and "virtuoso" in names:  # what govgraph in front of Virtuoso keeps of its speed
        cells = []
        for _, c, summary in columns:
            over, direct = (summary.get(n, {}).get(str(c), {}).get("qps") for n in ("govgraph-virtuoso", "virtuoso"))
            cells.append(f"{over / direct:.2f}×" if over and direct else "–")
        lines.append("| *govgraph-virtuoso's q/s / virtuoso's* | " + " | ".join(cells) + " |")
    return lines + [""]


def _scale_tables(scale: dict) -> list[str]:
    summary = scale.get("summary", {})
    concurrencies = sorted({int(c) for by_c in summary.values() for c in by_c})
    build = f", built in {scale['build_s']:.0f} s" if scale.get("build_s") else ""
    lines = [f"### {scale['name']}: {scale['quads']:,} quads ({scale['release']}{build})", "",
             "| server | " + " | ".join(f"c={c} q/s (ratio)" for c in concurrencies) + " | errors |",
             "|---|" + "---:|" * (len(concurrencies) + 1)]
    for name, by_c in summary.items():
        cells = []
        for c in concurrencies:
            entry = by_c.get(str(c))
            if not entry:
                cells.append("–")
                continue
            note = " (one pass)" if entry.get("from_pass") else ""
            ratio = f" ({entry['ratio']:.2f}×)" if entry.get("ratio") and name != "govgraph" else ""
            cells.append(f"{entry['qps']:.1f}{ratio}{note}")
        errors = sum(e.get("errors", 0) for e in by_c.values())
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {errors} |")
    lines.append("")
    names = list(summary)
    for c in (1, 8):
        if c not in concurrencies:
            continue
        queries = next((list(e["per_query"]) for by_c in summary.values() for k, e in by_c.items() if k == str(c)), [])
        lines += [f"p50 (p99) in ms per query at c={c}:", "", "| query | " + " | ".join(names) + " |",
                  "|---|" + "---:|" * len(names)]
        for q in queries:
            row = []
            for name in names:
                entry = summary[name].get(str(c), {}).get("per_query", {}).get(q, {})
                row.append(f"{_ms(entry.get('p50'))} ({_ms(entry.get('p99'))})" if entry else "–")
            lines.append(f"| {q} | " + " | ".join(row) + " |")
        lines.append("")
    copy = f" One in-memory copy of the store (as govgraph opens it) takes {scale['store_copy_mb']:.0f} MB." \
        if scale.get("store_copy_mb") else ""
    lines += [f"Memory (PSS of the server's whole process tree) and start.{copy}", "",
              "| server | idle PSS MB | max PSS MB while timed | load s | start to first answer s |",
              "|---|---:|---:|---:|---:|"]
    for name, start in scale.get("servers", {}).items():
        if "skipped" in start:
            lines.append(f"| {name} | skipped: {start['skipped']} | | | |")
            continue
        peak = max((e.get("pss_mb_max") or 0 for e in summary.get(name, {}).values()), default=0) or None
        also = max((e.get("also_pss_mb") or 0 for e in summary.get(name, {}).values()), default=0)
        behind = "Oxigraph" if name.endswith("-oxigraph") else "Virtuoso"  # the store server of a front
        extra = f" (+ {behind} {also:.0f})" if also else ""
        lines.append(f"| {name} | {start['idle_pss_mb']:.0f} | {_ms(peak)}{extra} | {_ms(start['load_s'])} | "
                     f"{_ms(start['first_answer_s'])} |")
    return lines + [""]


def _load_tables(result: dict, settings: dict) -> list[str]:
    lines = ["### Load: the example queries, 32 clients, govgraph alone", "",
             "| govgraph | answers/s | answers | refused (429 + Retry-After + RateLimit) | errors | p50 ms | p99 ms | "
             "PSS MB (min–max after the first quarter) | spread |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for label, r in result.items():
        pss = r["pss_mb"]
        lines.append(f"| {label.replace('_', ' ')} | {r['answers_per_s']} | {r['answers']} | {r['limited']} | "
                     f"{r['errors']} | {_ms(r['latency_ms']['p50'])} | {_ms(r['latency_ms']['p99'])} | "
                     f"{pss['min']}–{pss['max']} | {pss['spread_pct']} % |")
    for label, r in result.items():
        if r["error_samples"]:
            lines += ["", f"First errors seen ({label.replace('_', ' ')}):", ""]
            lines += [f"- `{sample[:300]}`" for sample in r["error_samples"][:3]]
    lines += ["", "Per second (every 5th second): answers, refused, errors, p50 ms, PSS MB:", "",
              "| second | " + " | ".join(label.replace("_", " ") for label in result) + " |",
              "|---:|" + "---|" * len(result)]
    seconds = max(len(r["series"]) for r in result.values())
    for i in range(4, seconds, 5):
        row = []
        for r in result.values():
            s = r["series"][i] if i < len(r["series"]) else None
            row.append(f"{s['answers']} / {s['limited']} / {s['errors']} / {_ms(s['p50'])} / {s['pss_mb']}" if s else "–")
        lines.append(f"| {i + 1} | " + " | ".join(row) + " |")
    return lines + [""]


def plots(results: dict, directory: Path) -> list[Path]:
    """Throughput by scale, latency per query, memory by scale (and the load runs), as PNG."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    scales = [s for s in results["scales"].values() if s.get("summary") and "error" not in s]
    if not scales:
        return []
    directory.mkdir(parents=True, exist_ok=True)
    names = list(dict.fromkeys(n for s in scales for n in s["summary"]))
    concurrencies = sorted({int(c) for s in scales for by_c in s["summary"].values() for c in by_c})
    written = []

    fig, axes = plt.subplots(1, len(concurrencies), figsize=(5 * len(concurrencies), 4), squeeze=False)
    for ax, c in zip(axes[0], concurrencies):
        for name in names:
            points = [(s["quads"], s["summary"][name][str(c)]["qps"]) for s in scales
                      if str(c) in s["summary"].get(name, {})]
            if points:
                ax.plot(*zip(*points), marker="o", label=name, color=_colour(name))
        ax.set(xscale="log", yscale="log", title=f"c={c}", xlabel="quads", ylabel="queries/s")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle("Throughput by scale (query mix, medians)")
    written.append(_save(fig, directory / "throughput-by-scale.png"))

    fig, axes = plt.subplots(len(scales), 1, figsize=(11, 3.5 * len(scales)), squeeze=False)
    for ax, s in zip(axes[:, 0], scales):
        queries = list(next(iter(s["summary"].values()))["1"]["per_query"]) if all("1" in v for v in s["summary"].values()) else []
        width = 0.8 / max(1, len(s["summary"]))
        for i, name in enumerate(s["summary"]):
            values = [s["summary"][name].get("1", {}).get("per_query", {}).get(q, {}).get("p50") or 0 for q in queries]
            ax.bar([x + i * width for x in range(len(queries))], values, width, label=name, color=_colour(name))
        ax.set_xticks([x + 0.4 - width / 2 for x in range(len(queries))], [q.split("-", 1)[0] for q in queries])
        ax.set(yscale="log", ylabel="p50 ms", title=f"{s['name']} ({s['quads']:,} quads): latency per query at c=1")
        ax.grid(True, axis="y", alpha=0.3)
    axes[0][0].legend(fontsize=7, ncol=3)
    written.append(_save(fig, directory / "latency-per-query.png"))

    fig, ax = plt.subplots(figsize=(6, 4))
    for name in names:
        points = [(s["quads"], max((e.get("pss_mb_max") or 0) for e in s["summary"][name].values()))
                  for s in scales if name in s["summary"]]
        points = [p for p in points if p[1]]
        if points:
            ax.plot(*zip(*points), marker="o", label=name, color=_colour(name))
    ax.set(xscale="log", yscale="log", xlabel="quads", ylabel="max PSS MB (process tree)", title="Memory by scale")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    written.append(_save(fig, directory / "memory-by-scale.png"))

    loads = [s["load"] for s in results["scales"].values() if s.get("load")]
    if loads:
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
        for label, r in loads[0].items():
            xs = [p["second"] for p in r["series"]]
            top.plot(xs, [p["answers"] for p in r["series"]], label=f"{label} answers/s")
            top.plot(xs, [p["limited"] for p in r["series"]], linestyle="--", label=f"{label} 429/s")
            bottom.plot(xs, [p["pss_mb"] for p in r["series"]], label=label)
        top.set(ylabel="per second", title="Load: 32 clients, example queries")
        bottom.set(xlabel="second", ylabel="PSS MB")
        top.legend(fontsize=8)
        bottom.legend(fontsize=8)
        written.append(_save(fig, directory / "load.png"))
    return written


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path
