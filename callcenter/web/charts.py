"""Charts drawn on the server as inline SVG (nothing from a CDN, nothing to run in the browser)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    alert: bool = False  # drawn in the warning colour (R1: the fourth ring and later)
    text: str | None = None  # the figure written above the bar


def bar_chart(bars: list[Bar], *, title: str, max_value: float | None = None, unit: str = "",
              target: float | None = None, width: int = 640, height: int = 220) -> Markup:
    """A labelled bar chart; ``target`` draws a dashed reference line (e.g. 80 % service level)."""
    left, bottom, top = 36, 28, 34  # room above the bars for the title and the values
    plot_h = height - bottom - top
    peak = max_value or max([b.value or 0 for b in bars] + [1])
    step = (width - left - 8) / max(len(bars), 1)
    parts = [(f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
              f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'),
             f'<text x="{left}" y="14" class="chart-title">{escape(title)}</text>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 4}" y2="{top + plot_h}" class="axis"/>']
    for i, bar in enumerate(bars):
        x = left + i * step + step * 0.15
        w = step * 0.7
        h = 0 if bar.value is None else plot_h * min(bar.value / peak, 1.0)
        y = top + plot_h - h
        css = "bar alert" if bar.alert else "bar"
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" class="{css}">'
                     f'<title>{escape(bar.label)}: {escape(_fmt(bar.value, unit))}</title></rect>')
        label_text = bar.text if bar.text is not None else _fmt(bar.value, unit)
        parts.append(f'<text x="{x + w / 2:.1f}" y="{y - 3:.1f}" class="value">{escape(label_text)}</text>')
        parts.append(f'<text x="{x + w / 2:.1f}" y="{height - 10}" class="label">{escape(bar.label)}</text>')
    if target is not None:
        ty = top + plot_h - plot_h * min(target / peak, 1.0)
        parts.append(f'<line x1="{left}" y1="{ty:.1f}" x2="{width - 4}" y2="{ty:.1f}" class="target"/>'
                     f'<text x="4" y="{ty + 4:.1f}" class="label-left">{escape(_fmt(target, unit))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    text = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    return f"{text}{unit}"
