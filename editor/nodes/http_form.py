"""The form of an http node (a look-up): its connection, path, the answers it sends, the
fields of the reply it keeps, and where each outcome leads. The document's parser and the
lint check the result like any other node."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.widgets import HiddenInput

from editor.forms import EditorForm, options
from editor.nodes.forms import ID_RULE, _choices
from ussd.menu.document import DEFAULT_VARIABLE_LENGTH, HTTP_OUTCOMES, Node

# "name = dotted.path" or "name = dotted.path, 10" (the longest value it may show)
SAVE_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_\-]*)\s*=\s*([^\s,]+)\s*(?:,\s*(\d{1,3}))?\s*$")
SEND_ITEM = re.compile(r"^([A-Za-z][A-Za-z0-9_\-]*)(?:\s*=\s*([A-Za-z][A-Za-z0-9_\-]*))?$")


def _save_lines(form: Any, field: Any) -> None:
    for line in (field.data or "").splitlines():
        if line.strip() and not SAVE_LINE.match(line):
            raise ValidationError(
                _l("Each line: name = path in the reply, such as next_date = payment.next.date")
            )


def _send_items(form: Any, field: Any) -> None:
    for item in (field.data or "").split(","):
        if item.strip() and not SEND_ITEM.match(item.strip()):
            raise ValidationError(
                _l("Answer keys separated by commas, such as member_id, or name=member_id")
            )


class HttpNodeForm(EditorForm):
    node_id = StringField(_l("Node id"), validators=[DataRequired(), ID_RULE])
    note = StringField(_l("Note for coordinators"), validators=[Length(max=200)])
    connection = SelectField(
        _l("Connection"),
        validate_choice=False,
        description=_l("A service an admin defined under Connections."),
    )
    path = StringField(
        _l("Path"),
        validators=[Length(max=200)],
        description=_l("Added to the connection's address, such as /beneficiaries/status."),
    )
    send = StringField(
        _l("Answers sent"),
        validators=[Length(max=500), _send_items],
        description=_l(
            "Answer keys separated by commas; name=key sends an answer under another name."
        ),
    )
    send_as = SelectField(
        _l("Sent as"),
        choices=options(
            [("json", _l("JSON in the body")), ("query", _l("in the address (query)"))]
        ),
    )
    send_phone = BooleanField(
        _l("Send the caller's number"),
        description=_l("Only if the service needs it: the number leaves this service."),
    )
    save = TextAreaField(
        _l("Values kept from the reply"),
        validators=[Length(max=2000), _save_lines],
        render_kw={"rows": 3, "dir": "ltr"},
        description=_l(
            "One per line: name = path in the JSON reply, then optionally the longest it may "
            "be (default 30). Texts show it as {name}."
        ),
    )
    success = SelectField(_l("On success, go to"), validate_choice=False)
    failure = SelectField(_l("On failure, go to"), validate_choice=False)
    timeout = SelectField(
        _l("On timeout, go to"),
        validate_choice=False,
        description=_l("Empty: as on failure."),
    )
    revision = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    submit = SubmitField(_l("Save node"))

    def fill_choices(self, node_ids: list[str], connections: list[str], current: str) -> None:
        names = sorted({*connections, current} - {""})
        self.connection.choices = _choices(names, _l("— none —"))
        for outcome in HTTP_OUTCOMES:
            self[outcome].choices = _choices(node_ids, _l("— none —"))

    @staticmethod
    def data_for(node: Node, revision: int) -> dict[str, Any]:
        call = node.http
        assert call is not None  # noqa: S101 - only http nodes have this form
        return {
            "node_id": node.id,
            "note": node.note,
            "connection": call.connection,
            "path": call.path,
            "send": ", ".join(key if name == key else f"{name}={key}" for name, key in call.send),
            "send_as": call.send_as,
            "send_phone": call.send_phone,
            "save": "\n".join(
                f"{s.name} = {s.path}"
                + (f", {s.max_length}" if s.max_length != DEFAULT_VARIABLE_LENGTH else "")
                for s in call.save
            ),
            **{outcome: getattr(call, outcome) or "" for outcome in HTTP_OUTCOMES},
            "revision": revision,
        }

    def to_node(self) -> dict[str, Any]:
        node: dict[str, Any] = {"id": self.node_id.data.strip(), "kind": "http"}
        node["connection"] = self.connection.data or ""
        if (self.path.data or "").strip():
            node["path"] = self.path.data.strip()
        send: dict[str, str] = {}
        for item in (self.send.data or "").split(","):
            match = SEND_ITEM.match(item.strip())
            if match:
                send[match.group(1)] = match.group(2) or match.group(1)
        if send:
            same = all(name == key for name, key in send.items())
            node["send"] = list(send.values()) if same else send
        if self.send_as.data != "json":
            node["send_as"] = self.send_as.data
        if self.send_phone.data:
            node["send_phone"] = True
        saved: dict[str, Any] = {}
        for line in (self.save.data or "").splitlines():
            match = SAVE_LINE.match(line)
            if match:
                name, path, length = match.groups()
                saved[name] = {"path": path, "max_length": int(length)} if length else path
        if saved:
            node["save"] = saved
        node["next"] = {o: self[o].data for o in HTTP_OUTCOMES if self[o].data}
        if self.note.data:
            node["note"] = self.note.data.strip()
        return node
