"""Messages about requests that go to people other than the one pressing the button."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.error import TelegramError

from bot.core.words import Words
from bot.db.models import User
from bot.db.transaction import transaction
from bot.i18n import Texts
from bot.ops.lanes import Lane, sending_as
from bot.revocations import service, views
from bot.revocations.models import APPROVED, RevocationRequest
from bot.runtime import BotContext
from bot.signatures.api import CertificateRecord

log = logging.getLogger(__name__)


async def language_of(session: AsyncSession, user_id: int) -> str:
    async with transaction(session):  # the caller's, when it has one (a decision's)
        user = await session.get(User, user_id)
    return user.effective_language if user else "en"


async def announce_to_operators(
    bot: Bot,
    texts: Texts,
    chat_id: int | None,
    lang: str,
    request: RevocationRequest,
    certificate: CertificateRecord,
) -> None:
    if chat_id is None:
        return
    text = views.request_summary(
        Words(texts, lang), "revocations.operator_new", request, certificate
    )
    try:
        with sending_as(Lane.NOTICE):
            await bot.send_message(chat_id, text)
    except TelegramError as exc:
        log.warning("could not announce %s to operators: %s", request.reference, type(exc).__name__)


async def announce(context: BotContext, request: RevocationRequest) -> None:
    """A request just filed (by a citizen or for a departure), to the operators' chat."""
    certificate = await service.certificate_of(context.session, request)
    settings = context.deps.settings
    await announce_to_operators(
        context.bot,
        context.deps.texts,
        settings.operator_chat_id,
        settings.operator_language,
        request,
        certificate,
    )


def requester_text(
    texts: Texts, lang: str, request: RevocationRequest, certificate: CertificateRecord
) -> str:
    if request.status == APPROVED:
        return texts.get(
            lang,
            "revocations.approved_notice",
            reference=request.reference,
            serial=certificate.serial_number,
        )
    return texts.get(
        lang,
        "revocations.rejected_notice",
        reference=request.reference,
        reason=request.decision_reason or "—",
    )


async def tell_requester(
    bot: Bot,
    texts: Texts,
    lang: str,
    request: RevocationRequest,
    certificate: CertificateRecord,
) -> bool:
    text = requester_text(texts, lang, request, certificate)
    try:
        with sending_as(Lane.NOTICE):
            await bot.send_message(request.requester_id, text)
    except TelegramError as exc:
        log.warning(
            "could not notify the requester of %s: %s", request.reference, type(exc).__name__
        )
        return False
    return True
