"""Match a free-text question to a Guidance topic, or say honestly that none fits.

Every topic title and example, in all three languages, becomes a TF-IDF vector over folded text
(see text.py): character 3- and 4-grams, which absorb Kazakh and Russian endings and typos; whole
words; and concepts from the lexicon (every spelling of ЭЦП, of "give", of "lost"...), which carry
meaning across languages and weigh most. A question scores each topic by its closest example and
by the topic's centroid.

Claiming a topic is a separate decision. A question naming an anchor concept (ЭЦП, key, token,
certificate...) needs only a modest score; one without needs a closer match, must be worded
mostly the way the topics are, and must not be about something the lexicon calls foreign (a
phone, a passport). Otherwise the answer is "none", with suggestions when there are any.

Everything is built once; a match walks a few dictionaries.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeAlias, cast

import numpy as np
from numpy.typing import NDArray

from bot import content
from bot.digest import files_digest
from bot.guidance.language_detector import LanguageDetector
from bot.guidance.lexicon import LEXICON_DIR, SMALLTALK_KINDS, Lexicon, load_lexicon
from bot.guidance.text import Folder, PhraseTagger, Token
from bot.guidance.topics import TOPICS_DIR, Topic, load_topics
from bot.i18n import Lang

MatchKind: TypeAlias = Literal["topic", "greeting", "thanks", "none"]
Vector: TypeAlias = dict[str, float]
_CONCEPT = "#"
_WORD = "="


@dataclass(frozen=True)
class MatcherConfig:
    """Tuned by leave-one-out over the topic examples and a separate list of off-topic questions;
    tests/guidance/eval_set.toml then checks the result on questions written apart from both."""

    gram_sizes: tuple[int, ...] = (3, 4)
    # Weights relative to one character n-gram of the same rarity. Concepts carry meaning across
    # languages and spellings, so they lead; whole words make an exact word count for more than
    # a shared ending, and make a word no topic uses weigh against a match.
    concept_weight: float = 8.0
    word_weight: float = 0.5
    nearest_weight: float = 0.3  # share of the closest example in a topic's score; rest: centroid
    nearest_max_df_share: float = 0.1
    min_score: float = 0.20  # with an anchor concept ("ЭЦП", "key", "token"...) in the question
    # Without an anchor the question may be about something else, so it must match more closely
    # and use mostly wording the topics know (see _known_share).
    min_score_unanchored: float = 0.33
    min_known_share: float = 0.60
    alternative_min: float = 0.15
    alternative_ratio: float = 0.6  # alternatives must score at least this share of the best
    max_alternatives: int = 3
    smalltalk_max_extra_words: int = 2  # "привет бот" is a greeting, "привет, как дела?" too
    fuzzy_from: int = 5  # shortest word in which a typo is guessed
    max_chars: int = 500  # longer text is cut: keeps the cost of one question bounded


@dataclass(frozen=True)
class MatchResult:
    topic: str | None
    score: float
    lang: Lang | None
    alternatives: list[tuple[str, float]] = field(default_factory=list)
    kind: MatchKind = "none"


@dataclass(frozen=True)
class _Analysis:
    vector: Vector
    anchored: bool  # names something only e-signature questions name
    foreign: bool  # names something outside the bot's remit
    known_share: float
    smalltalk: frozenset[str]
    content_words: int  # words left after stop words and small talk


class _Index:
    """Sparse vectors as inverted lists, one feature's postings contiguous in two numpy arrays.

    Scoring walks only the features a question has. As Python lists of (document, weight)
    pairs the same walk cost four times as much inside the bot as in a benchmark of it alone:
    every posting was a few objects scattered over a heap that the rest of each update had
    pushed out of the CPU's caches. The documents come in parts (the examples, then the
    topics' centroids), numbered on across parts, so that one walk scores all of them; each
    part keeps its own limit on common features. Sums are taken in the order of a plain loop.
    """

    def __init__(self, *parts: tuple[Sequence[Vector], float]) -> None:
        """`parts`: each a list of vectors and the largest share of them a kept feature may
        be in (1.0 keeps all)."""
        self.size = 0
        postings: dict[str, list[tuple[int, float]]] = {}
        for vectors, max_df_share in parts:
            part: dict[str, list[tuple[int, float]]] = {}
            for doc, vector in enumerate(vectors, start=self.size):
                for feature, weight in vector.items():
                    part.setdefault(feature, []).append((doc, weight))
            # A feature in most documents (every spelling of "ЭЦП") hardly tells them apart
            # but walking its list would be most of the work; vectors stay normalised with it.
            limit = max_df_share * len(vectors)
            for feature, listed in part.items():
                if len(listed) <= limit:
                    postings.setdefault(feature, []).extend(listed)
            self.size += len(vectors)
        kept = list(postings.items())
        self._rows = {feature: row for row, (feature, _) in enumerate(kept)}
        self._lengths = np.array([len(p) for _, p in kept], dtype=np.intp)
        self._starts = np.cumsum(self._lengths) - self._lengths
        self._docs = np.array([doc for _, p in kept for doc, _ in p], dtype=np.intp)
        self._weights = np.array([weight for _, p in kept for _, weight in p], dtype=np.float64)

    def cosines(self, query: Vector) -> NDArray[np.float64]:
        rows: list[int] = []
        weights: list[float] = []
        for feature, weight in query.items():
            row = self._rows.get(feature)
            if row is not None:
                rows.append(row)
                weights.append(weight)
        if not rows:
            return np.zeros(self.size)
        lengths = self._lengths[rows]
        ends = np.cumsum(lengths)
        # Every posting of those rows, row after row: each row's offset, then a running count.
        at = np.repeat(self._starts[rows] - (ends - lengths), lengths) + np.arange(ends[-1])
        products = self._weights[at] * np.repeat(weights, lengths)
        sums = np.bincount(self._docs[at], weights=products, minlength=self.size)
        return cast(NDArray[np.float64], sums)  # with weights, the sums are floats


def _normalise(vector: Vector) -> Vector:
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {f: w / norm for f, w in vector.items()} if norm else {}


class Matcher:
    def __init__(
        self,
        topics: Mapping[str, Topic],
        lexicon: Lexicon,
        config: MatcherConfig | None = None,
    ) -> None:
        self.config = config or MatcherConfig()
        self._folder = Folder.from_lexicon(lexicon)
        self._language = LanguageDetector(lexicon, self._folder)
        self._stopwords = frozenset(
            self._folder.fold(w) for words in lexicon.stopwords.values() for w in words
        )
        self._concepts = PhraseTagger(
            self._folder,
            (
                (term, c.name)
                for c in lexicon.concepts
                for terms in c.terms.values()
                for term in terms
            ),
            fuzzy_from=self.config.fuzzy_from,
            no_fuzzy=self._stopwords,
        )
        self._anchors = frozenset(c.name for c in lexicon.concepts if c.anchor)
        self._foreign = frozenset(c.name for c in lexicon.concepts if c.foreign)
        self._smalltalk = PhraseTagger(
            self._folder,
            (
                (term, kind)
                for kind in SMALLTALK_KINDS
                for terms in lexicon.smalltalk[kind].values()
                for term in terms
            ),
            fuzzy_from=self.config.fuzzy_from,
            no_fuzzy=self._stopwords,
        )
        self._topic_ids = sorted(topics)
        self._build(topics)

    @classmethod
    def from_content(cls, content_dir: Path | None = None) -> Matcher:
        """From `content_dir`, by default the content directory in use."""
        folder = content_dir or content.directory()
        return cls(load_topics(folder), load_lexicon(folder))

    @classmethod
    def shared(cls, content_dir: Path | None = None) -> Matcher:
        """`from_content`, built once per process for the same files and shared.

        Building takes about 0.1 s and a built matcher is read-only, so every Application in
        the process (the test suite starts hundreds) can use one. The key is the files' bytes:
        edited content gets a matcher of its own.
        """
        content_dir = content_dir or content.directory()
        digest = files_digest(content_dir, TOPICS_DIR, LEXICON_DIR)
        return _shared_matcher(content_dir.resolve(), digest)

    # --- building ---------------------------------------------------------------------------

    def _build(self, topics: Mapping[str, Topic]) -> None:
        docs: list[dict[str, int]] = []
        self._doc_topic: list[int] = []
        run_starts: list[int] = []  # each topic's documents follow one another
        for number, topic_id in enumerate(self._topic_ids):
            start = len(docs)
            for text in topics[topic_id].texts.values():
                for sample in (text.title, *text.examples):
                    docs.append(self._features(self._folder.tokens(sample))[0])
                    self._doc_topic.append(number)
            run_starts.append(start)
        df: dict[str, int] = {}
        for counts in docs:
            for feature in counts:
                df[feature] = df.get(feature, 0) + 1
        total = len(docs)
        self._idf = {f: math.log((total + 1) / (n + 1)) + 1 for f, n in df.items()}
        # A feature no example has still counts against the question: it is something the
        # question talks about that no topic does.
        self._unknown_idf = math.log(total + 1) + 1
        vectors = [self._weigh(counts) for counts in docs]
        centroids: list[Vector] = [{} for _ in self._topic_ids]
        for vector, number in zip(vectors, self._doc_topic, strict=True):
            for feature, weight in vector.items():
                centroids[number][feature] = centroids[number].get(feature, 0.0) + weight
        self._run_starts = np.array(run_starts, dtype=np.intp)
        self._examples_count = len(vectors)
        self._index = _Index(
            (vectors, self.config.nearest_max_df_share), ([_normalise(c) for c in centroids], 1.0)
        )

    def _weigh(self, counts: Mapping[str, int]) -> Vector:
        vector = {}
        for feature, count in counts.items():
            weight = (1 + math.log(count)) * self._idf.get(feature, self._unknown_idf)
            if feature[0] == _CONCEPT:
                weight *= self.config.concept_weight
            elif feature[0] == _WORD:
                weight *= self.config.word_weight
            vector[feature] = weight
        return _normalise(vector)

    def _grams(self, word: str) -> Iterable[str]:
        padded = f" {word} "
        if len(padded) <= min(self.config.gram_sizes):
            yield padded
            return
        for size in self.config.gram_sizes:
            for start in range(len(padded) - size + 1):
                yield padded[start : start + size]

    def _features(self, tokens: Sequence[Token]) -> tuple[dict[str, int], _Analysis]:
        """Feature counts of a text, and what the matcher decides with besides the vector."""
        words = [t.folded for t in tokens if t.folded]
        smalltalk = self._smalltalk.tag(words)
        polite = {i for span in smalltalk for i in range(span.start, span.end)}
        # "Спасибо большое" is thanks, not a question about sharing ("бөліс-").
        spans = [
            span
            for span in self._concepts.tag(words)
            if not polite.intersection(range(span.start, span.end))
        ]
        concepts = {span.label for span in spans}
        counts: dict[str, int] = {}
        content_words = 0
        for i, word in enumerate(words):
            if i in polite or word in self._stopwords:
                continue
            content_words += 1
            for gram in self._grams(word):
                counts[gram] = counts.get(gram, 0) + 1
            key = _WORD + word
            counts[key] = counts.get(key, 0) + 1
        for span in spans:
            key = _CONCEPT + span.label
            counts[key] = counts.get(key, 0) + 1
        analysis = _Analysis(
            vector={},
            anchored=not concepts.isdisjoint(self._anchors),
            foreign=not concepts.isdisjoint(self._foreign),
            known_share=1.0,
            smalltalk=frozenset(span.label for span in smalltalk),
            content_words=content_words,
        )
        return counts, analysis

    # --- matching ---------------------------------------------------------------------------

    def _analyse(self, tokens: Sequence[Token]) -> _Analysis:
        counts, analysis = self._features(tokens)
        vector = self._weigh(counts)
        return replace(analysis, vector=vector, known_share=self._known_share(vector))

    def _known_share(self, vector: Vector) -> float:
        """How much of the wording any topic example uses: low for "пароль от вайфая"."""
        total = known = 0.0
        for feature, weight in vector.items():
            if feature[0] == _CONCEPT:
                continue
            total += weight * weight
            if feature in self._idf:
                known += weight * weight
        return known / total if total else 1.0

    def scores(self, text: str) -> dict[str, float]:
        """Every topic's score for `text`: for tuning and diagnostics."""
        tokens = self._folder.tokens(text[: self.config.max_chars])
        return self._scores(self._analyse(tokens).vector)

    def _scores(self, query: Vector) -> dict[str, float]:
        if not query:
            return dict.fromkeys(self._topic_ids, 0.0)
        cosines = self._index.cosines(query)
        examples, centroids = cosines[: self._examples_count], cosines[self._examples_count :]
        # A topic's examples are one run of documents: the nearest is the run's maximum.
        nearest = np.maximum(np.maximum.reduceat(examples, self._run_starts), 0.0)
        share = self.config.nearest_weight
        scores = share * nearest + (1 - share) * centroids
        return dict(zip(self._topic_ids, scores.tolist(), strict=True))

    def match(self, text: str) -> MatchResult:
        config = self.config
        tokens = self._folder.tokens(text[: config.max_chars])
        lang = self._language.detect_tokens(tokens)
        analysis = self._analyse(tokens)
        ranked = sorted(self._scores(analysis.vector).items(), key=lambda item: -item[1])
        best_id, best = ranked[0] if ranked else ("", 0.0)
        if best <= 0:
            claimed = False
        elif analysis.anchored:
            claimed = best >= config.min_score
        else:
            claimed = (
                not analysis.foreign
                and best >= config.min_score_unanchored
                and analysis.known_share >= config.min_known_share
            )
        floor = max(config.alternative_min, config.alternative_ratio * best)
        # Nothing to suggest for a question about another service ("I lost my passport").
        suggest = analysis.anchored or not analysis.foreign
        alternatives = [
            (topic_id, round(score, 4))
            for topic_id, score in ranked[1 if claimed else 0 :]
            if score >= floor and suggest
        ][: config.max_alternatives]
        if claimed:
            return MatchResult(best_id, round(best, 4), lang, alternatives, "topic")
        kind = self._smalltalk_kind(analysis)
        if kind is not None:
            return MatchResult(None, round(best, 4), lang, [], kind)
        return MatchResult(None, round(best, 4), lang, alternatives, "none")

    def _smalltalk_kind(self, analysis: _Analysis) -> MatchKind | None:
        if analysis.content_words > self.config.smalltalk_max_extra_words:
            return None
        # "Спасибо, до свидания" thanks rather than greets.
        if "thanks" in analysis.smalltalk:
            return "thanks"
        if "greeting" in analysis.smalltalk:
            return "greeting"
        return None


@lru_cache(maxsize=4)
def _shared_matcher(content_dir: Path, _digest: str) -> Matcher:
    return Matcher.from_content(content_dir)
