"""Every chart renders, in every language, for no data, one day of data and a busy period."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.guidance.content import DEFAULT_CONTENT_DIR
from bot.guidance.topics import load_topics
from bot.harness.media import inspect_photo
from bot.i18n import LANGS, Texts
from bot.insights.charts import CHARTS, Figures
from bot.insights.report import caption, chart_text
from bot.tghtml import MAX_CAPTION_LENGTH, parse
from tests.insights import samples

TEXTS = Texts.load()
TOPICS = load_topics(DEFAULT_CONTENT_DIR)
SAMPLES: dict[str, Callable[[], Figures]] = {
    "empty": samples.empty,
    "one_day": samples.one_day,
    "busy": samples.busy,
}


@pytest.mark.parametrize("sample", sorted(SAMPLES))
@pytest.mark.parametrize(("name", "draw"), CHARTS, ids=[name for name, _ in CHARTS])
def test_each_chart_is_a_phone_sized_png(
    sample: str, name: str, draw: Callable[..., bytes]
) -> None:
    figures = SAMPLES[sample]()
    titles = {k: t.text("ru").title for k, t in TOPICS.items()}
    photo = inspect_photo(draw(figures, chart_text(TEXTS, "ru", titles)))
    assert photo.kind == "png"
    assert (photo.width, photo.height) == (1024, 1280)  # Telegram's own photo size, portrait
    assert photo.size < 1_000_000


@pytest.mark.parametrize("lang", LANGS)
def test_charts_render_in_every_language(lang: str) -> None:
    titles = {k: t.text(lang).title for k, t in TOPICS.items()}  # type: ignore[arg-type]
    for _, draw in CHARTS:
        inspect_photo(draw(samples.busy(), chart_text(TEXTS, lang, titles)))  # type: ignore[arg-type]


def test_a_topic_the_content_no_longer_has_is_shown_by_its_id() -> None:
    figures = samples.one_day()
    figures.guidance.answered["retired-topic"] = [0] * 27 + [5]
    inspect_photo(CHARTS[0][1](figures, chart_text(TEXTS, "en", {})))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_the_caption_is_valid_html_within_telegrams_limit(lang: str, sample: str) -> None:
    text = caption(SAMPLES[sample](), TEXTS, lang)  # type: ignore[arg-type]
    assert len(parse(text).text) <= MAX_CAPTION_LENGTH


def test_the_caption_states_the_key_figures() -> None:
    text = parse(caption(samples.one_day(), TEXTS, "en")).text
    assert "Questions in 4 weeks: 5; no topic answered: 20%" in text
    assert "Helpful: 67% of 3 votes" in text
    assert "Open revocation requests: 1; median decision: 2.5 h" in text
    assert "40 of 43 delivered; subscribers: 43" in text
    assert "Work-chat catches this week: 3" in text
    empty = parse(caption(samples.empty(), TEXTS, "en")).text
    assert "no topic answered: —" in empty
    assert "No warnings sent yet" in empty
