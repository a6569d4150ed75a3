"""The app under waitress on 127.0.0.1 for the load test, in its own process; it stops by itself.

`python -m bench.serve CITY_FOLDER --threads 8 --seconds 120 --stats FILE` prints `PORT <n>` once it
listens (on a free port), and writes its peak RSS (MB) to FILE when it is stopped (SIGTERM) or its
time is up.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import sys
import threading

from waitress.server import create_server

from audits.config import server_options

from .generate import load_city
from .measure import app_for


def peak_memory_mb() -> float:
    """This process's peak RSS. ru_maxrss survives exec, so a child of a big parent would report the parent's
    size; VmHWM in /proc (Linux) belongs to this program's own address space."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve")
    parser.add_argument("city")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--stats", default="")
    args = parser.parse_args(argv)
    city = load_city(args.city)
    app = app_for(city)

    def finish(*_args) -> None:
        if args.stats:
            peak = peak_memory_mb()
            with open(args.stats, "w", encoding="utf-8") as out:
                json.dump({"peak_memory_mb": round(peak, 1)}, out)
        os._exit(0)

    signal.signal(signal.SIGTERM, finish)
    timer = threading.Timer(args.seconds, finish)   # never outlives its budget, whatever the parent does
    timer.daemon = True
    timer.start()
    # As `python app.py` serves (connection limit …), with the thread count of the run.
    server = create_server(app, host="127.0.0.1", port=0, **{**server_options(app.config), "threads": args.threads})
    print(f"PORT {server.effective_port}", flush=True)
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
