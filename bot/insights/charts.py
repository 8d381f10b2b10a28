"""The charts, drawn with matplotlib's Agg renderer into PNG bytes. No Telegram, no database.

Each image is 1024×1280 pixels, portrait: Telegram shows photos at most 1280 pixels on the long
side, and a phone holds them upright. Fonts are large for that width; one idea per panel.
Only matplotlib's object API is used (no pyplot): figures are not registered anywhere global,
so rendering in a worker thread touches no shared state.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from bot.insights.chart_text import Chart, ChartText
from bot.insights.figures import Figures

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

WIDTH_IN, HEIGHT_IN, DPI = 6.4, 8.0, 160  # 1024 × 1280 px
MAX_TOPICS = 6  # bars per day: more colours than this cannot be told apart on a phone
MAX_VOTE_TOPICS = 10
# Okabe-Ito: told apart with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
GREY = "#9E9E9E"
GOOD, BAD, NEUTRAL = "#009E73", "#D55E00", "#E69F00"
FONT: dict[RcKeyType, Any] = {
    "font.size": 12,
    "axes.titlesize": 15,
    "axes.titleweight": "bold",
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}


def _figure(rows: int = 1, heights: Sequence[float] | None = None) -> tuple[Figure, list[Axes]]:
    import matplotlib

    with matplotlib.rc_context(FONT):
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(rows, 1, gridspec_kw={"height_ratios": heights} if heights else None)
    return fig, list(axes) if rows > 1 else [axes]


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _styled(draw: Callable[[], bytes]) -> bytes:
    import matplotlib

    with matplotlib.rc_context(FONT):
        return draw()


def _empty(text: ChartText, title_key: str) -> bytes:
    fig, (ax,) = _figure()
    _title(fig, text.t(title_key))
    ax.set_axis_off()
    ax.text(0.5, 0.5, text.t("no_data"), ha="center", va="center", fontsize=18, color=GREY)
    return _png(fig)


def _title(fig: Figure, title: str) -> None:
    # On the figure, not the axes: centred on the image whatever the labels' width.
    fig.suptitle(_wrap(title, 40), fontsize=15, fontweight="bold")


def _thousands(ax: Axes, axis: str = "x") -> None:
    formatter = FuncFormatter(lambda value, _: f"{value:,.0f}".replace(",", "\u202f"))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(formatter)


def _wrap(label: str, width: int) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def _day_ticks(ax: Axes, days: Sequence[date], every: int = 7) -> None:
    positions = list(range(len(days)))[::-1][::every][::-1]
    ax.set_xticks(positions, [days[i].strftime("%d.%m") for i in positions])


def _legend_below(ax: Axes, columns: int = 2) -> None:
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        ncol=columns,
        frameon=False,
    )


# ---- questions per topic per day, and the share no topic answered ----------------------------


def questions_chart(f: Figures, text: ChartText) -> bytes:
    g = f.guidance
    if g.questions == 0:
        return _styled(lambda: _empty(text, "questions_title"))

    def draw() -> bytes:
        totals = sorted(g.answered, key=lambda topic: -sum(g.answered[topic]))
        shown, rest = totals[: MAX_TOPICS - 1], totals[MAX_TOPICS - 1 :]
        series: list[tuple[str, list[int], str]] = [
            (_wrap(text.topic(topic), 34), g.answered[topic], PALETTE[i % len(PALETTE)])
            for i, topic in enumerate(shown)
        ]
        if rest:
            other = [sum(g.answered[t][d] for t in rest) for d in range(len(g.days))]
            series.append((text.t("other_topics"), other, PALETTE[len(shown) % len(PALETTE)]))
        series.append((text.t("unanswered"), g.unmatched, GREY))
        fig, (top, bottom) = _figure(2, heights=(3, 1))
        x = list(range(len(g.days)))
        base = [0] * len(g.days)
        for label, values, colour in series:
            top.bar(x, values, bottom=base, color=colour, label=label, width=0.8)
            base = [b + v for b, v in zip(base, values, strict=True)]
        _title(fig, text.t("questions_title"))
        top.set_xlim(-0.5, len(g.days) - 0.5)
        top.set_ylabel(text.t("questions_axis"))
        top.yaxis.set_major_locator(MaxNLocator(integer=True))
        _day_ticks(top, g.days)
        _legend_below(top)
        shares = [u / t if t else None for u, t in zip(g.unmatched, base, strict=True)]
        points = [(i, s) for i, s in enumerate(shares) if s is not None]
        bottom.plot([p[0] for p in points], [p[1] for p in points], color=BAD, marker="o", ms=4)
        bottom.set_title(_wrap(text.t("unanswered_title"), 45), fontsize=12)
        bottom.set_ylim(0, 1)
        bottom.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        bottom.set_xlim(-0.5, len(g.days) - 0.5)
        _day_ticks(bottom, g.days)
        return _png(fig)

    return _styled(draw)


# ---- "was this helpful?" per topic ------------------------------------------------------------


def votes_chart(f: Figures, text: ChartText) -> bytes:
    votes = {t: v for t, v in f.guidance.votes.items() if sum(v)}
    if not votes:
        return _styled(lambda: _empty(text, "votes_title"))

    def draw() -> bytes:
        topics = sorted(votes, key=lambda t: sum(votes[t]))[-MAX_VOTE_TOPICS:]
        yes = [votes[t][0] for t in topics]
        no = [votes[t][1] for t in topics]
        fig, (ax,) = _figure()
        y = list(range(len(topics)))
        ax.barh(y, yes, color=GOOD, label=text.t("votes_yes"))
        ax.barh(y, no, left=yes, color=BAD, label=text.t("votes_no"))
        ax.set_yticks(y, [_wrap(text.topic(t), 18) for t in topics])
        for i, (a, b) in enumerate(zip(yes, no, strict=True)):
            ax.text(a + b, i, f" {round(100 * a / (a + b))}%", va="center", fontsize=11)
        ax.set_xlim(0, max(a + b for a, b in zip(yes, no, strict=True)) * 1.2)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", visible=False)
        _title(fig, text.t("votes_title"))
        _legend_below(ax)
        return _png(fig)

    return _styled(draw)


# ---- revocation requests by state per week, and the median time to a decision -----------------


def revocations_chart(f: Figures, text: ChartText) -> bytes:
    r = f.revocations
    if not any(map(sum, r.filed.values())) and r.median_hours_all is None:
        return _styled(lambda: _empty(text, "revocations_title"))

    def draw() -> bytes:
        fig, (top, bottom) = _figure(2, heights=(3, 2))
        x = list(range(len(r.weeks)))
        base = [0] * len(r.weeks)
        colours = {"open": NEUTRAL, "approved": GOOD, "rejected": BAD}
        for state, values in r.filed.items():
            top.bar(
                x,
                values,
                bottom=base,
                color=colours.get(state, GREY),
                label=text.t(f"state_{state}"),
            )
            base = [b + v for b, v in zip(base, values, strict=True)]
        _title(fig, text.t("revocations_title"))
        top.yaxis.set_major_locator(MaxNLocator(integer=True))
        _day_ticks(top, r.weeks, every=2)
        _legend_below(top, columns=3)
        points = [(i, h) for i, h in enumerate(r.median_hours) if h is not None]
        bottom.plot([p[0] for p in points], [p[1] for p in points], color=PALETTE[0], marker="o")
        bottom.set_xlim(-0.5, len(r.weeks) - 0.5)
        bottom.set_ylim(bottom=0)
        title = text.t("revocations_median")
        if r.median_hours_all is not None:
            title += "\n" + text.t("median_all", hours=f"{r.median_hours_all:g}")
        bottom.set_title(title, fontsize=12)
        _day_ticks(bottom, r.weeks, every=2)
        return _png(fig)

    return _styled(draw)


# ---- reach of the latest broadcasts -----------------------------------------------------------


def reach_chart(f: Figures, text: ChartText) -> bytes:
    campaigns = f.broadcasts.campaigns
    if not campaigns:
        return _styled(lambda: _empty(text, "reach_title"))

    def draw() -> bytes:
        fig, (ax,) = _figure()
        y = list(range(len(campaigns)))
        parts = (
            ("sent", GOOD, "reach_sent"),
            ("blocked", BAD, "reach_blocked"),
            ("failed", NEUTRAL, "reach_failed"),
            ("waiting", GREY, "reach_waiting"),
        )
        left = [0] * len(campaigns)
        for attribute, colour, key in parts:
            values = [getattr(c, attribute) for c in campaigns]
            if not any(values) and attribute != "sent":
                continue
            ax.barh(y, values, left=left, color=colour, label=text.t(key))
            left = [a + b for a, b in zip(left, values, strict=True)]
        labels = [
            f"#{c.id}" + (f"\n{c.started_at.strftime('%d.%m')}" if c.started_at else "")
            for c in campaigns
        ]
        ax.set_yticks(y, labels)
        for i, c in enumerate(campaigns):
            total = left[i]
            share = f" {round(100 * c.sent / total)}%" if total else ""
            ax.text(total, i, share, va="center", fontsize=11)
        ax.set_xlim(0, max(max(left), 1) * 1.18)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
        _thousands(ax)
        ax.grid(axis="y", visible=False)
        _title(fig, text.t("reach_title"))
        _legend_below(ax)
        return _png(fig)

    return _styled(draw)


# ---- subscribers over time --------------------------------------------------------------------


def subscribers_chart(f: Figures, text: ChartText) -> bytes:
    b = f.broadcasts
    points = [(i, v) for i, v in enumerate(b.subscribers) if v is not None]
    if not any(v for _, v in points):
        return _styled(lambda: _empty(text, "subscribers_title"))

    def draw() -> bytes:
        fig, (ax,) = _figure()
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        ax.plot(xs, ys, color=PALETTE[0], marker="o" if len(points) < 15 else None, lw=2.5)
        ax.fill_between(xs, ys, color=PALETTE[0], alpha=0.12)
        ax.set_xlim(-0.5, len(b.days) - 0.5)
        ax.set_ylim(0, max(ys) * 1.15)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        _thousands(ax, "y")
        ax.annotate(
            f"{ys[-1]:,}".replace(",", "\u202f"),
            (xs[-1], ys[-1]),
            textcoords="offset points",
            xytext=(-4, 10),
            ha="right",
            fontsize=14,
            fontweight="bold",
        )
        _day_ticks(ax, b.days, every=14)
        _title(fig, text.t("subscribers_title"))
        return _png(fig)

    return _styled(draw)


# ---- work-chat catches per week by kind -------------------------------------------------------


def catches_chart(f: Figures, text: ChartText) -> bytes:
    g = f.guard
    if not any(map(sum, g.caught.values())):
        return _styled(lambda: _empty(text, "catches_title"))

    def draw() -> bytes:
        fig, (ax,) = _figure()
        x = list(range(len(g.weeks)))
        base = [0] * len(g.weeks)
        for i, (kind, values) in enumerate(sorted(g.caught.items())):
            ax.bar(
                x,
                values,
                bottom=base,
                color=PALETTE[i % len(PALETTE)],
                label=text.t(f"catch_{kind}"),
            )
            base = [b + v for b, v in zip(base, values, strict=True)]
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        _day_ticks(ax, g.weeks, every=2)
        _title(fig, text.t("catches_title"))
        _legend_below(ax)
        return _png(fig)

    return _styled(draw)


CHARTS: tuple[tuple[str, Callable[[Figures, ChartText], bytes]], ...] = (
    ("questions", questions_chart),
    ("votes", votes_chart),
    ("revocations", revocations_chart),
    ("reach", reach_chart),
    ("subscribers", subscribers_chart),
    ("catches", catches_chart),
)


def render_all(f: Figures, text: ChartText) -> list[Chart]:
    return [Chart(name, draw(f, text)) for name, draw in CHARTS]
