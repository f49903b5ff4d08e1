"""The shared look of every plot: fonts, colour-blind-safe palettes, wrapping, titles, legends."""

import functools
import math
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import matplotlib
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.textpath import TextPath

from sim.plots.result import Issue, Result

# Okabe & Ito (2008), ordered so the first six differ most (orange and vermillion are kept
# apart); yellow is last because it is hard to see on white.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#000000", "#D55E00", "#F0E442")
# Actors and paths cycle through the first seven (yellow is too faint for lines) and, at the
# same time, through four line styles. Seven and four have no common factor, so the first 28
# ids each get their own (colour, line style) pair, and the style is a second cue for readers
# who cannot tell the colours apart; beyond 28, a marker tells the next 28 apart, and so on.
CYCLE_COLOURS = PALETTE[:7]
LINESTYLES = ("-", "--", "-.", ":")
MARKERS = ("None", "o", "s", "^", "D", "v", "P", "X", "*", "h")
DISTINCT_PAIRS = len(CYCLE_COLOURS) * len(LINESTYLES)  # 28, as the two lengths are coprime

OUTCOME_COLOURS = {
    "agreement": "#009E73",
    "ceasefire": "#56B4E9",
    "breakdown": "#D55E00",
    "stalemate": "#999999",
}

RC = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.title_fontsize": 10,
    "figure.titlesize": 13,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.8,
    "text.parse_math": False,  # labels come from scenario files: a "$" is a dollar sign, never TeX
}

POLE_WIDTH = 24  # characters per line of a pole name on a 0..1 axis
POLE_TICKS = (0, 0.25, 0.5, 0.75, 1)  # numbered ticks of a 0..1 axis
LABEL_WIDTH = 30  # characters per line of a path label


@contextmanager
def theme() -> Iterator[None]:
    """Apply the house style; ticks are created lazily, so saving should happen inside it too."""
    with matplotlib.rc_context(RC):
        yield


def themed[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    """Build a figure under the house style, so plot functions look right when called alone."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with theme():
            return func(*args, **kwargs)

    return wrapper


def wrap(text: str, width: int) -> str:
    """Break long labels onto lines so they never run into neighbouring text."""
    return "\n".join(textwrap.wrap(text, width)) or text


def colours(ids: Sequence[str]) -> dict[str, str]:
    """One fixed colour per id, by position, so an actor or path keeps its colour across figures.

    Colours repeat after seven ids; `linestyles` and `markers` tell those apart (see
    CYCLE_COLOURS): pass the same `ids`, in the same order, to all three.
    """
    return {key: CYCLE_COLOURS[i % len(CYCLE_COLOURS)] for i, key in enumerate(ids)}


def linestyles(ids: Sequence[str]) -> dict[str, str]:
    """A second cue besides colour: with `colours`, a distinct pair for each of the first 28 ids."""
    return {key: LINESTYLES[i % len(LINESTYLES)] for i, key in enumerate(ids)}


def markers(ids: Sequence[str]) -> dict[str, str]:
    """A third cue once (colour, line style) pairs run out: "None" for the first 28 ids, then a
    marker per block of 28, so the first 280 ids each look different."""
    return {key: MARKERS[(i // DISTINCT_PAIRS) % len(MARKERS)] for i, key in enumerate(ids)}


def text_colour_on(background: str) -> str:
    """Black or white, whichever reads better on `background` (relative luminance)."""
    r, g, b = to_rgb(background)
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5 else "white"


def letter(index: int) -> str:
    """A short key (A, B, …) that ties a slot in a crowded panel to its legend entry."""
    return chr(ord("A") + index) if index < 26 else str(index + 1)


def title(fig: Figure, headline: str, result: Result) -> None:
    """Every figure names what it shows and which scenario it comes from."""
    fig.suptitle(f"{headline}\n{wrap(result.title, 100)}")


def round_by_round(result: Result) -> str:
    """How often a time plot steps, in the result's own round unit: "month by month"."""
    return f"{result.round_unit} by {result.round_unit}"


def pole_axis(ax: Axes, issue: Issue) -> None:
    """The issue's scale (0..1 unless it has its own) as a y axis with numeric ticks, and what
    its ends mean written beside them.

    The pole names are minor tick labels at the ends, padded out past the numbers and aligned
    to sit inside the range, so both read as tick labels and constrained layout makes room.
    """
    low, high = issue.ends
    width = high - low
    ticks = [low + share * width for share in POLE_TICKS]
    numbers = [f"{value:g}" for value in ticks]
    ax.set_ylim(low - 0.04 * width, high + 0.04 * width)
    ax.set_yticks(ticks, numbers)
    ax.yaxis.remove_overlapping_locs = False  # the poles share the ticks at the ends
    ax.set_yticks([low, high], [wrap(issue.low, POLE_WIDTH), wrap(issue.high, POLE_WIDTH)], minor=True)
    for label, va in zip(ax.get_yticklabels(minor=True), ("bottom", "top"), strict=True):
        label.set_verticalalignment(va)
    ax.tick_params(axis="y", which="minor", length=0, pad=_pole_pad(numbers))
    ax.grid(axis="y", which="major")
    ax.set_title(f"{issue.label} ({issue.unit})" if issue.unit else issue.label)


def _pole_pad(numbers: list[str]) -> float:
    """Points between the axis and a pole name: past the widest number and its tick, plus a gap."""
    size = FontProperties(size=matplotlib.rcParams["ytick.labelsize"]).get_size_in_points()
    tick = matplotlib.rcParams["ytick.major.size"] + matplotlib.rcParams["ytick.major.pad"]
    return tick + _widest(tuple(numbers), size, findfont(FontProperties())) + 0.6 * size


@functools.lru_cache(maxsize=256)
def _widest(numbers: tuple[str, ...], size: float, font: str) -> float:
    """Width in points of the widest of `numbers` in the default font (its file `font` is part
    of the key, as a style may change it); remembered, as every panel of a figure has the same
    numbers and outlining their glyphs costs more than the rest of the panel's axis."""
    prop = FontProperties(fname=font)
    return max(TextPath((0, 0), number, size=size, prop=prop).get_extents().width for number in numbers)


LINE_HANDLE_LENGTH = 3.6  # legend samples of lines, in font sizes: long enough to show a dash-dot


LEGEND_ROWS = 16  # entries per legend column before a second column starts


def place_legend(
    fig: Figure,
    spare: Sequence[Axes],
    entries: tuple[list[Artist], list[str]],
    heading: str,
    handlelength: float | None = None,
) -> None:
    """Use an empty grid slot for the legend when there is one, else put it right of the panels.

    Right, not below: the bottom edge holds the figure's x label (`supxlabel`), and constrained
    layout does not stack a figure legend and a supxlabel, so one would be drawn over the other.
    """
    handles, labels = entries
    columns = math.ceil(len(labels) / LEGEND_ROWS)  # a council of 30 would run off the figure
    for ax in spare:
        ax.axis("off")
    if spare:
        spare[0].legend(
            handles,
            labels,
            loc="center",
            frameon=False,
            title=heading,
            handlelength=handlelength,
            ncols=columns,
        )
    else:
        fig.legend(
            handles,
            labels,
            loc="outside right upper",
            frameon=False,
            title=heading,
            handlelength=handlelength,
            ncols=columns,
        )
