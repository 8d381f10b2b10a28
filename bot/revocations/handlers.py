"""The revocations feature's record: what it adds to the bot, wired from the handlers of its
three audiences (citizen_handlers.py, org_handlers.py, operator_handlers.py).

Callback data is written and read in actions.py, every screen is drawn by views.py, and the
button plumbing they share (a press re-parsed and guarded) is in presses.py.
"""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.core.filters import PRIVATE
from bot.core.private import private_only
from bot.revocations import actions, cli, demo, org_reminder_job, probes
from bot.revocations.citizen_handlers import (
    VERIFY_PHONE,
    on_cancel,
    on_confirm,
    on_menu_button,
    on_pick,
    on_reason,
    revoke_command,
)
from bot.revocations.operator_handlers import (
    REJECT_STEP,
    on_approve,
    on_approve_confirmed,
    on_approve_dropped,
    on_page,
    on_reject,
    reject_reason_step,
    requests_command,
)
from bot.revocations.org_handlers import (
    on_departure,
    on_employee,
    on_employee_left,
    on_org_button,
    on_org_page,
    org_command,
)
from bot.revocations.presses import press_handler
from bot.runtime import (
    Background,
    EntryPoint,
    Feature,
    Links,
    MenuItem,
    Ops,
    Step,
    TelegramParts,
)

feature = Feature(
    name="revocations",
    handlers=[
        CommandHandler("revoke", revoke_command, filters=PRIVATE),
        CommandHandler("org", org_command, filters=PRIVATE),
        CommandHandler("requests", requests_command),
        press_handler("revoke", on_pick, "pick"),
        press_handler("revoke", on_reason, "why"),
        press_handler("revoke", on_confirm, "ok"),
        press_handler(None, on_cancel, "no"),
        CallbackQueryHandler(
            private_only("revoke", on_menu_button), pattern=actions.PATTERNS["menu"]
        ),
        CallbackQueryHandler(on_org_button, pattern=actions.PATTERNS["org_menu"]),
        press_handler("org", on_org_page, "org_page"),
        press_handler("org", on_employee_left, "org_left"),
        press_handler("org", on_employee, "employee"),
        press_handler("org", on_departure, "departure"),
        press_handler(None, on_page, "queue_page"),
        press_handler(None, on_approve, "approve"),
        press_handler(None, on_approve_confirmed, "approve_confirmed"),
        press_handler(None, on_approve_dropped, "approve_dropped"),
        press_handler(None, on_reject, "reject"),
    ],
    telegram=TelegramParts(
        commands=["revoke", "org"],
        operator_commands=["requests"],
        menu=[MenuItem("revocations.menu_button", actions.MENU, private_only=True)],
        steps={REJECT_STEP: Step(reject_reason_step, takes_prose=True)},
        deep_links={"revoke": revoke_command, "org": org_command},
    ),
    background=Background(on_startup=org_reminder_job.start, on_shutdown=org_reminder_job.stop),
    ops=Ops(cli=cli.register, demo=demo.appoint_heads, probes=[probes.open_requests]),
    links=Links(
        publishes={
            "revocations.menu": EntryPoint(actions.MENU, "revoke"),
            "revocations.org": EntryPoint(actions.ORG_MENU, "org"),
            # Request revocation of one registry certificate: data(certificate_id).
            "revocations.certificate": EntryPoint(actions.PICK),
        },
        needs=[VERIFY_PHONE],
    ),
)
