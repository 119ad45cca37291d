"""Plot recorded benchmark results: wall time and peak RSS against database size, per tool.

Reads what bench/backup_bench.py wrote (bench/results/*.json, format openmetadata.ops/backup-bench),
what bench/restore_bench.py printed (bench/results/*restore*.txt) and what bench/speed_bench.py
wrote (bench/results/*speed*.json, format openmetadata.ops/speed-bench: backup and restore, jobs 1
and 2, in one run per size); runs no benchmark. By default, when speed-bench results exist, only
they are drawn (the code measured there is the current one; the older files are earlier code).
One row per engine; columns: backup wall time, restore wall time, peak RSS. Colour = tool,
line style = data shape. Where several files hold the same engine, shape and size, a line is
taken from the file that holds the most sizes of that shape (one run where possible), then
from the latest run.

    .venv/bin/python bench/plot.py [--output docs/images/performance.png] [RESULT_FILE ...]
"""
from __future__ import annotations

import argparse
import json
import pathlib
import re
import sys
from dataclasses import dataclass
from typing import Any, Iterable, Optional, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
DEFAULT_OUTPUT = REPO / "docs" / "images" / "performance.png"
MIB = 1024 * 1024
ENGINES = ("mariadb", "postgresql")
ENGINE_TITLES = {"mariadb": "MariaDB", "postgresql": "PostgreSQL"}
SHAPE_STYLES = {"documents": ("-", "o"), "small-rows": ("--", "s")}  # line style, marker
# run key (backup_bench.py) or restore tool -> (legend label, colour); order = legend order
TOOLS = {
    "native": ("native (openmetadata.ops, verify)", "tab:blue"),
    "native-j2": ("native, jobs: 2", "tab:cyan"),
    "mariadb-dump-gzip": ("mariadb-dump / pg_dump | gzip -1", "tab:orange"),
    "pg_dump-gzip": ("mariadb-dump / pg_dump | gzip -1", "tab:orange"),
    "mariadb-dump": ("mariadb-dump / pg_dump -Fp > file (plain)", "tab:green"),
    "pg_dump-plain": ("mariadb-dump / pg_dump -Fp > file (plain)", "tab:green"),
    "pg_dump-custom": ("pg_dump -Fc", "tab:purple"),
    "metadata-backup": ("metadata backup 1.1.7.0", "tab:red"),
    "client": ("gzip -dc | mariadb / psql (restore, no verify)", "tab:brown"),
}
RESTORE_LINE = re.compile(
    r"^(?P<engine>\w+) (?P<mb>\d+) MB (?P<shape>[\w-]+) (?P<tool>native|client) restore[^:]*: "
    r"(?P<wall>[\d.]+) s(?:, peak RSS (?P<rss>\d+) KiB)?\s*$")


@dataclass(frozen=True)
class Point:
    """One measurement: operation ("backup" or "restore"), engine, shape, size, tool, results."""
    op: str
    engine: str
    shape: str
    size_bytes: int
    tool: str
    wall_s: float
    rss_mib: Optional[float]
    source: str
    run_at: str


def points_from_backup(document: dict[str, Any], source: str) -> list[Point]:
    """The successful runs of one backup_bench.py results document."""
    points = []
    for case in document.get("cases", []):
        for tool, run in case.get("runs", {}).items():
            if tool in TOOLS and run.get("status") == "ok" and run.get("wall_s") is not None:
                points.append(Point("backup", case["engine"], case.get("shape") or "documents", case["size_bytes"],
                                    tool, run["wall_s"], run.get("peak_rss_mib"), source,
                                    document.get("started_at", "")))
    return points


def points_from_restore_text(text: str, source: str, run_at: str = "") -> list[Point]:
    """The lines restore_bench.py prints ("mariadb 100 MB small-rows native restore + verify: 10.20 s, ...")."""
    points = []
    for line in text.splitlines():
        match = RESTORE_LINE.match(line)
        if match:
            rss = match.group("rss")
            points.append(Point("restore", match.group("engine"), match.group("shape"), int(match.group("mb")) * MIB,
                                match.group("tool"), float(match.group("wall")),
                                round(int(rss) / 1024, 1) if rss else None, source, run_at))
    return points


def points_from_speed(document: dict[str, Any], source: str) -> list[Point]:
    """A speed_bench.py document: backup and restore per case; a tool run twice (A/B) counts
    with its faster run, for the native backup and the client pipeline alike."""
    points = []
    client_key = {"mariadb": "mariadb-dump-gzip", "postgresql": "pg_dump-gzip"}
    for case in document.get("cases", []):
        for op in ("backup", "restore"):
            best: dict[str, dict[str, Any]] = {}
            for key, run in case.get(op, {}).items():
                tool = key.split("#")[0]
                tool = client_key[case["engine"]] if tool == "dump-gzip" else tool
                if tool in TOOLS and run.get("wall_s") is not None and (
                        tool not in best or run["wall_s"] < best[tool]["wall_s"]):
                    best[tool] = run
            for tool, run in best.items():
                points.append(Point(op, case["engine"], case["shape"], case["size_bytes"], tool, run["wall_s"],
                                    run.get("peak_rss_mib"), source, document.get("started_at", "")))
    return points


def load(paths: Iterable[pathlib.Path]) -> list[Point]:
    points: list[Point] = []
    for path in sorted(paths):
        if path.suffix == ".json":
            document = json.loads(path.read_text())
            if document.get("format") == "openmetadata.ops/speed-bench":
                points += points_from_speed(document, path.name)
            else:
                points += points_from_backup(document, path.name)
        else:
            points += points_from_restore_text(path.read_text(), path.name, path.name[:10])
    return points


def select(points: Sequence[Point]) -> list[Point]:
    """One point per (op, engine, shape, size, tool): from the file with the most sizes of that
    op/engine/shape, then the latest run."""
    sizes: dict[tuple[str, str, str, str], set[int]] = {}
    for p in points:
        sizes.setdefault((p.op, p.engine, p.shape, p.source), set()).add(p.size_bytes)
    best: dict[tuple[str, str, str, int, str], Point] = {}
    for p in points:
        key = (p.op, p.engine, p.shape, p.size_bytes, p.tool)
        rank = (len(sizes[(p.op, p.engine, p.shape, p.source)]), p.run_at, p.source)
        old = best.get(key)
        if old is None or rank > (len(sizes[(old.op, old.engine, old.shape, old.source)]), old.run_at, old.source):
            best[key] = p
    return sorted(best.values(), key=lambda p: (p.op, p.engine, p.shape, p.tool, p.size_bytes))


def _size_label(size_bytes: int) -> str:
    mib = size_bytes / MIB
    return "%g GB" % (mib / 1024) if mib >= 1024 else "%g MB" % mib


def plot(points: Sequence[Point], output: pathlib.Path) -> pathlib.Path:
    """Draw the figure into output (PNG); ValueError when there is nothing to draw."""
    chosen = select(points)
    if not chosen:
        raise ValueError("no benchmark results to plot: no successful run in the given results")
    sizes = sorted({p.size_bytes for p in chosen})
    fig, axes = plt.subplots(len(ENGINES), 3, figsize=(15, 8.5), dpi=100, squeeze=False)
    for row, engine in enumerate(ENGINES):
        panels = {"backup": axes[row][0], "restore": axes[row][1], "rss": axes[row][2]}
        panels["backup"].set_title("%s: backup wall time" % ENGINE_TITLES[engine])
        panels["restore"].set_title("%s: restore wall time" % ENGINE_TITLES[engine])
        panels["rss"].set_title("%s: peak RSS (hollow, offset right: restore)" % ENGINE_TITLES[engine])
        for ax in panels.values():
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xticks([s / MIB for s in sizes], [_size_label(s) for s in sizes])
            ax.xaxis.set_minor_locator(NullLocator())
            ax.yaxis.set_major_locator(LogLocator(subs=(1, 2, 3, 5, 7)))
            ax.yaxis.set_minor_locator(NullLocator())
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: "%g" % v))
            ax.set_xlim(min(sizes) / MIB / 1.6, max(sizes) / MIB * 1.6)
            ax.grid(True, which="major", alpha=0.3)
        if len({p.size_bytes for p in chosen if p.op == "restore"}) < 2:
            panels["restore"].set_yscale("linear")  # one size: a linear scale from 0 compares better
        panels["backup"].set_ylabel("wall s")
        panels["restore"].set_ylabel("wall s")
        panels["rss"].set_ylabel("peak RSS MiB")
        series: dict[tuple[str, str, str], list[Point]] = {}
        for p in chosen:
            if p.engine == engine:
                series.setdefault((p.op, p.shape, p.tool), []).append(p)
        for (op, shape, tool), line in sorted(series.items()):
            label, colour = TOOLS[tool]
            linestyle, marker = SHAPE_STYLES.get(shape, (":", "^"))
            style: dict[str, Any] = dict(color=colour, linestyle=linestyle, marker=marker)
            xs = [p.size_bytes / MIB for p in line]
            panels[op].plot(xs, [p.wall_s for p in line], **style)
            rss = [(x, p.rss_mib) for x, p in zip(xs, line) if p.rss_mib is not None]
            if rss:
                shift = 1.0 if op == "backup" else 1.12  # restore beside the backup markers of the same size
                panels["rss"].plot([x * shift for x, r in rss], [r for x, r in rss], markersize=8,
                                   markerfacecolor=colour if op == "backup" else "none", **style)
        if panels["restore"].get_yscale() == "linear":
            panels["restore"].set_ylim(bottom=0)
        if not any(p.op == "restore" and p.engine == engine for p in chosen):
            panels["restore"].text(0.5, 0.5, "no restore results", ha="center", transform=panels["restore"].transAxes)
    present = {p.tool for p in chosen}
    labels: dict[str, str] = {}
    for tool, (label, colour) in TOOLS.items():
        if tool in present and label not in labels:
            labels[label] = colour
    handles = [Line2D([], [], color=c, linewidth=4, label=label) for label, c in labels.items()]
    handles += [Line2D([], [], color="black", linestyle=ls, marker=m, label="shape: %s" % shape)
                for shape, (ls, m) in SHAPE_STYLES.items() if any(p.shape == shape for p in chosen)]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize="small", frameon=False)
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, format="png", metadata={"Software": None})
    plt.close(fig)
    return output


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=pathlib.Path, default=DEFAULT_OUTPUT)
    parser.add_argument("results", nargs="*", type=pathlib.Path,
                        help="results files (default: bench/results/*.json and bench/results/*restore*.txt)")
    args = parser.parse_args(argv)
    paths = args.results or [*RESULTS.glob("*speed*.json")] or [*RESULTS.glob("*.json"), *RESULTS.glob("*restore*.txt")]
    try:
        out = plot(load(paths), args.output)
    except ValueError as exc:
        print("bench/plot.py: %s" % exc, file=sys.stderr)
        return 1
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
