"""The password check page (Mini App) from the bot's side: the buttons, the settings, serving."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo
from telegram.error import BadRequest

from bot.app import build_deps
from bot.config import Settings, SettingsError, load_settings
from bot.harness import BotHarness
from bot.harness.terminal import run_terminal_chat
from bot.i18n import Texts
from bot.ops.pages import PageServer
from bot.passwords import handlers as password_handlers
from bot.passwords import webapp_page
from bot.tghtml import parse

TEXTS = Texts.load()
PUBLIC_URL = "https://bot.example.kz/password-check/"
needs_page = pytest.mark.skipif(
    not (webapp_page.DIST / "index.html").is_file(),
    reason="the password check page is not built: run `make webapp` (needs node and npm)",
)


def plain(key: str, lang: str = "en") -> str:
    return parse(TEXTS.get(lang, key)).text


@pytest.fixture
def webapp_settings(tmp_path: Path, sqlite_url: str) -> Settings:
    return load_settings(
        database_url=sqlite_url,
        bot_data_dir=tmp_path,
        pii_secret="test-pii-secret-0123456789",
        webapp_url=PUBLIC_URL,
        webapp_port=0,
    )


def web_app_buttons(record: Any) -> list[dict[str, Any]]:
    return [b for b in record.buttons if "web_app" in b]


async def test_without_webapp_url_there_is_no_page_button(harness: BotHarness) -> None:
    user = harness.user("Aigerim", language_code="en")
    menu = await user.send("/menu")
    assert web_app_buttons(menu.last) == []
    intro = await user.send("/password")  # straight to the check in the chat, as before
    assert intro.text == plain("passwords.intro")
    assert harness.application.deps.web_routes() == []


@needs_page
@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_password_offers_the_phone_first_then_the_chat(
    webapp_settings: Settings, lang: str
) -> None:
    async with BotHarness(webapp_settings) as harness:
        user = harness.user("Aigerim", language_code=lang)
        offer = await user.send("/password")
        assert offer.text == plain("passwords.offer", lang)
        first, second = offer.last.buttons
        assert first["text"] == TEXTS.get(lang, "passwords.webapp_button")
        assert first["web_app"]["url"] == f"{PUBLIC_URL}?lang={lang}"
        assert second["text"] == TEXTS.get(lang, "passwords.chat_button")

        # Nothing is taken for a password until the person picks the chat.
        chatter = await user.send("hello")
        assert "deleted" not in chatter.kinds()

        await user.send("/password")
        intro = await user.press(TEXTS.get(lang, "passwords.chat_button"))
        assert intro.text == plain("passwords.intro", lang)
        verdict = await user.send("Qwerty12")
        assert verdict.kinds() == ["deleted", "sent"]
        assert plain("passwords.verdict.not_strong_enough", lang) in verdict.text


@needs_page
async def test_menu_offers_the_phone_first_in_private_chats_only(
    webapp_settings: Settings,
) -> None:
    async with BotHarness(webapp_settings) as harness:
        user = harness.user("Aigerim", language_code="ru")
        menu = await user.send("/menu")
        labels = [b["text"] for b in menu.last.buttons]
        phone = labels.index(TEXTS.get("ru", "passwords.webapp_button"))
        assert phone < labels.index(TEXTS.get("ru", "passwords.menu_button"))
        assert web_app_buttons(menu.last)[0]["web_app"]["url"] == f"{PUBLIC_URL}?lang=ru"
        # The menu's in-chat button starts the check in the chat at once.
        intro = await user.press(TEXTS.get("ru", "passwords.menu_button"), message=menu.last)
        assert intro.text == plain("passwords.intro", "ru")

        group = harness.group("Бухгалтерия", bot_admin=True, members=[user])
        in_group = await user.send("/menu", chat=group)
        assert web_app_buttons(in_group.last) == []


@needs_page
async def test_a_group_gets_a_deep_link_that_leads_to_the_offer(webapp_settings: Settings) -> None:
    async with BotHarness(webapp_settings) as harness:
        user = harness.user("Aigerim", language_code="en")
        group = harness.group("Accounting", bot_admin=True, members=[user])
        redirect = await user.send("/password", chat=group)
        assert web_app_buttons(redirect.last) == []
        link = redirect.last.buttons[0]["url"]
        assert link.endswith(f"?start={password_handlers.STEP}")
        offer = await user.send(f"/start {password_handlers.STEP}")
        assert offer.text == plain("passwords.offer")
        assert web_app_buttons(offer.last)


async def test_telegram_refuses_page_buttons_in_groups(harness: BotHarness) -> None:
    user = harness.user("Aigerim")
    group = harness.group("Accounting", bot_admin=True, members=[user])
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", web_app=WebAppInfo(PUBLIC_URL))]])
    with pytest.raises(BadRequest, match=r"(?i)button_type_invalid"):
        await harness.application.bot.send_message(group.id, "x", reply_markup=markup)


@needs_page
async def test_polling_mode_serves_the_page_with_its_policy(webapp_settings: Settings) -> None:
    async with BotHarness(webapp_settings) as harness:
        port = harness.application.deps.get(PageServer).port
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient() as client:
            page = await client.get(f"{base}/password-check/?lang=kk")
            other = await client.get(f"{base}/metrics")
            again = await client.get(
                f"{base}/password-check/", headers={"If-None-Match": page.headers["etag"]}
            )
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-encoding"] == "gzip"  # httpx asks for it
    policy = page.headers["content-security-policy"]
    assert "connect-src 'none'" in policy
    assert "default-src 'none'" in policy
    assert policy in page.text  # the same policy in the page's <meta>
    assert 'id="page-data"' in page.text
    assert "telegram-web-app.js" not in page.text  # no code but the page's own
    assert other.status_code == 404  # only the page: no health or metrics on this port
    assert again.status_code == 304


@needs_page
async def test_webhook_mode_serves_the_page_on_the_same_port(webapp_settings: Settings) -> None:
    async with BotHarness(webapp_settings, mode="webhook") as harness:
        assert harness.webhook_server is not None
        url = f"http://127.0.0.1:{harness.webhook_server.port}/password-check/"
        async with httpx.AsyncClient() as client:
            page = await client.get(url, headers={"Accept-Encoding": "identity"})
    assert page.status_code == 200
    assert "content-encoding" not in page.headers
    assert "connect-src 'none'" in page.headers["content-security-policy"]


@needs_page
async def test_the_terminal_chat_prints_the_page_address(webapp_settings: Settings) -> None:
    out = io.StringIO()
    local = webapp_settings.model_copy(
        update={"webapp_url": "http://127.0.0.1:8444/password-check/"}
    )
    await run_terminal_chat(local, stdin=io.StringIO("/quit\n"), out=out)
    assert "http://127.0.0.1:8444/password-check/" in out.getvalue()


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://bot.example.kz/password-check/", "https"),
        ("ftp://bot.example.kz/", "https"),
        ("https://bot.example.kz/metrics", "taken"),
        ("https://bot.example.kz/p/?lang=ru", "query"),
    ],
)
def test_webapp_url_must_be_https_except_on_this_machine(url: str, error: str) -> None:
    with pytest.raises(SettingsError, match="WEBAPP_URL") as raised:
        load_settings(webapp_url=url)
    assert error in str(raised.value)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8444/password-check/", "http://localhost/p/", "http://[::1]/p/"]
)
def test_plain_http_is_for_loopback(url: str) -> None:
    assert load_settings(webapp_url=url).webapp_url == url


def test_the_page_path_cannot_be_the_webhook(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="taken"):
        load_settings(
            webhook_url="https://bot.example.kz/tg",
            webhook_secret="s3cret",
            webapp_url="https://bot.example.kz/tg",
        )


def test_a_real_bot_does_not_start_without_the_built_page(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webapp_page, "DIST", tmp_path / "nothing")
    settings = load_settings(
        bot_token="123:abc",
        pii_secret="test-pii-secret-0123456789",
        database_url=sqlite_url,
        webapp_url=PUBLIC_URL,
    )
    with pytest.raises(SettingsError, match="WEBAPP_URL: the password check page is not built"):
        build_deps(settings)
