"""/editor/help/menu-format: the menu format, read from docs/menu-format.md (one source for
the forge and the editor), for any signed-in user."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, render_template

from editor import bp, role_required
from editor.help.markdown import render_with_title


@bp.get("/help/menu-format")
@role_required("viewer")
def help_menu_format() -> str:
    path = Path(current_app.root_path) / "docs" / "menu-format.md"
    try:
        source = path.read_text(encoding="utf-8")
    except OSError:  # an installation without the source tree's docs/
        abort(404)
    title, body = render_with_title(source)
    return render_template("editor/help.html", title=title, body=body)
