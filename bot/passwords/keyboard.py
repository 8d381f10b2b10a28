"""The ЙЦУКЕН layout laid over QWERTY keys: wrong-layout spellings and Cyrillic keyboard walks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from zxcvbn.adjacency_graphs import ADJACENCY_GRAPHS

AdjacencyGraph = dict[str, list[str | None]]

QWERTY = "qwerty"


@dataclass(frozen=True)
class Layout:
    """Characters that share a key on the Latin (QWERTY) and Cyrillic (ЙЦУКЕН) layouts."""

    to_latin: Mapping[str, str]
    to_cyrillic: Mapping[str, str]
    cyrillic_shifted: frozenset[str]
    # Symbols that a Cyrillic capital gives on the Latin layout ({ for Х, : for Ж), each with
    # what the same key gives unshifted ([, ;): "{ktu" is Хлеб typed without switching.
    shifted_symbols: Mapping[str, str]

    @classmethod
    def from_rows(cls, latin: str, latin_shift: str, cyrillic: str, cyrillic_shift: str) -> Layout:
        latin_keys = latin + latin_shift
        cyrillic_keys = cyrillic + cyrillic_shift
        if len(latin) != len(cyrillic) or len(latin_shift) != len(cyrillic_shift):
            raise ValueError("layout rows differ in length")
        if len(set(latin_keys)) != len(latin_keys) or len(set(cyrillic_keys)) != len(cyrillic_keys):
            raise ValueError("a character sits on two keys")
        return cls(
            to_latin=dict(zip(cyrillic_keys, latin_keys, strict=True)),
            to_cyrillic=dict(zip(latin_keys, cyrillic_keys, strict=True)),
            cyrillic_shifted=frozenset(cyrillic_shift),
            shifted_symbols={
                shifted: plain
                for shifted, plain, letter in zip(latin_shift, latin, cyrillic_shift, strict=True)
                if not shifted.isalpha() and letter.isalpha()
            },
        )

    def typed_on_latin(self, word: str) -> str | None:
        """What typing a Cyrillic word gives when the Latin layout is on, if every key exists."""
        if not any(char in self.to_latin and char not in self.to_cyrillic for char in word):
            return None  # nothing Cyrillic in it: the same on both layouts
        try:
            return "".join(self.to_latin[char] for char in word)
        except KeyError:
            return None  # a letter the Russian layout lacks (Kazakh ә, қ, …): no single answer

    def as_cyrillic(self, typed: str) -> str:
        """What `typed` (on the Latin layout) reads as on ЙЦУКЕН, character by character."""
        return "".join(self.to_cyrillic.get(char, char) for char in typed)

    def cyrillic_graph(self) -> AdjacencyGraph:
        """zxcvbn's QWERTY adjacency graph with every key relabelled as on ЙЦУКЕН."""
        return {
            self.to_cyrillic[key]: [
                None if pair is None else "".join(self.to_cyrillic[char] for char in pair)
                for pair in neighbours
            ]
            for key, neighbours in ADJACENCY_GRAPHS[QWERTY].items()
        }
