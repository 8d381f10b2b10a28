"""The password check page in a real browser (Debian's Chromium, driven by playwright-core):
the same verdicts as the bot's checker, no request after the page loads, nothing stored.

Parity is measured on the labelled set (tests/passwords/labelled_passwords.toml) and on a
generated set of the usual shapes: the page must give the same score for at least 95% and the
same "strong enough" verdict for all. The test also takes a screenshot of a verdict in each
language; with ESIGN_WEBAPP_SCREENSHOTS=DIR it writes them there (the README's are in
bot/passwords/webapp/screenshots/).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import string
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from bot.ops.pages import PageServer
from bot.passwords import check_password, resources
from bot.passwords.webapp_page import DIST, Page, routes

WEBAPP = DIST.parent
DRIVER = Path(__file__).with_name("webapp_browser.mjs")
LABELLED = Path(__file__).with_name("labelled_passwords.toml")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SAME_SCORE = 0.95
SCREENSHOT_PASSWORD = "Астана2024!"
USER = {"first_name": "Aigerim", "last_name": "Seitkali", "username": "aigerim_1990"}
THEME = {"bg_color": "#17212b", "text_color": "#f5f5f5", "button_color": "#5288c1"}


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return "Chromium is not installed (apt-get install chromium; .ci/run installs it)"
    if shutil.which("node") is None:
        return "node is not installed"
    if not (WEBAPP / "node_modules" / "playwright-core").is_dir():
        return "playwright-core is not installed: run `make webapp`"
    if not (DIST / "index.html").is_file():
        return "the page is not built: run `make webapp`"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=str(_missing()))


def labelled() -> list[str]:
    return [case["password"] for case in tomllib.loads(LABELLED.read_text("utf-8"))["case"]]


def generated(count: int = 60) -> list[str]:
    """Passwords of the usual shapes, from the checker's own dictionaries."""
    rng = random.Random(15)
    res = resources()
    words = sorted(res.lexicon.ranked)
    layout = res.spelling.layout
    alphabet = string.ascii_letters + string.digits + "!@#$%&*?"
    found = []
    for _ in range(count):
        word = rng.choice(words)
        found += [
            word.capitalize() + str(rng.randrange(1950, 2030)) + rng.choice("!.@"),
            "".join(layout.to_latin.get(c, c) for c in word.capitalize()) + str(rng.randrange(100)),
            "".join(rng.choice(alphabet) for _ in range(rng.randrange(6, 17))),
            " ".join(rng.sample(words, 3)),
            f"{rng.randrange(1, 29):02}.{rng.randrange(1, 13):02}.{rng.randrange(1950, 2010)}",
        ]
    return found


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ESIGN_WEBAPP_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sizes(paths: list[str]) -> list[int]:
    return [Path(path).stat().st_size for path in paths]


@pytest.fixture
async def page_url() -> AsyncIterator[str]:
    server = PageServer(routes(Page.load(), "/password-check/"), host="127.0.0.1", port=0)
    await server.start()
    try:
        yield f"http://127.0.0.1:{server.port}/password-check/"
    finally:
        await server.close()


async def drive(job: dict[str, Any]) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        "node",
        str(DRIVER),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(
        process.communicate(json.dumps(job).encode()), timeout=240
    )
    assert process.returncode == 0, stderr.decode()[-3000:]
    result: dict[str, Any] = json.loads(stdout)
    return result


def agreement(passwords: list[str], verdicts: list[dict[str, Any]]) -> dict[str, Any]:
    same_score = same_verdict = same_advice = 0
    differ = []
    for password, page in zip(passwords, verdicts, strict=True):
        bot = check_password(password)
        same_score += bot.score == page["score"]
        same_verdict += bot.strong_enough == page["strongEnough"]
        advice = (list(bot.warnings), list(bot.suggestions))
        same_advice += advice == (page["warnings"], page["suggestions"])
        if bot.score != page["score"]:
            differ.append((password, bot.score, page["score"]))
    n = len(passwords)
    return {
        "n": n,
        "score": same_score / n,
        "strong_enough": same_verdict / n,
        "advice": same_advice / n,
        "differ": differ,
    }


async def test_page_gives_the_bots_verdict_and_sends_nothing(page_url: str, shots: Path) -> None:
    fragment = "#tgWebAppData={}&tgWebAppThemeParams={}&tgWebAppVersion=8.0".format(
        quote("user=" + json.dumps(USER)), quote(json.dumps(THEME))
    )
    sets = {"labelled": labelled(), "generated": generated()}
    result = await drive(
        {
            "webappDir": str(WEBAPP),
            "executable": CHROMIUM,
            "url": page_url,
            "hash": fragment,
            "passwords": sets["labelled"] + sets["generated"],
            "userInputsCheck": {"password": "aigerim1990"},
            "screenshots": {"dir": str(shots), "password": SCREENSHOT_PASSWORD},
        }
    )

    verdicts = result["verdicts"]
    split = len(sets["labelled"])
    for name, passwords, page in (
        ("labelled", sets["labelled"], verdicts[:split]),
        ("generated", sets["generated"], verdicts[split:]),
    ):
        figures = agreement(passwords, page)
        print(
            f"\n{name} set, {figures['n']} passwords: same score {figures['score']:.1%}, "
            f"same 'strong enough' {figures['strong_enough']:.1%}, "
            f"same warnings and suggestions {figures['advice']:.1%}; differ: {figures['differ']}"
        )
        assert figures["score"] >= SAME_SCORE, figures
        assert figures["strong_enough"] == 1.0, figures

    # Loaded once, then offline: every verdict above came without the network.
    assert result["requestsAfterLoad"] == []
    assert all(url.startswith(page_url) for url in result["requests"]), result["requests"]
    checks = result["checks"]
    assert checks["cookies"] == 0
    assert checks["storage"] == 0
    assert checks["errors"] == []
    assert checks["telegramErrors"] == []
    assert checks["title"] == "Password check"

    # Inside Telegram: its theme, the language the bot asked for, the user's own name as context.
    assert checks["telegramBackground"] == "rgb(23, 33, 43)"
    assert checks["telegramLang"] == "ru"
    own = check_password("aigerim1990", [USER["first_name"], USER["last_name"], USER["username"]])
    page_own = checks["userInputVerdict"]
    assert page_own["score"] == own.score
    assert page_own["warnings"] == list(own.warnings)
    assert "user_input" in page_own["warnings"]

    assert sorted(Path(p).name for p in result["screenshots"]) == [
        "webapp-en.png",
        "webapp-kk.png",
        "webapp-ru.png",
    ]
    assert min(sizes(result["screenshots"])) > 10_000  # rendered pages, not blank ones
