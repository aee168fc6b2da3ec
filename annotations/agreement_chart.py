"""The agreement pages' bar chart as plain geometry, drawn as SVG by the template.

No chart library and no JavaScript: the positions are computed here and the template
writes one `<rect>` per bar (styled by class in static/css/agreement.css, so the CSP needs
no inline style). F1 lies in [0, 1]; alpha can be negative (systematic disagreement) and
is unbounded below, so the axis starts at −1 when a value is negative and a bar that would
reach past it is cut there and marked.
"""

from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 150
RIGHT_MARGIN = 48
BAR_HEIGHT = 14
BAR_GAP = 3
GROUP_GAP = 16
TOP = 30  # room for the legend
AXIS_HEIGHT = 22


@dataclass(frozen=True)
class Bar:
    series: str
    css_class: str
    x: float
    y: float
    width: float
    value: float | None
    value_text: str
    text_x: float
    clipped: bool


@dataclass(frozen=True)
class Group:
    label: str
    label_y: float
    bars: list[Bar]


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class LegendItem:
    label: str
    css_class: str
    x: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: float
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    zero_x: float
    bar_height: int
    ticks: list[Tick]
    groups: list[Group]
    legend: list[LegendItem]
    title: str


def figure(value: float | None) -> str:
    """A figure as the pages print it: three decimals, "—" when undefined."""
    return "—" if value is None else f"{value:.3f}"


def bar_chart(
    title: str,
    groups: list[tuple[str, list[float | None]]],
    series: list[tuple[str, str]],
) -> BarChart:
    """Horizontal bars: one group per label, one bar per series (name, CSS class) in it."""
    values = [value for _, row in groups for value in row if value is not None]
    low = -1.0 if any(value < 0 for value in values) else 0.0
    left, right = LABEL_WIDTH, WIDTH - RIGHT_MARGIN

    def x_of(value: float) -> float:
        return left + (max(low, min(1.0, value)) - low) / (1.0 - low) * (right - left)

    zero = x_of(0.0)
    group_height = len(series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    drawn = []
    y = TOP
    for label, row in groups:
        bars = []
        for index, ((name, css_class), value) in enumerate(zip(series, row, strict=True)):
            bar_y = y + index * (BAR_HEIGHT + BAR_GAP)
            if value is None:
                bars.append(Bar(name, css_class, zero, bar_y, 0, None, "—", zero + 4, False))
                continue
            end = x_of(value)
            start, stop = min(zero, end), max(zero, end)
            text_x = stop + 4 if value >= 0 else start - 4
            clipped = value < low
            bars.append(
                Bar(
                    name,
                    css_class,
                    start,
                    bar_y,
                    stop - start,
                    value,
                    figure(value),
                    text_x,
                    clipped,
                )  # fmt: skip
            )
        drawn.append(Group(label, y + group_height / 2, bars))
        y += group_height + GROUP_GAP
    bottom = y - GROUP_GAP
    steps = [low + step * 0.25 for step in range(int((1.0 - low) / 0.25) + 1)]
    ticks = [Tick(x_of(step), f"{step:g}") for step in steps]
    legend = [LegendItem(name, css_class, left + index * 130)
              for index, (name, css_class) in enumerate(series)]  # fmt: skip
    return BarChart(
        width=WIDTH,
        height=bottom + AXIS_HEIGHT,
        plot_left=left,
        plot_right=right,
        plot_top=TOP - 6,
        plot_bottom=bottom + 4,
        zero_x=zero,
        bar_height=BAR_HEIGHT,
        ticks=ticks,
        groups=drawn,
        legend=legend,
        title=title,
    )
