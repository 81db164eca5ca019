"""A timeline of memberships drawn as an inline SVG on the server: one bar per membership over the years.

A bar runs from the start year to the end year; a membership whose end the data records is drawn in grey
(past), one without a recorded end runs to the current year in colour with an open end (present, or at
least not recorded as ended). Memberships without a start year cannot be placed and are listed apart by the
page. The picture needs no script and loads nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from html import escape

__all__ = ["Bar", "svg"]

ROW = 22
LABEL_WIDTH = 340
LABEL_CHARS = 52
PLOT_WIDTH = 620
AXIS = 26


@dataclass(frozen=True)
class Bar:
    """One row of the timeline: its label, link, first and last year (None: no end recorded), dates as text."""

    label: str
    href: str | None
    start: int
    end: int | None
    dates: str


def svg(bars: list[Bar], now: int | None = None) -> str:
    """The SVG markup (escaped, ready to put into a page) of a timeline of ``bars`` ('' when there are none)."""
    if not bars:
        return ""
    now = now or datetime.date.today().year
    first = min(b.start for b in bars)
    last = max(now, *(b.end or b.start for b in bars))
    first, last = first - first % 5, last + (5 - last % 5) % 5 or last + 5
    span = max(last - first, 1)

    def x(year: float) -> float:
        return LABEL_WIDTH + (year - first) / span * PLOT_WIDTH

    height = AXIS + ROW * len(bars) + 30
    width = LABEL_WIDTH + PLOT_WIDTH + 190  # room for the dates after the last bar
    out = [f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="Timeline of memberships, {first} to {last}">',
           f'<title>Timeline of memberships, {first}–{last}</title>']
    step = 5 if span <= 60 else 10
    for year in range(first, last + 1, step):
        out.append(f'<line x1="{x(year):.1f}" y1="{AXIS - 6}" x2="{x(year):.1f}" y2="{height - 30}" '
                   f'stroke="#d5dbe0" stroke-width="1"/>')
        out.append(f'<text x="{x(year):.1f}" y="{AXIS - 10}" font-size="11" text-anchor="middle" '
                   f'fill="#5b6670">{year}</text>')
    out.append(f'<line x1="{x(now):.1f}" y1="{AXIS - 6}" x2="{x(now):.1f}" y2="{height - 30}" stroke="#d9534f" '
               f'stroke-dasharray="3 3"/>')
    for index, bar in enumerate(bars):
        y = AXIS + index * ROW
        ended = bar.end is not None
        end = (bar.end if bar.end is not None else now) + 1  # a bar covers its last year
        colour = "#9aa5ae" if ended else "#0b6e99"
        state = "past" if ended else "open"
        text = escape(bar.label if len(bar.label) <= LABEL_CHARS else bar.label[:LABEL_CHARS - 1] + "…")
        label = (f'<a href="{escape(bar.href)}"><text x="4" y="{y + 15}" font-size="12" fill="#0a5a8a">'
                 f'{text}</text></a>'
                 if bar.href else f'<text x="4" y="{y + 15}" font-size="12">{text}</text>')
        out.append(label)
        out.append(f'<rect class="bar {state}" x="{x(bar.start):.1f}" y="{y + 4}" '
                   f'width="{max(x(end) - x(bar.start), 3):.1f}" height="{ROW - 8}" rx="2" fill="{colour}">'
                   f'<title>{escape(bar.label)}: {escape(bar.dates)}</title></rect>')
        if not ended:
            tip = x(end)
            half = (ROW - 8) / 2
            out.append(f'<path d="M{tip:.1f},{y + 4} l7,{half:.1f} l-7,{half:.1f} z" fill="{colour}"/>')
        out.append(f'<text x="{min(x(end) + 10, width - 4):.1f}" y="{y + 15}" font-size="10" fill="#5b6670" '
                   f'text-anchor="{"start" if x(end) + 60 < width else "end"}">{escape(bar.dates)}</text>')
    legend = height - 10
    out.append(f'<rect x="{LABEL_WIDTH}" y="{legend - 9}" width="14" height="10" fill="#0b6e99"/>'
               f'<text x="{LABEL_WIDTH + 18}" y="{legend}" font-size="11">no end recorded (to {now})</text>'
               f'<rect x="{LABEL_WIDTH + 180}" y="{legend - 9}" width="14" height="10" fill="#9aa5ae"/>'
               f'<text x="{LABEL_WIDTH + 198}" y="{legend}" font-size="11">ended</text>'
               f'<line x1="{LABEL_WIDTH + 260}" y1="{legend - 9}" x2="{LABEL_WIDTH + 260}" y2="{legend + 1}" '
               f'stroke="#d9534f" stroke-dasharray="3 3"/><text x="{LABEL_WIDTH + 266}" y="{legend}" '
               f'font-size="11">this year</text>')
    out.append("</svg>")
    return "".join(out)
