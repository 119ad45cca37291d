"""bench/plot.py: draws a PNG from recorded results, refuses an empty result set."""
from __future__ import annotations

import importlib.util
import json
import pathlib
import sys
from types import ModuleType
from typing import Any

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _load_plot() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_plot", REPO / "bench" / "plot.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


plot = _load_plot()


def _run(wall_s: float, rss: float, status: str = "ok") -> dict[str, Any]:
    return {"status": status, "wall_s": wall_s, "peak_rss_mib": rss}


def _results() -> dict[str, Any]:
    """A backup_bench.py document: both engines, two sizes, two shapes, one failed run."""
    cases = []
    for engine, dump in (("mariadb", "mariadb-dump-gzip"), ("postgresql", "pg_dump-gzip")):
        for size, scale in ((100 * 2 ** 20, 1), (2 ** 30, 10)):
            cases.append({"engine": engine, "size": "x", "size_bytes": size,
                          "runs": {"native": _run(1.0 * scale, 70.0), dump: _run(1.4 * scale, 11.0),
                                   "metadata-backup": _run(3.0 * scale, 170.0 * scale),
                                   "native-noverify": _run(1.0 * scale, 70.0)}})
            cases.append({"engine": engine, "size": "x", "shape": "small-rows", "size_bytes": size,
                          "runs": {"native": _run(5.0 * scale, 69.0), dump: _run(3.0 * scale, 11.0),
                                   "pg_dump-custom": _run(0, 0, status="timeout")}})
    return {"format": "openmetadata.ops/backup-bench", "started_at": "2026-12-07T00:00:00+00:00", "cases": cases}


RESTORE = """mariadb 100 MB small-rows native restore + verify: 10.20 s, peak RSS 79384 KiB
mariadb 100 MB small-rows client restore (no verify): 7.56 s
postgresql 100 MB documents native restore + verify: 4.93 s, peak RSS 49448 KiB
postgresql 100 MB documents client restore (no verify): 3.49 s
"""


def test_points_from_results() -> None:
    backup = plot.points_from_backup(_results(), "synthetic.json")
    assert {p.tool for p in backup} == {"native", "mariadb-dump-gzip", "pg_dump-gzip", "metadata-backup"}
    assert {p.shape for p in backup} == {"documents", "small-rows"}
    restore = plot.points_from_restore_text(RESTORE, "r.txt")
    assert [(p.engine, p.shape, p.tool, p.wall_s, p.rss_mib) for p in restore] == [
        ("mariadb", "small-rows", "native", 10.2, 77.5), ("mariadb", "small-rows", "client", 7.56, None),
        ("postgresql", "documents", "native", 4.93, 48.3), ("postgresql", "documents", "client", 3.49, None)]


def test_select_prefers_the_file_with_most_sizes_then_the_latest() -> None:
    both = plot.points_from_backup(_results(), "both-sizes.json")
    later = {"started_at": "2026-12-08T00:00:00+00:00",
             "cases": [{"engine": "mariadb", "size_bytes": 100 * 2 ** 20, "runs": {"native": _run(9.9, 80.0)}}]}
    chosen = plot.select(both + plot.points_from_backup(later, "one-size.json"))
    key = ("mariadb", "documents", "native", 100 * 2 ** 20)
    native = [p for p in chosen if (p.engine, p.shape, p.tool, p.size_bytes) == key]
    assert [p.source for p in native] == ["both-sizes.json"]


def test_plot_writes_a_png(tmp_path: pathlib.Path) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps(_results()))
    restore = tmp_path / "2026-12-07-restore-100MB.txt"
    restore.write_text(RESTORE)
    out = plot.plot(plot.load([results, restore]), tmp_path / "images" / "performance.png")
    data = out.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert b"tIME" not in data and b"Software" not in data  # no timestamp, no version in the image
    again = plot.plot(plot.load([results, restore]), tmp_path / "again.png")
    assert again.read_bytes() == data


def test_plot_refuses_an_empty_result_set(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValueError, match="no benchmark results to plot"):
        plot.plot([], tmp_path / "empty.png")
    failed = {"cases": [{"engine": "mariadb", "size_bytes": 1, "runs": {"native": _run(0, 0, status="error")}}]}
    with pytest.raises(ValueError, match="no benchmark results to plot"):
        plot.plot(plot.points_from_backup(failed, "failed.json"), tmp_path / "empty.png")
    assert not (tmp_path / "empty.png").exists()


def test_main_reports_an_empty_result_set(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"cases": []}))
    assert plot.main(["--output", str(tmp_path / "x.png"), str(empty)]) == 1
    assert "no benchmark results to plot" in capsys.readouterr().err
