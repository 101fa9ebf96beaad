"""BDAPPS_SEND_URL receives the application's password with every screen: https, or http
only to this machine (the platform's simulator), refused at start-up otherwise."""

from __future__ import annotations

import pytest

from app import create_app
from tests.conftest import base_config
from ussd.config import send_url


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ""),
        ("https://developer.bdapps.com/ussd/send", "https://developer.bdapps.com/ussd/send"),
        (" https://api.applink.example/ussd/send ", "https://api.applink.example/ussd/send"),
        ("http://localhost:7000/ussd/send", "http://localhost:7000/ussd/send"),
        ("http://127.0.0.1:7000/ussd/send", "http://127.0.0.1:7000/ussd/send"),
        ("http://[::1]:7000/ussd/send", "http://[::1]:7000/ussd/send"),
    ],
)
def test_accepted_send_urls(value, expected):
    assert send_url("BDAPPS_SEND_URL", value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "http://developer.bdapps.com/ussd/send",  # the password in clear over a network
        "ftp://developer.bdapps.com/ussd/send",
        "developer.bdapps.com/ussd/send",
        "https://",
        "https:///ussd/send",
    ],
)
def test_refused_send_urls(value):
    with pytest.raises(SystemExit, match="BDAPPS_SEND_URL must be an https:// URL"):
        send_url("BDAPPS_SEND_URL", value)


def test_the_app_refuses_to_start_with_one(tmp_path):
    config = base_config(f"sqlite:///{tmp_path}/x.sqlite3", BDAPPS_SEND_URL="http://bdapps.example")
    with pytest.raises(SystemExit, match="BDAPPS_SEND_URL"):
        create_app(config)
