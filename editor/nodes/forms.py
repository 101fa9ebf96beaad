"""A node's form, built per menu (a text field per language, selects of the menu's node ids),
and its mapping both ways: a node into form data (`NodeForm.data_for`), the posted form
back into a node of the document (`NodeForm.to_node`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from editor.forms import EditorForm, language_label, options, text_direction
from ussd.menu.document import (
    CONDITION_OPS,
    CONDITION_SUBJECTS,
    ID_PATTERN,
    INPUT_TYPES,
    VALIDATION_SETTINGS,
    Node,
    Setting,
    Validation,
    validation_to_dict,
)

ID_RULE = Regexp(ID_PATTERN.pattern, message=_l("Letters, digits, _ or -, starting with a letter."))
EXTRA_ROWS = 2  # empty option/rule rows offered for adding, so no JavaScript is needed


@dataclass(frozen=True)
class Asked:
    """How the form asks one validation setting: its label, and where the form differs from
    the document (the field's name, a ticked box meaning the opposite, a higher minimum)."""

    label: Any
    choices: Mapping[str, Any] | None = None  # labels of a choice's values
    description: Any = None
    field: str | None = None
    inverted: bool = False
    low: int | None = None

    def name(self, setting: Setting) -> str:
        return self.field or setting.name

    def shown(self, value: Any) -> Any:
        return not value if self.inverted else value

    def read(self, setting: Setting, data: Any) -> Any:
        """The setting's value from the field's data (an empty text is no value)."""
        if setting.kind == "flag":
            return not data if self.inverted else bool(data)
        return None if data == "" else data


ASKED = {
    "type": Asked(
        _l("Expected answer"),
        choices=dict(
            zip(
                INPUT_TYPES,
                (
                    _l("Text"),
                    _l("Number"),
                    _l("Phone number"),
                    _l("Date"),
                    _l("Text matching a pattern"),
                ),
                strict=True,
            )
        ),
    ),
    "min_length": Asked(_l("Shortest answer (characters)")),
    # the document takes 0, which no answer could meet: the form asks for 1 or more
    "max_length": Asked(_l("Longest answer (characters)"), low=1),
    "min": Asked(_l("Smallest number")),
    "max": Asked(_l("Largest number")),
    "integer": Asked(_l("Allow decimals"), field="decimals", inverted=True),
    "pattern": Asked(_l("Pattern (regular expression)")),
    "region": Asked(_l("Country for local numbers"), description=_l("Two letters, such as SN")),
    "date_format": Asked(_l("Date format")),
    "not_future": Asked(_l("Refuse dates in the future")),
}


# WTForms' own message (as Regexp's), translated by WTForms' catalogue rather than ours.
INVALID_INPUT = "Invalid input."


def _accepted_by(setting: Setting) -> Callable[[Any, Any], None]:
    """A validator that takes what the document takes for `setting`."""

    def check(form: Any, field: Any) -> None:
        if not setting.accepts(field.data):
            raise ValidationError(field.gettext(INVALID_INPUT))

    return check


def _setting_field(setting: Setting) -> Any:
    """The form field for one validation setting, from what the document accepts."""
    asked = ASKED[setting.name]
    if setting.kind == "choice":
        labels = asked.choices or {}
        return SelectField(
            asked.label, choices=options((c, labels.get(c, c)) for c in setting.choices)
        )
    if setting.kind in ("count", "number"):
        kind = IntegerField if setting.kind == "count" else FloatField
        low = setting.low if asked.low is None else asked.low
        return kind(asked.label, validators=[Optional(), NumberRange(low, setting.high)])
    if setting.kind == "flag":
        return BooleanField(asked.label)
    if setting.kind == "region":
        return StringField(
            asked.label,
            validators=[Optional(), _accepted_by(setting)],
            description=asked.description,
        )
    return StringField(asked.label, validators=[Length(max=200)])


# How a branch's conditions read in the editor: "If <subject> <operator> <value>".
SUBJECT_LABELS = {
    "language": _l("the caller's language"),
    "network": _l("the network"),
    "phone": _l("the caller's number"),
    "service_code": _l("the service code"),
    "gateway": _l("the gateway"),
}
OPERATOR_LABELS = {
    "equals": _l("equals"),
    "not_equals": _l("does not equal"),
    "in": _l("is one of"),
    "not_in": _l("is none of"),
    "starts_with": _l("starts with"),
    "exists": _l("is given"),
    "missing": _l("is missing"),
}


def subject_label(on: str) -> Any:
    """A condition's subject as the editor shows it: "answer: location", "the network"."""
    if on.startswith("answer."):
        return _l("answer: %(key)s", key=on.removeprefix("answer."))
    return SUBJECT_LABELS.get(on, on)


def operator_label(op: str) -> Any:
    return OPERATOR_LABELS.get(op, op.replace("_", " "))


def _choices(ids: list[str], empty: Any) -> list[SelectChoice]:
    head = [("", empty)] if empty is not None else []
    return options(head + [(i, i) for i in ids])


def _texts(form: Any, prefix: str, languages: list[str]) -> dict[str, str]:
    """The non-empty texts of the fields `<prefix>_<language>`, by language."""
    texts = {lang: (form[f"{prefix}_{lang}"].data or "").strip() for lang in languages}
    return {lang: text for lang, text in texts.items() if text}


class NodeForm(EditorForm):
    """A node's form; node_form_class adds the fields of its kind and of the menu's languages."""

    kind: ClassVar[str]
    languages: ClassVar[list[str]]
    validation_fields: ClassVar[tuple[str, ...]] = ()  # in order, for the page

    node_id = StringField(
        _l("Node id"),
        validators=[DataRequired(), ID_RULE],
        description=_l("A short name for this screen, used in links."),
    )
    note = StringField(_l("Note for coordinators"), validators=[Length(max=200)])
    revision = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    submit = SubmitField(_l("Save node"))

    @classmethod
    def data_for(cls, node: Node, revision: int) -> dict[str, Any]:
        """The form's data showing `node`, with empty rows for adding options or rules."""
        languages = cls.languages
        data: dict[str, Any] = {
            "node_id": node.id,
            "note": node.note,
            "key": node.key or "",
            "next": node.next or "",
            "revision": revision,
        }
        for lang in languages:
            data[f"text_{lang}"] = node.text.get(lang, node.text.get("*", ""))
        if node.kind == "menu":
            data["options"] = [
                {
                    **{
                        f"label_{lang}": o.label.get(lang, o.label.get("*", ""))
                        for lang in languages
                    },
                    "value": o.value,
                    "next": o.next or "",
                    "language": o.language or "",
                    "position": i,
                }
                for i, o in enumerate(node.options, 1)
            ] + [{"position": len(node.options) + i} for i in range(1, EXTRA_ROWS + 1)]
        if node.kind == "input":
            validation = node.validation or Validation()
            for setting in VALIDATION_SETTINGS:
                asked = ASKED[setting.name]
                data[asked.name(setting)] = asked.shown(getattr(validation, setting.name))
            data["attempts"] = node.attempts
            data["on_fail"] = node.on_fail or ""
            for lang in languages:
                data[f"error_{lang}"] = node.error.get(lang, "")
        if node.kind == "branch":
            rules = []
            for rule in node.rules:
                row: dict[str, Any] = {"next": rule.next}
                for suffix, cond in zip(("", "2"), rule.when[:2], strict=False):
                    value = cond.value
                    row[f"on{suffix}"] = cond.on
                    row[f"op{suffix}"] = cond.op
                    row[f"value{suffix}"] = (
                        ", ".join(value) if isinstance(value, tuple) else value or ""
                    )
                rules.append(row)
            data["rules"] = rules + [{} for _ in range(EXTRA_ROWS)]
            data["default"] = node.default or ""
        return data

    def to_node(self) -> dict[str, Any]:
        """The node as the posted form describes it, in the document's JSON form."""
        kind, languages = self.kind, self.languages
        node: dict[str, Any] = {"id": self.node_id.data.strip(), "kind": kind}
        if kind in ("menu", "input"):
            node["key"] = self["key"].data.strip()
        if kind != "branch":
            node["text"] = _texts(self, "text", languages)
        if self.note.data:
            node["note"] = self.note.data.strip()
        if kind in ("menu", "input", "message") and self["next"].data:
            node["next"] = self["next"].data
        if kind == "menu":
            node["options"] = self._options()
        if kind == "input":
            values = {
                s.name: ASKED[s.name].read(s, self[ASKED[s.name].name(s)].data)
                for s in VALIDATION_SETTINGS
            }
            node["validation"] = validation_to_dict(Validation(**values))
            errors = _texts(self, "error", languages)
            if errors:
                node["error"] = errors
            node["attempts"] = self["attempts"].data
            if self["on_fail"].data:
                node["on_fail"] = self["on_fail"].data
        if kind == "branch":
            node["rules"] = self._rules()
            if self["default"].data:
                node["default"] = self["default"].data
        return node

    def _options(self) -> list[dict[str, Any]]:
        """The filled option rows, in the order of their positions (then of the rows)."""
        options: list[tuple[int, int, dict[str, Any]]] = []
        for entry in self["options"].entries:
            row = entry.form
            labels = _texts(row, "label", self.languages)
            value = (row.value.data or "").strip() or next(iter(labels.values()), "")
            if row.remove.data or not value:
                continue
            option: dict[str, Any] = {"label": labels, "value": value}
            if row.next.data:
                option["next"] = row.next.data
            if row.language.data:
                option["language"] = row.language.data
            options.append((row.position.data or 999, len(options), option))
        return [o for _, _, o in sorted(options, key=lambda t: (t[0], t[1]))]

    def _rules(self) -> list[dict[str, Any]]:
        rules = []
        for entry in self["rules"].entries:
            row = entry.form
            if row.remove.data or not row.on.data or not row.next.data:
                continue
            when = []
            for suffix in ("", "2"):
                on = row[f"on{suffix}"].data
                if not on:
                    continue
                op = row[f"op{suffix}"].data
                raw = (row[f"value{suffix}"].data or "").strip()
                condition: dict[str, Any] = {"on": on, "op": op}
                if op in ("in", "not_in"):
                    condition["value"] = [v.strip() for v in raw.split(",") if v.strip()]
                elif op not in ("exists", "missing"):
                    condition["value"] = raw
                when.append(condition)
            rules.append({"when": when, "next": row.next.data})
        return rules


def node_form_class(kind: str, languages: list[str], document: dict[str, Any]) -> type[NodeForm]:
    """The form for a node of `kind` in `document` (a draft's JSON form): a field per
    language, and selects of the document's node ids and answer keys."""
    node_ids = [n["id"] for n in document["nodes"]]
    answer_keys = sorted({n["key"] for n in document["nodes"] if n.get("key")})
    targets = _choices(node_ids, _l("— none —"))

    class KindForm(NodeForm):
        pass

    KindForm.kind, KindForm.languages = kind, languages

    def add(name: str, field: Any) -> None:
        setattr(KindForm, name, field)

    if kind in ("menu", "input"):
        add(
            "key",
            StringField(
                _l("Answer stored as"),
                validators=[DataRequired(), ID_RULE],
                description=_l(
                    "location, support_type, callback and language appear as such in "
                    "Flex; any other name appears in the answers list."
                ),
            ),
        )
    if kind != "branch":
        for lang in languages:
            add(
                f"text_{lang}",
                TextAreaField(
                    language_label(lang),
                    validators=[Length(max=1000)],
                    render_kw={
                        "rows": 3,
                        "data-screen-lang": lang,
                        "data-screen-part": "text",
                        "dir": text_direction(lang),
                    },
                ),
            )
    if kind in ("menu", "input", "message"):
        add("next", SelectField(_l("Then go to"), choices=targets, validate_choice=False))

    if kind == "menu":

        class OptionForm(Form):
            value = StringField(
                _l("Stored value"), validators=[Length(max=100)], render_kw={"dir": "auto"}
            )
            next = SelectField(
                _l("Goes to"),
                choices=_choices(node_ids, _l("the node's next")),
                validate_choice=False,
            )
            language = SelectField(
                _l("Switches language to"),
                choices=options(
                    [("", _l("— no change —"))]
                    + [(lang, language_label(lang)) for lang in languages]
                ),
                validate_choice=False,
            )
            position = IntegerField(_l("Position"), validators=[Optional()])
            remove = BooleanField(_l("Remove"))

        for lang in languages:
            setattr(
                OptionForm,
                f"label_{lang}",
                StringField(
                    language_label(lang),
                    validators=[Length(max=200)],
                    render_kw={
                        "data-screen-lang": lang,
                        "data-screen-part": "option",
                        "dir": text_direction(lang),
                    },
                ),
            )
        add("options", FieldList(FormField(OptionForm), min_entries=1))

    if kind == "input":
        for setting in VALIDATION_SETTINGS:
            add(ASKED[setting.name].name(setting), _setting_field(setting))
        KindForm.validation_fields = tuple(ASKED[s.name].name(s) for s in VALIDATION_SETTINGS)
        add(
            "attempts",
            IntegerField(
                _l("Attempts"), default=3, validators=[InputRequired(), NumberRange(1, 10)]
            ),
        )
        add(
            "on_fail",
            SelectField(
                _l("After the last failed attempt go to"),
                choices=_choices(node_ids, _l("— end the session —")),
                validate_choice=False,
            ),
        )
        for lang in languages:
            add(
                f"error_{lang}",
                StringField(
                    _l("Error message (%(language)s)", language=language_label(lang)),
                    validators=[Length(max=200)],
                    description=_l("Leave empty for the built-in message."),
                ),
            )

    if kind == "branch":
        subjects = [(f"answer.{k}", subject_label(f"answer.{k}")) for k in answer_keys] + [
            (s, subject_label(s)) for s in CONDITION_SUBJECTS
        ]
        operators = options((o, operator_label(o)) for o in CONDITION_OPS)

        class RuleForm(Form):
            on = SelectField(
                _l("If"), choices=options([("", "—")] + subjects), validate_choice=False
            )
            op = SelectField(_l("Comparison"), choices=operators)
            value = StringField(
                _l("Value"),
                validators=[Length(max=200)],
                description=_l(
                    "Several values separated by commas for “is one of” and “is none of”"
                ),
            )
            on2 = SelectField(
                _l("and if"), choices=options([("", "—")] + subjects), validate_choice=False
            )
            op2 = SelectField(_l("Comparison"), choices=operators)
            value2 = StringField(_l("Value"), validators=[Length(max=200)])
            next = SelectField(_l("go to"), choices=targets, validate_choice=False)
            remove = BooleanField(_l("Remove"))

        add("rules", FieldList(FormField(RuleForm), min_entries=1))
        add("default", SelectField(_l("Otherwise go to"), choices=targets, validate_choice=False))
    return KindForm


class NewNodeForm(EditorForm):
    kind = SelectField(
        _l("Kind"),
        choices=options(
            [
                ("menu", _l("Menu: numbered options")),
                ("input", _l("Question: free answer")),
                ("branch", _l("Branch: route on answers, no screen")),
                ("message", _l("Message: text, then continue")),
                ("end", _l("End: text, then hang up")),
                ("handoff", _l("Hand-off: thank-you, then a Flex task")),
                ("http", _l("Look-up: ask a connection, no screen")),
            ]
        ),
    )
    node_id = StringField(_l("Node id"), validators=[DataRequired(), ID_RULE])
    link_from = SelectField(
        _l("Reached from"),
        validate_choice=False,
        description=_l("Optional: where this node is linked from."),
    )
    revision = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    submit = SubmitField(_l("Add node"))
