"""The printed table and the JSON file of a run."""
from __future__ import annotations

import json
import platform
import os

from .measure import Figure

# figure -> (target in ms for the median, shown as)
TARGETS_MS = {"dashboard": 300, "sheet_list": 150, "sheet_list_filtered": 150, "answer_page": 150, "save_answer": 50,
              "incident_list": 150, "incident_page": 150, "save_in_place": 30, "summary_pdf": 10_000, "summary_xlsx": 5_000,
              "ppc_pdf": 3_000, "ppc_xlsx": 2_000,
              "audit_pdf": 2_000, "sheet_pdf": 2_000, "verify_log": 10_000}
PEAK_MEMORY_TARGET_MB = 500
LOAD_P95_TARGET_MS = 500


def _ms(value) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("達成" if ok else "未達")


def _loads(load) -> list:
    """One load result or several (one per scenario)."""
    return [] if load is None else list(load) if isinstance(load, (list, tuple)) else [load]


def load_key(result) -> str:
    """The JSON key of a load result: `load` for the steady scenario (as before), `load_<scenario>` otherwise."""
    return "load" if result.scenario == "steady" else f"load_{result.scenario}"


def as_json(figures: list[Figure], peak_mb: float, load=None, meta: dict | None = None) -> dict:
    out: dict = {}
    for f in figures:
        out[f.name] = {"median_ms": _round(f.median), "p95_ms": _round(f.p95), "floor_ms": _round(f.floor, 2),
                       "ratio": _round(f.ratio, 1), "runs": len(f.samples),
                       "target_ms": TARGETS_MS.get(f.name), "floor": f.floor_label}
    out["peak_memory_mb"] = round(peak_mb, 1)
    for result in _loads(load):
        out[load_key(result)] = result.as_json()
    if meta:
        out["meta"] = meta
    return out


def _round(value, digits: int = 1):
    return None if value is None else round(value, digits)


def table(figures: list[Figure], peak_mb: float, load=None) -> str:
    rows = [("指標", "中央値 ms", "p95 ms", "床 ms", "比", "目標", "判定")]
    for f in figures:
        target = TARGETS_MS.get(f.name)
        ok = None if target is None or f.median is None else f.median < target
        rows.append((f.label, _ms(f.median), _ms(f.p95), _ms(f.floor),
                     "—" if f.ratio is None else f"{f.ratio:,.1f}", f"< {target:,} ms" if target else "—", _verdict(ok)))
    rows.append(("最大メモリ（計測したプロセス）", f"{peak_mb:,.0f} MB", "", "", "", f"< {PEAK_MEMORY_TARGET_MB} MB",
                 _verdict(peak_mb < PEAK_MEMORY_TARGET_MB)))
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(_pad(cell, widths[i], right=i > 0) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "-" * _width(lines[0]))
    for result in _loads(load):
        lines += ["", *_load_lines(result)]
    return "\n".join(lines)


def load_ok(data: dict) -> bool:
    """The load test's target: p95 under LOAD_P95_TARGET_MS and no error (expected refusals are not errors)."""
    return data["p95_ms"] is not None and data["p95_ms"] < LOAD_P95_TARGET_MS and data["errors"] == 0


def _load_lines(load) -> list[str]:
    data = load.as_json()
    if data["scenario"] == "deadline":
        mix = "・".join(f"{role} {count}" for role, count in data["mix"].items())
        head = (f"締切前の負荷試験: {data['users']} 人（{mix}）× {data['seconds']:.0f} 秒"
                f"（考える時間は bench/deadline.py。回答 1 件に 15〜45 秒）")
    else:
        head = f"負荷試験: {data['users']} 人 × {data['seconds']:.0f} 秒（考える時間 平均 {data['think_seconds']} 秒）"
    refusals = f"  想定内の拒否（同時保存の 409） {data['expected_refusals']} 件" if data["expected_refusals"] else ""
    lines = [f"{head}  {data['requests']:,} 件  {data['throughput_rps']} 件/秒",
             f"  p50 {_ms(data['p50_ms'])} ms  p95 {_ms(data['p95_ms'])} ms  p99 {_ms(data['p99_ms'])} ms"
             f"  エラー {data['errors']} 件{refusals}  （目標 p95 < {LOAD_P95_TARGET_MS} ms・エラー 0）"
             f"{_verdict(load_ok(data))}"]
    for step, figures_of_step in data["by_step"].items():
        lines.append(f"    {step:<9} {figures_of_step['count']:>6,} 件  中央値 {_ms(figures_of_step['median_ms'])} ms"
                     f"  p95 {_ms(figures_of_step['p95_ms'])} ms")
    if data["server_peak_memory_mb"] is not None:
        lines.append(f"  サーバーの最大メモリ {data['server_peak_memory_mb']:,.0f} MB")
    if data["server_cpu_seconds"] is not None:
        lines.append(f"  サーバーの CPU 時間 {data['server_cpu_seconds']:,.1f} 秒（計測の {data['seconds']:.0f} 秒間。"
                     "Python のスレッドが使えるのは 1 コアまで）")
    for message in load.errors[:5]:
        lines.append(f"  エラーの例: {message}")
    return lines


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool) -> str:
    space = " " * (width - _width(text))
    return space + text if right else text + space


def machine() -> dict:
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}


def write_json(path: str, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False, indent=1)
