"""A small Markdown reader for the project's own documents (docs/*.md): headings, paragraphs,
bullet lists, fenced code, pipe tables, `code`, **strong**, *emphasis* and links. Every text is
escaped; a link goes out only to http(s) addresses or to an anchor of the page. It is not a
general Markdown implementation: it covers what docs/menu-format.md uses, so the application
needs no Markdown library at run time."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_INLINE = re.compile(
    r"`(?P<code>[^`]+)`"
    r"|\*\*(?P<strong>.+?)\*\*"
    r"|(?<![\w*])\*(?P<em>[^*\s][^*]*?)\*(?![\w*])"
    r"|\[(?P<text>[^\]]+)\]\((?P<href>[^)\s]+)\)"
)
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*]\s+(.*)$")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")


def slug(text: str) -> str:
    """A heading's anchor, as forges make it ("`end`: the last screen" -> "end-the-last-screen")."""
    return re.sub(r"[^\w\- ]", "", text.lower()).strip().replace(" ", "-")


def inline(text: str) -> Markup:
    out: list[str] = []
    last = 0
    for match in _INLINE.finditer(text):
        out.append(str(escape(text[last : match.start()])))
        if match.group("code") is not None:
            out.append(f"<code>{escape(match.group('code'))}</code>")
        elif match.group("strong") is not None:
            out.append(f"<strong>{inline(match.group('strong'))}</strong>")
        elif match.group("em") is not None:
            out.append(f"<em>{inline(match.group('em'))}</em>")
        else:
            href = match.group("href")
            label = inline(match.group("text"))
            if href.startswith(("https://", "http://", "#")):
                out.append(f'<a href="{escape(href)}">{label}</a>')
            else:  # another file of the source tree: not served here
                out.append(str(label))
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))  # noqa: S704 - every piece of text is escaped above


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def render_with_title(source: str) -> tuple[str, Markup]:
    """A Markdown document's first-level title, and the HTML of the rest."""
    lines = source.splitlines()
    html: list[str] = []
    title = ""
    paragraph: list[str] = []
    i = 0

    def flush() -> None:
        if paragraph:
            html.append(f"<p>{inline(' '.join(paragraph))}</p>")
            paragraph.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            code: list[str] = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                code.append(lines[i])
                i += 1
            html.append(f"<pre><code>{escape(chr(10).join(code))}</code></pre>")
            i += 1
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            level, text = len(heading.group(1)), heading.group(2).strip()
            if level == 1 and not title:
                title = re.sub(r"`", "", text)
            else:
                html.append(f'<h{level} id="{escape(slug(text))}">{inline(text)}</h{level}>')
            i += 1
            continue
        if (
            stripped.startswith("|")
            and i + 1 < len(lines)
            and _TABLE_RULE.match(lines[i + 1].strip())
        ):
            flush()
            head = "".join(f'<th scope="col">{inline(c)}</th>' for c in _cells(line))
            body: list[str] = []
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                body.append(
                    "<tr>" + "".join(f"<td>{inline(c)}</td>" for c in _cells(lines[i])) + "</tr>"
                )
                i += 1
            html.append(
                f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
                f"<tbody>{''.join(body)}</tbody></table></div>"
            )
            continue
        bullet = _BULLET.match(line)
        if bullet:
            flush()
            items: list[str] = []
            while i < len(lines) and lines[i].strip():
                item = _BULLET.match(lines[i])
                if item:
                    items.append(item.group(1))
                elif items:  # a continuation line of the item above
                    items[-1] += " " + lines[i].strip()
                i += 1
            html.append("<ul>" + "".join(f"<li>{inline(t)}</li>" for t in items) + "</ul>")
            continue
        if not stripped:
            flush()
        else:
            paragraph.append(stripped)
        i += 1
    flush()
    return title, Markup("".join(html))  # noqa: S704 - built from escaped pieces only
