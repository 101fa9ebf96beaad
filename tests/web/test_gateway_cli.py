"""`flask --app app gateway check|import|export|list`: mapped gateways from the command line,
refused with the field named exactly as in the editor, nothing stored on a refusal."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import rows

EXAMPLES = Path(__file__).parents[2] / "docs" / "mapped-gateways"
ARKESEL = EXAMPLES / "arkesel.json"


def stored(app) -> list[tuple[str, dict]]:
    return [
        (n, json.loads(d)) for n, d in rows(app, "SELECT name, definition FROM mapped_gateways")
    ]


def test_check_names_each_problem_and_stores_nothing(app, runner, tmp_path):
    good = runner.invoke(args=["gateway", "check", str(ARKESEL)])
    assert good.exit_code == 0 and "served at /ussd/mapped/arkesel" in good.output
    data = json.loads(ARKESEL.read_text("utf-8"))
    data["request"]["input"] = "sessionID"
    del data["reply"]["end_value"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    for command in ("check", "import"):
        refused = runner.invoke(args=["gateway", command, str(bad)])
        assert refused.exit_code == 1
        assert "error: request.input: same field as request.session_id" in refused.output
        assert "error: reply.end_value: required for a JSON reply" in refused.output
        assert "2 problem(s); nothing was stored" in refused.output
    broken = tmp_path / "broken.json"
    broken.write_bytes(b"\xff{")
    assert runner.invoke(args=["gateway", "import", str(broken)]).exit_code == 1
    assert stored(app) == []


def test_import_export_and_list(app, runner, tmp_path):
    assert runner.invoke(args=["gateway", "import", str(ARKESEL)]).exit_code == 0
    assert stored(app) == [("arkesel", json.loads(ARKESEL.read_text("utf-8")))]
    again = runner.invoke(args=["gateway", "import", str(ARKESEL)])
    assert again.exit_code == 1 and "add --replace" in again.output
    changed = json.loads(ARKESEL.read_text("utf-8"))
    changed["screen_characters"] = 120
    path = tmp_path / "arkesel.json"
    path.write_text(json.dumps(changed), encoding="utf-8")
    replaced = runner.invoke(args=["gateway", "import", "--replace", str(path)])
    assert replaced.exit_code == 0 and "Replaced arkesel" in replaced.output
    assert stored(app) == [("arkesel", changed)]
    out = tmp_path / "out.json"
    assert runner.invoke(args=["gateway", "export", "arkesel", "--out", str(out)]).exit_code == 0
    assert json.loads(out.read_text("utf-8")) == changed
    listed = runner.invoke(args=["gateway", "list"])
    assert listed.output == "arkesel\t/ussd/mapped/arkesel\t120\tArkesel (mapped)\n"
    missing = runner.invoke(args=["gateway", "export", "nothing"])
    assert missing.exit_code == 1 and "no mapped gateway named nothing" in missing.output
