"""Guidance: answers free-text questions about e-signatures from the topics in content/.

Telegram-free. Build one `Matcher` at start-up (`Matcher.from_content()`) and share it: matching
is read-only and holds no per-call state apart from a bounded word cache.
"""

from bot.content import ContentError
from bot.guidance.content import DEFAULT_CONTENT_DIR
from bot.guidance.language_detector import LANGS, Lang, LanguageDetector, detect_language
from bot.guidance.lexicon import Lexicon, check_lexicon, load_lexicon
from bot.guidance.matcher import Matcher, MatcherConfig, MatchKind, MatchResult
from bot.guidance.scrub import scrub_question
from bot.guidance.topics import ACTIONS, Action, Topic, TopicText, check_topics, load_topics

__all__ = [
    "ACTIONS",
    "DEFAULT_CONTENT_DIR",
    "LANGS",
    "Action",
    "ContentError",
    "Lang",
    "LanguageDetector",
    "Lexicon",
    "MatchKind",
    "MatchResult",
    "Matcher",
    "MatcherConfig",
    "Topic",
    "TopicText",
    "check_lexicon",
    "check_topics",
    "detect_language",
    "load_lexicon",
    "load_topics",
    "scrub_question",
]
