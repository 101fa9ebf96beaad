"""Metrics across processes (prometheus_client's multiprocess mode, as under gunicorn):
what separate processes record is added up by a scrape served from yet another one, and
gunicorn started as docs/deploy.md says serves that sum from whichever worker answers,
then leaves no folder behind."""

from __future__ import annotations

import os
import runpy
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import TOKEN
from tests.e2e.test_gunicorn_start import serve

ROOT = Path(__file__).resolve().parents[2]
METRICS_TOKEN = "metrics-token-for-tests"

RECORD = """
import sys
from ussd import metrics

metrics.enable()
for _ in range(int(sys.argv[1])):
    metrics.hop("africastalking", "continue", 0.004)
metrics.hop("hubtel", "end", 0.3)
metrics.delivery("webhook", "delivered")
metrics.internal_error("dispatcher")
"""

SCRAPE = """
import sys
from tests.conftest import base_config
from app import create_app

app = create_app(base_config("sqlite:///" + sys.argv[1], METRICS_TOKEN=sys.argv[2]))
reply = app.test_client().get("/metrics", headers={"Authorization": "Bearer " + sys.argv[2]})
assert reply.status_code == 200, reply.status_code
sys.stdout.write(reply.get_data(as_text=True))
"""


@pytest.fixture
def database(sqlite_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "ussd.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return path


def samples(body: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def python(script: str, *args: str, folder: Path) -> subprocess.Popen[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
    }
    return subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_are_added_up_by_a_scrape_from_a_third(tmp_path, database):
    folder = tmp_path / "multiprocess"
    folder.mkdir()
    writers = [python(RECORD, "3", folder=folder), python(RECORD, "2", folder=folder)]
    for writer in writers:
        _, errors = writer.communicate(timeout=60)
        assert writer.returncode == 0, errors
    assert {p.name for p in folder.iterdir()} == {
        f"{kind}_{writer.pid}.db" for kind in ("counter", "histogram") for writer in writers
    }

    reader = python(SCRAPE, str(database), METRICS_TOKEN, folder=folder)
    body, errors = reader.communicate(timeout=60)
    assert reader.returncode == 0, errors
    found = samples(body)

    def value(name: str, **labels: str) -> float:
        return found.get((name, frozenset(labels.items())), 0.0)

    at = {"gateway": "africastalking"}
    assert value("ussd_hops_total", **at, outcome="continue") == 5
    assert value("ussd_hops_total", gateway="hubtel", outcome="end") == 2
    assert value("ussd_hop_duration_seconds_count", **at) == 5
    assert value("ussd_hop_duration_seconds_bucket", **at, le="0.005") == 5
    assert value("ussd_hop_duration_seconds_bucket", gateway="hubtel", le="0.2") == 0
    assert value("ussd_hop_duration_seconds_bucket", gateway="hubtel", le="0.5") == 2
    assert value("ussd_deliveries_total", kind="webhook", result="delivered") == 2
    assert value("ussd_internal_errors_total", where="dispatcher") == 2
    assert value("ussd_database_up") == 1
    assert body.count("# TYPE ussd_hops_total counter") == 1


def at_hop(port: int, text: str) -> str:
    data = urllib.parse.urlencode(
        {
            "sessionId": "ATUid_gunicorn_metrics",
            "serviceCode": "*123*456#",
            "phoneNumber": "+221771234567",
            "networkCode": "60801",
            "text": text,
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - localhost
        f"http://127.0.0.1:{port}/ussd/africastalking",
        data=data,
        headers={"X-USSD-Token": TOKEN},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310 - localhost
        return str(reply.read().decode())


def scrape(port: int) -> str:
    request = urllib.request.Request(  # noqa: S310 - localhost
        f"http://127.0.0.1:{port}/metrics",
        headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310 - localhost
        return str(reply.read().decode())


def test_gunicorn_workers_are_added_up_and_the_folder_goes_with_the_master(tmp_path, database):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    seen: dict[str, object] = {}

    def walk_and_scrape(port: int) -> None:
        typed: list[str] = []
        screens = [at_hop(port, "")]
        for entry in ["1", "3", "2", "1"]:
            typed.append(entry)
            screens.append(at_hop(port, "*".join(typed)))
        seen["screens"] = screens
        seen["scrapes"] = [samples(scrape(port)) for _ in range(6)]
        seen["folders"] = [p.name for p in temporary.iterdir()]

    log, _ = serve(
        tmp_path,
        database,
        walk_and_scrape,
        WEB_CONCURRENCY="2",
        METRICS_TOKEN=METRICS_TOKEN,
        USSD_WEBHOOK_TOKEN=TOKEN,
        TMPDIR=str(temporary),
    )
    assert "[ERROR]" not in log and " ERROR " not in log, log
    screens = seen["screens"]
    assert isinstance(screens, list) and screens[-1].startswith("END"), log
    hops = ("ussd_hops_total", "africastalking")
    scrapes = seen["scrapes"]
    assert isinstance(scrapes, list)
    for found in scrapes:  # whichever worker answered, it shows every worker's hops
        counted = {
            dict(labels)["outcome"]: number
            for (name, labels), number in found.items()
            if name == hops[0] and dict(labels).get("gateway") == hops[1]
        }
        assert counted == {"continue": 4.0, "end": 1.0}
    folders = seen["folders"]
    assert isinstance(folders, list) and len(folders) == 1
    assert folders[0].startswith("ussd-flex-metrics-")
    assert list(temporary.iterdir()) == []  # removed when the master exited


# -- gunicorn.conf.py's part, read as gunicorn reads it ----------------------------------------

FOLDER_VARIABLES = (
    "PROMETHEUS_MULTIPROC_DIR",
    "USSD_METRICS_MASTER_PID",
    "USSD_METRICS_TEMPORARY_DIR",
)


def read_gunicorn_conf() -> dict[str, Any]:
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No folder named yet; whatever the file sets is taken back afterwards, so this
    process's own metrics stay in memory."""
    saved = {name: os.environ.pop(name, None) for name in FOLDER_VARIABLES}
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def test_each_start_has_a_new_folder_that_a_reload_keeps(tmp_path, clean_environment):
    config = read_gunicorn_conf()
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert folder.parent == tmp_path and folder.name.startswith("ussd-flex-metrics-")
    assert list(folder.iterdir()) == []
    (folder / "counter_4242.db").write_bytes(b"")
    read_gunicorn_conf()  # a HUP: the same master reads the file again
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(folder)
    assert (folder / "counter_4242.db").exists()
    config["on_exit"](None)
    assert not folder.exists()


def test_a_folder_the_operator_names_is_emptied_at_start_and_left(tmp_path, clean_environment):
    named = tmp_path / "metrics"
    named.mkdir()
    (named / "counter_99.db").write_bytes(b"stale")
    (named / "histogram_99.db").write_bytes(b"stale")
    (named / "README").write_text("not ours")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(named)
    config = read_gunicorn_conf()
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(named)
    assert [p.name for p in named.iterdir()] == ["README"]
    config["on_exit"](None)
    assert named.is_dir()


def test_an_exited_worker_keeps_its_counts(tmp_path, clean_environment):
    config = read_gunicorn_conf()
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    names = ["counter_77.db", "histogram_77.db", "gauge_livesum_77.db", "gauge_livesum_78.db"]
    for name in names:
        (folder / name).write_bytes(b"")
    config["child_exit"](None, SimpleNamespace(pid=77))
    # its live gauges go, as prometheus_client asks; its counters stay to be added up
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["counter_77.db", "histogram_77.db", "gauge_livesum_78.db"]
    )
    config["on_exit"](None)


def test_a_start_that_fails_leaves_no_folder(tmp_path, database):
    """A configuration error stops gunicorn while it loads the application, before its
    on_exit hook could run: the master's exit still removes the folder it made."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PORT": "0",
        "WEB_CONCURRENCY": "1",
        "SECRET_KEY": "metrics-start-test",
        "DATABASE_URL": f"sqlite:///{database}",
        "METRICS_ALLOWED_IPS": "10.0.0.0/33",
        "TMPDIR": str(temporary),
    }
    started = subprocess.run(  # noqa: S603 - our own gunicorn and config
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "app:create_app()",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert "configuration: METRICS_ALLOWED_IPS is invalid" in started.stdout + started.stderr
    assert list(temporary.iterdir()) == []
