"""What the operator sees of a campaign: the progress message, its buttons, the final report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from bot.broadcasts import actions
from bot.broadcasts.campaigns import Summary
from bot.broadcasts.models import CampaignState, DeliveryState
from bot.i18n import Texts

# Kazakhstan keeps one time zone, UTC+5, since 2024; operators read Astana time.
ASTANA = timezone(timedelta(hours=5))

Button = tuple[str, str]  # label, callback data


def duration(seconds: float) -> str:
    """0:04:07: the same in every language."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def _counts(summary: Summary) -> dict[str, int]:
    return {
        "id": summary.id,
        "total": summary.total,
        "sent": summary.count(DeliveryState.SENT),
        "failed": summary.count(DeliveryState.FAILED),
        "blocked": summary.count(DeliveryState.BLOCKED),
        "left": summary.count(DeliveryState.LEFT),
        "remaining": summary.remaining,
        "not_sent": summary.count(DeliveryState.CANCELLED),
    }


def progress_text(
    texts: Texts,
    lang: str,
    summary: Summary,
    *,
    rate: float,
    now: datetime | None = None,
) -> str:
    """The progress message for the campaign's current state (rate: deliveries per second)."""
    params: dict[str, object] = dict(_counts(summary))
    if summary.state == CampaignState.RUNNING:
        now = now or datetime.now(UTC)
        seconds = summary.remaining / rate if rate > 0 else 0.0
        finish = (now + timedelta(seconds=seconds)).astimezone(ASTANA)
        params.update(eta_clock=finish.strftime("%H:%M"), eta_in=duration(seconds))
        key = "broadcasts.progress.running" if summary.settled else "broadcasts.progress.queued"
    elif summary.state == CampaignState.PAUSED:
        key = "broadcasts.progress.paused"
    elif summary.state == CampaignState.CANCELLED:
        key = "broadcasts.progress.cancelled"
    else:
        key = "broadcasts.progress.done"
    return texts.get(lang, key, **params)


def buttons(texts: Texts, lang: str, summary: Summary) -> list[Button]:
    if summary.state == CampaignState.RUNNING:
        names = ("pause", "cancel")
    elif summary.state == CampaignState.PAUSED:
        names = ("resume", "cancel")
    else:
        return []
    return [
        (texts.get(lang, f"broadcasts.buttons.{name}"), actions.campaign(name, summary.id))
        for name in names
    ]


def report_text(texts: Texts, lang: str, summary: Summary) -> str:
    started = summary.started_at or summary.created_at
    finished = summary.finished_at or datetime.now(UTC)
    params: dict[str, object] = dict(_counts(summary))
    params["took"] = duration((finished - started).total_seconds())
    key = (
        "broadcasts.report.cancelled"
        if summary.state == CampaignState.CANCELLED
        else "broadcasts.report.done"
    )
    return texts.get(lang, key, **params)
