"""The deadline scenario of the load test (bench/deadline.py): it runs end to end and records no error; what counts
as an error. No timing is asserted."""
from __future__ import annotations

import json
import random
import threading

import pytest

from bench import deadline, load, report
from bench.generate import Scale, generate


def _session(result: load.Result) -> load.Session:
    return load.Session(client=None, username="k0001.staff", rng=random.Random(1), result=result,
                        lock=threading.Lock(), deadline_box=[float("inf")])


def test_a_save_refused_by_another_save_is_expected_any_other_refusal_is_an_error():
    result = load.Result(users=1, seconds=1, think=1, scenario="deadline")
    session = _session(result)
    session.step("save", lambda: (200, b"{}"), 200, refused=(409,))
    session.step("save", lambda: (409, b"{}"), 200, refused=(409,))
    assert result.errors == [] and result.refused == {"save": 1}
    session.step("save", lambda: (500, b""), 200, refused=(409,))
    session.step("submit", lambda: (409, b""), 302)
    session.step("home", lambda: (_ for _ in ()).throw(ConnectionError("reset")), 200)
    assert result.errors == ["save k0001.staff: 500", "submit k0001.staff: 409", "home k0001.staff: None"]
    data = result.as_json()
    assert data["errors"] == 3 and data["expected_refusals"] == 1
    assert not report.load_ok({**data, "p95_ms": 1.0})


@pytest.mark.slow
def test_deadline_scenario_runs_end_to_end_and_records_no_error(tmp_path):
    city = generate(tmp_path / "city", Scale(departments=6, bureaus=2, years=1, log_rows=200))
    plans, mix = deadline.plan(city, 200)
    # the chief and the two auditors are one user each; 1 in 10 a 課長; the rest 保護担当者
    assert mix == {"保護担当者": 177, "課長": 20, "総括保護管理者・監査員": 3} and len(plans) == 200

    # A handful of people for a few seconds, their think times 50 times shorter so that every kind of step happens.
    result = load.run(str(tmp_path / "city"), city, scenario="deadline", users=8, seconds=6, pace=0.02,
                      progress=lambda message: None)

    assert result.errors == [], result.errors[:5]
    steps = set(result.latencies)
    assert {"home", "sheet", "list", "dashboard"} <= steps and steps & {"save", "upload", "submit"}, steps
    data = json.loads(json.dumps(report.as_json([], 1.0, [result])))
    assert data["load_deadline"]["scenario"] == "deadline" and data["load_deadline"]["errors"] == 0
    assert "締切前の負荷試験" in report.table([], 1.0, [result])


def test_the_server_takes_the_connections_of_200_people_at_a_deadline(app):
    """waitress's own limit (100 open connections) left logins of a 200-person run waiting 30 s and more: the app
    serves with SERVER_CONNECTION_LIMIT, two connections per person of the deadline scenario at least."""
    from waitress.server import create_server

    from audits.config import server_options

    server = create_server(app, host="127.0.0.1", port=0, **server_options(app.config))
    try:
        assert server.adj.connection_limit >= 2 * 200 and server.adj.threads == app.config["SERVER_THREADS"]
    finally:
        server.close()


def test_the_default_benchmark_runs_the_deadline_scenario_with_200_users():
    from bench.__main__ import DEFAULT_USERS, parse

    default = parse([])
    assert default.scenario == "all" and "deadline" in load.SCENARIOS and DEFAULT_USERS["deadline"] == 200
    chosen = parse(["--scenario", "deadline", "--users", "200"])
    assert chosen.scenario == "deadline" and chosen.users == 200
