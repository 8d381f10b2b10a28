"""Features link to each other by entry point names, checked when the bot is built."""

from __future__ import annotations

import pytest

from bot.app import FEATURES, build_deps
from bot.config import Settings
from bot.runtime import EntryPoint, Feature, LinkError, Links, check_links


def test_every_link_of_the_shipped_features_resolves() -> None:
    published = check_links(FEATURES)
    for feature in FEATURES:
        for name in (*feature.links.needs, *feature.links.may_use):
            assert name in published, (feature.name, name)


def test_a_missing_need_stops_the_start(settings: Settings) -> None:
    without_signatures = tuple(f for f in FEATURES if f.name != "signatures")
    with pytest.raises(LinkError, match=r"revocations needs 'signatures\.status'"):
        build_deps(settings, without_signatures)


def test_a_missing_optional_link_is_left_out(settings: Settings) -> None:
    guidance_alone = tuple(f for f in FEATURES if f.name in ("core", "guidance", "fallbacks"))
    deps = build_deps(settings, guidance_alone)
    assert deps.entry_point("passwords.check") is None


def test_names_start_with_the_feature_and_are_published_once() -> None:
    stray = Feature(name="a", links=Links(publishes={"b.x": EntryPoint("a:x")}))
    with pytest.raises(LinkError, match="names start with its own"):
        check_links([stray])
    twice = Feature(name="a", links=Links(publishes={"a.x": EntryPoint("a:x")}))
    with pytest.raises(LinkError, match="published twice"):
        check_links([twice, twice])


def test_parameters_follow_the_callback_data() -> None:
    assert EntryPoint("rv:pick").data(42) == "rv:pick:42"
    assert EntryPoint("sig:status", "status").data() == "sig:status"
