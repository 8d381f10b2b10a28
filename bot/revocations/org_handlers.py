"""Heads of organisations: /org (their staff's certificates, page by page) and the record of
an employee's departure, which files a request for each of the employee's certificates."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.core import flows, paging
from bot.core.filters import is_private
from bot.core.words import words
from bot.db.base import utcnow
from bot.ops.clock import kz_day
from bot.revocations import actions, notices, service, views
from bot.revocations.actions import DEPARTURE_FLOW
from bot.revocations.presses import Press
from bot.runtime import BotContext


async def _org_page(
    context: BotContext, user_id: int, org_bin: str, start: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    w, today = words(context), kz_day(utcnow())
    certificates = await service.org_certificates(context.session, user_id, org_bin)
    employees = views.employees(certificates)
    name = certificates[0].org_name if certificates else org_bin
    listing: paging.Listing[views.Employee] = paging.Listing(
        lambda employee: views.org_employee(w, employee, today),
        lambda position: actions.org_page(org_bin, position),
        separator="\n",
    )
    page = await listing.page(
        context,
        paging.from_list(employees),
        start,
        header=lambda count: views.org_header(w, name, org_bin, count),
    )
    return page.text, page.markup(views.org_rows(w, org_bin, bool(employees)))


async def org_command(update: Update, context: BotContext) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    orgs = await service.admin_orgs(context.session, user.id)
    if not orgs:
        await message.reply_text(context.t("revocations.org_none"))
        return
    for org_bin in orgs:
        text, markup = await _org_page(context, user.id, org_bin, 0)
        await message.chat.send_message(text, reply_markup=markup)


async def on_org_page(update: Update, context: BotContext, press: Press) -> None:
    assert press.action.org_bin is not None
    text, markup = await _org_page(context, press.user_id, press.action.org_bin, press.action.start)
    await press.query.answer()
    await press.query.edit_message_text(text, reply_markup=markup)


async def on_org_button(update: Update, context: BotContext) -> None:
    """The employee-left topic's button: /org, which re-checks who may see what."""
    query = update.callback_query
    if query is None:
        return
    # The organisation's list is for a private chat only, whatever a forged press says.
    if not is_private(update):
        await query.answer(context.t("core.private_only"), show_alert=True)
        return
    await query.answer()
    await org_command(update, context)


async def on_employee_left(update: Update, context: BotContext, press: Press) -> None:
    org_bin = press.action.org_bin
    assert org_bin is not None
    certificates = await service.org_certificates(context.session, press.user_id, org_bin)
    listing: paging.Listing[views.Employee] = paging.Listing(
        lambda _: "",  # the employees are the buttons; the text only asks
        lambda start: actions.org_left(org_bin, start),
    )
    page = await listing.page(
        context,
        paging.from_list(views.employees(certificates)),
        press.action.start,
        header=context.t("revocations.pick_employee"),
    )
    nonce = await flows.begin(update, context, DEPARTURE_FLOW)
    await press.query.answer()
    rows = views.employee_rows(words(context), page.items, nonce)
    await press.query.edit_message_text(page.text, reply_markup=page.markup(rows))


async def on_employee(update: Update, context: BotContext, press: Press) -> None:
    if not await flows.check(update, context, DEPARTURE_FLOW, press.nonce):
        return
    anchor = await service.employee_of(context.session, press.user_id, press.id)
    certificates = await service.org_certificates(
        context.session, press.user_id, anchor.org_bin or ""
    )
    await press.query.answer()
    text, markup = views.departure_confirmation(words(context), anchor, certificates, press.nonce)
    await press.query.edit_message_text(text, reply_markup=markup)


async def on_departure(update: Update, context: BotContext, press: Press) -> None:
    if not await flows.check(update, context, DEPARTURE_FLOW, press.nonce):
        return
    filed = await service.record_departure(context.session, press.user_id, press.id)
    await flows.finish(update, context, press.nonce)
    await press.query.answer()
    await press.query.edit_message_text(views.departure_filed(words(context), filed))
    for item in filed:
        if item.created:
            await notices.announce(context, item.request)
