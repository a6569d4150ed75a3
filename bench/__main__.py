"""python -m bench [--scale 500] [--runs 5 | --quick] [--json FILE] [--scenario all] [--users N] [--load-seconds 60] …

Generates the synthetic city into a temporary folder (in a child process, so that the peak memory
measured here is the app's), times every figure with its floor, runs the load test, prints the table.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from . import floors, load, measure, report
from .generate import Scale, load_city


DEFAULT_USERS = {"steady": 50, "deadline": 200}


def parse(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Tenken の性能を架空の市で計測します。")
    parser.add_argument("--scale", type=int, default=500, help="課の数（既定 500。県内共同利用なら 2000）")
    parser.add_argument("--bureaus", type=int, default=0, help="部の数（既定: 課の数 ÷ 12.5）")
    parser.add_argument("--years", type=int, default=3, help="年度の数（既定 3）")
    parser.add_argument("--log-rows", type=int, default=0,
                        help="操作ログの行数（既定: 500,000 又は 課の数 × 1,000 の大きい方）")
    parser.add_argument("--runs", type=int, default=5, help="PDF 等の計測回数（画面と保存はその4倍。既定 5）")
    parser.add_argument("--quick", action="store_true", help="計測 2 回・負荷試験 15 秒で手早く")
    parser.add_argument("--scenario", choices=("all", *load.SCENARIOS), default="all",
                        help="負荷試験の筋書き: steady（保護担当者が回答を続ける）、deadline（期限前の担当者・課長・総括・監査員）、"
                             "all（両方。既定）")
    parser.add_argument("--users", type=int, default=None,
                        help="負荷試験の同時利用者数（既定 steady 50 人・deadline 200 人）")
    parser.add_argument("--load-seconds", type=float, default=60, help="負荷試験の時間（秒、既定 60）")
    parser.add_argument("--think", type=float, default=1.0,
                        help="steady で利用者が操作の間に考える時間の平均（秒、既定 1.0。deadline は bench/deadline.py の値）")
    parser.add_argument("--threads", type=int, default=8, help="waitress のスレッド数（既定 8 = SERVER_THREADS の既定値）")
    parser.add_argument("--no-load", action="store_true", help="負荷試験をしない")
    parser.add_argument("--json", metavar="FILE", help="結果を JSON でも書き出す")
    parser.add_argument("--keep", metavar="DIR", help="作成した市を DIR に残す（DIR は空か存在しないこと）")
    parser.add_argument("--city", metavar="DIR", help="作成済みの市（--keep で残したもの）を使い、作成を省く")
    parser.add_argument("--incidents", type=int, default=0, help="漏えい等事案の件数（既定: 課の数 × 4。500 課で 2,000）")
    parser.add_argument("--incident-years", type=int, default=5, help="漏えい等事案を置く年度の数（既定 5）")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.load_seconds = min(args.runs, 2), min(args.load_seconds, 15)
    args.bureaus = args.bureaus or max(1, round(args.scale / 12.5))
    args.log_rows = args.log_rows or max(500_000, args.scale * 1_000)
    return args


def generate_in_child(folder: str, args) -> float:
    started = time.perf_counter()
    command = [sys.executable, "-m", "bench.generate", folder, "--departments", str(args.scale),
               "--bureaus", str(args.bureaus), "--years", str(args.years), "--log-rows", str(args.log_rows),
               "--seed", str(args.seed), "--incidents", str(args.incidents),
               "--incident-years", str(args.incident_years)]
    subprocess.run(command, check=True, cwd=Path(__file__).resolve().parent.parent)
    return time.perf_counter() - started


def main(argv=None) -> int:
    args = parse(argv)
    say = lambda message: print(message, flush=True)  # noqa: E731
    if args.city:
        folder, temporary = args.city, False
    elif args.keep:
        folder, temporary = args.keep, False
    else:
        folder, temporary = tempfile.mkdtemp(prefix="tenken-bench-"), True
    try:
        if not args.city:
            say(f"架空の市を作成します: {args.scale} 課・{args.bureaus} 部・{args.years} 年度・操作ログ {args.log_rows:,} 行・"
                f"漏えい等事案 {Scale(args.scale, incidents=args.incidents).incident_count():,} 件（{args.incident_years} 年度）（{folder}）")
            seconds = generate_in_child(str(Path(folder) / "city"), args)
            say(f"作成しました（{seconds:.0f} 秒）")
        city_folder = str(Path(folder) if (Path(folder) / "city.json").exists() else Path(folder) / "city")
        city = load_city(city_folder)
        say("アプリを計測します（各指標 1 回の準備運転の後）")
        figures, targets, peak = measure.run(city, args.runs, progress=say)
        say("床を計測します（同じデータ・同じ機械）")
        floors.run(city, figures, targets, args.runs, progress=say)
        result = []
        for scenario in ([] if args.no_load else load.SCENARIOS if args.scenario == "all" else [args.scenario]):
            users = args.users or DEFAULT_USERS[scenario]
            say(f"負荷試験（{scenario}）: {users} 人・{args.load_seconds:.0f} 秒（127.0.0.1 の waitress）")
            result.append(load.run(city_folder, city, scenario=scenario, users=users, seconds=args.load_seconds,
                                   think=args.think, threads=args.threads, progress=say))
        say("")
        say(f"結果（{datetime.now().strftime('%Y-%m-%d %H:%M')}、{city.counts.get('departments')} 課、中央値と p95 は準備運転を除く）")
        say(report.table(figures, peak, result))
        if args.json:
            meta = {"date": datetime.now().isoformat(timespec="seconds"), "scale": args.scale,
                    "bureaus": args.bureaus, "years": city.years, "runs": args.runs, "city": city.counts,
                    "generation_seconds": city.seconds, "machine": report.machine()}
            report.write_json(args.json, report.as_json(figures, peak, result, meta))
            say(f"JSON: {args.json}")
    finally:
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
