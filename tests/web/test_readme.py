"""The README's "Try it" walks, run as written (issue 14, item 4): every `at` line with a
`# CON …` or `# END …` comment must get that screen (newlines written as two spaces)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.conftest import at_turn

README = Path(__file__).resolve().parents[2] / "README.md"


def try_it_block() -> list[str]:
    text = README.read_text()
    section = text[text.index("## Try it") :]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "no sh block under ## Try it"
    return match.group(1).splitlines()


def test_readme_walks_end_as_the_readme_says(client):
    block = try_it_block()
    fixed = re.search(r"phoneNumber=(\+[0-9]+)", "\n".join(block))  # a number in `at` itself
    caller = fixed.group(1) if fixed else ""
    checked = 0
    for line in block:
        code, _, comment = line.partition("#")
        reply = None
        for command in code.split(";"):
            if not command.strip().startswith(("at ", "CALLER=")):
                continue  # the token, the function's definition
            words = shlex.split(command)
            if words[0].startswith("CALLER="):
                caller = words[0].split("=", 1)[1]
            elif words[0] == "at":
                session, typed = words[1], words[2]
                assert caller, "a walk runs before CALLER is set"
                reply = at_turn(client, typed, session=session, phone=caller)
                assert reply.status_code == 200
        expected = comment.strip()
        if reply is not None and expected.startswith(("CON ", "END ")):
            shown = reply.get_data(as_text=True).replace("\n", "  ")
            assert shown == expected, line
            checked += 1
    assert checked >= 6
