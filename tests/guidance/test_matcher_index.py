"""The matcher's inverted index against dot products taken the plain way."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from bot.guidance.matcher import _Index

FEATURES = [f"f{i}" for i in range(12)]
vectors = st.lists(
    st.dictionaries(st.sampled_from(FEATURES), st.floats(0.01, 5.0), max_size=6), max_size=8
)


def _plain(
    parts: list[tuple[list[dict[str, float]], float]], query: dict[str, float]
) -> list[float]:
    """Each document's dot product with the query, over the features its part keeps."""
    scores = []
    for part, max_df_share in parts:
        kept = {f for f in FEATURES if sum(f in v for v in part) <= max_df_share * len(part)}
        scores.extend(sum(w * v.get(f, 0.0) for f, w in query.items() if f in kept) for v in part)
    return scores


@given(
    examples=vectors,
    centroids=vectors,
    share=st.sampled_from([0.0, 0.25, 0.5, 1.0]),
    query=st.dictionaries(
        st.sampled_from([*FEATURES, "unknown"]), st.floats(0.01, 5.0), max_size=8
    ),
)
def test_cosines_are_the_plain_dot_products(
    examples: list[dict[str, float]],
    centroids: list[dict[str, float]],
    share: float,
    query: dict[str, float],
) -> None:
    parts = [(examples, share), (centroids, 1.0)]
    index = _Index(*parts)
    got = index.cosines(query).tolist()
    expected = _plain(parts, query)
    assert index.size == len(examples) + len(centroids) == len(got)
    assert all(
        math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) for a, b in zip(got, expected, strict=True)
    )


def test_a_query_of_unknown_or_common_features_scores_nothing() -> None:
    common = {"everywhere": 1.0}
    index = _Index(([common, common, {"rare": 1.0}], 0.5))
    assert index.cosines({"everywhere": 1.0, "unheard": 2.0}).tolist() == [0.0, 0.0, 0.0]
    assert index.cosines({"rare": 0.5}).tolist() == [0.0, 0.0, 0.5]
    assert _Index().cosines({"rare": 1.0}).tolist() == []
