"""The menu page's outline: the node tree from the start, with each screen measured."""

from __future__ import annotations

from dataclasses import dataclass, field

from ussd.menu.document import MenuDocument, Node
from ussd.menu.engine import CompiledMenu
from ussd.menu.gsm import Budget, Measure
from ussd.menu.lint import Problem, longest_shown


@dataclass
class MeasuredScreen:
    lang: str
    text: str
    measure: Measure
    pages: int


@dataclass
class Row:
    node: Node
    depth: int
    via: str  # how the parent reaches it: "option 2", "next", "rule 1", ...
    screens: list[MeasuredScreen] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    repeat: bool = False  # already shown above: only a reference is drawn
    language_choice: bool = False

    @property
    def worst(self) -> str:
        if any(p.severity == "error" for p in self.problems):
            return "error"
        return "warning" if self.problems else "ok"


def _children(node: Node) -> list[tuple[str, str]]:
    seen: set[str] = set()
    out = []
    for where, target in node.links():
        if target not in seen:
            seen.add(target)
            out.append((where, target))
    return out


def build(
    doc: MenuDocument, budget: Budget, problems: list[Problem]
) -> tuple[list[Row], list[Row]]:
    """(rows of the tree reachable from the start, rows of unreachable nodes)."""
    compiled = CompiledMenu(doc)
    by_node: dict[str | None, list[Problem]] = {}
    for problem in problems:
        by_node.setdefault(problem.node, []).append(problem)

    def make(node: Node, depth: int, via: str, repeat: bool = False) -> Row:
        row = Row(
            node=node,
            depth=depth,
            via=via,
            repeat=repeat,
            problems=by_node.get(node.id, []) if not repeat else [],
            language_choice=any(o.language for o in node.options),
        )
        if not repeat and node.kind not in ("branch", "http"):
            for lang in doc.languages:
                # a {key} is shown as written, and measured with the longest value it can show
                shown, longest = None, None
                if compiled.templated(node):
                    lengths = longest_shown(doc, lang)
                    shown = {key: f"{{{key}}}" for key in lengths}
                    longest = {key: "x" * n for key, n in lengths.items()}
                text = compiled.full_text(node, lang, shown)
                measured = compiled.full_text(node, lang, longest) if longest else text
                pages = len(compiled.pages(node, lang, budget, values=longest))
                row.screens.append(MeasuredScreen(lang, text, budget.measure(measured), pages))
        return row

    rows: list[Row] = []
    shown: set[str] = set()
    # Depth-first, children in link order; iterative so a long chain cannot overflow.
    stack: list[tuple[str, int, str]] = [(doc.start, 0, "start")] if doc.start in doc.nodes else []
    while stack:
        node_id, depth, via = stack.pop()
        node = doc.nodes.get(node_id)
        if node is None:
            continue
        if node_id in shown:
            rows.append(make(node, depth, via, repeat=True))
            continue
        shown.add(node_id)
        rows.append(make(node, depth, via))
        for where, target in reversed(_children(node)):
            stack.append((target, depth + 1, where))
    unreachable = [make(n, 0, "") for n in doc.nodes.values() if n.id not in shown]
    return rows, unreachable
