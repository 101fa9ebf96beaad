"""Server-side SVG charts: no JavaScript, no CDN, and every number also in a table."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass
class Bar:
    label: str
    value: float
    part: float = 0.0  # a highlighted part of the bar (e.g. completed of all sessions)


def bars(
    items: list[Bar],
    title: str,
    width: int = 640,
    row: int = 26,
    label_width: int = 170,
    unit: str = "",
) -> Markup:
    """A horizontal bar chart; `part` is drawn over `value` in the stronger colour."""
    if not items:
        return Markup("")
    top = max((b.value for b in items), default=0) or 1
    chart = width - label_width - 70
    height = row * len(items) + 8
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, bar in enumerate(items):
        y = 4 + i * row
        full = chart * bar.value / top
        part = chart * min(bar.part, bar.value) / top
        out.append(
            f'<text x="{label_width - 8}" y="{y + row * 0.62:.1f}" class="chart-label" '
            f'text-anchor="end">{escape(bar.label[:28])}</text>'
        )
        out.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{full:.1f}" height="{row - 8}" '
            f'class="chart-bar"/>'
        )
        if bar.part:
            out.append(
                f'<rect x="{label_width}" y="{y + 3}" width="{part:.1f}" '
                f'height="{row - 8}" class="chart-part"/>'
            )
        value = f"{bar.value:g}{unit}"
        out.append(
            f'<text x="{label_width + full + 6:.1f}" y="{y + row * 0.62:.1f}" '
            f'class="chart-value">{escape(value)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every label and title is escaped above


def columns(items: list[Bar], title: str, width: int = 760, height: int = 180) -> Markup:
    """A column chart over time (sessions per day), labelling about ten days."""
    if not items:
        return Markup("")
    top = max((b.value for b in items), default=0) or 1
    left, bottom = 40, 22
    plot_w, plot_h = width - left - 8, height - bottom - 8
    step = plot_w / len(items)
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{left}" y1="{8 + plot_h}" x2="{width - 8}" y2="{8 + plot_h}" '
        'class="chart-axis"/>',
        f'<text x="{left - 6}" y="14" class="chart-value" text-anchor="end">{top:g}</text>',
        f'<text x="{left - 6}" y="{8 + plot_h}" class="chart-value" text-anchor="end">0</text>',
    ]
    every = max(1, len(items) // 10)
    for i, bar in enumerate(items):
        x = left + i * step + step * 0.12
        w = max(1.0, step * 0.76)
        h = plot_h * bar.value / top
        p = plot_h * min(bar.part, bar.value) / top
        out.append(
            f'<rect x="{x:.1f}" y="{8 + plot_h - h:.1f}" width="{w:.1f}" height="{h:.1f}" '
            'class="chart-bar"/>'
        )
        if bar.part:
            out.append(
                f'<rect x="{x:.1f}" y="{8 + plot_h - p:.1f}" width="{w:.1f}" '
                f'height="{p:.1f}" class="chart-part"/>'
            )
        if i % every == 0:
            out.append(
                f'<text x="{x + w / 2:.1f}" y="{height - 6}" class="chart-label" '
                f'text-anchor="middle">{escape(bar.label)}</text>'
            )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every label and title is escaped above
