"""Configuration: every variable documented in .env.sample, values typed, URLs normalised."""

from pathlib import Path

import pytest

from ussd.config import VARIABLES, database_uri, from_environment, sample_env, screen_caps

ROOT = Path(__file__).resolve().parents[2]


def test_env_sample_documents_every_variable_with_a_comment():
    lines = (ROOT / ".env.sample").read_text().splitlines()
    for name, *_ in VARIABLES:
        index = next(i for i, line in enumerate(lines) if line.startswith(f"{name}="))
        assert lines[index - 1].startswith("# ") and len(lines[index - 1]) > 10, name
    names = {line.split("=", 1)[0] for line in lines if line and not line.startswith("#")}
    assert names == {name for name, *_ in VARIABLES}
    assert (ROOT / ".env.sample").read_text() == sample_env(), "python -m ussd.config > .env.sample"


def test_types_and_defaults():
    config = from_environment({"SESSION_TIMEOUT_SECONDS": "90", "USSD_WEBHOOK_TOKEN": "t"})
    assert config["SESSION_TIMEOUT_SECONDS"] == 90
    assert config["TWILIO_TASK_CHANNEL"] == "ussd"
    assert config["RESUME_WINDOW_MINUTES"] == 10
    with pytest.raises(SystemExit, match="SESSION_TIMEOUT_SECONDS"):
        from_environment({"SESSION_TIMEOUT_SECONDS": "soon"})
    with pytest.raises(SystemExit, match="MAX_SESSIONS_PER_PHONE_PER_HOUR"):
        from_environment({"MAX_SESSIONS_PER_PHONE_PER_HOUR": "٣٠"})  # ASCII digits only
    assert (
        from_environment({"MAX_SESSIONS_PER_PHONE_PER_HOUR": " 30 "})[
            "MAX_SESSIONS_PER_PHONE_PER_HOUR"
        ]
        == 30
    )


@pytest.mark.parametrize(
    ("url", "uri"),
    [
        ("", "sqlite:////srv/instance/ussd.sqlite3"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_uri(url, uri):
    assert database_uri(url, "/srv/instance") == uri


def test_screen_caps():
    assert screen_caps("africastalking=160, hubtel=150") == {"africastalking": 160, "hubtel": 150}
    with pytest.raises(SystemExit):
        screen_caps("africastalking=5")
