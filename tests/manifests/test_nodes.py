"""YAML nodes as pfctl reads them: plain-scalar typing and locating paths through merge keys."""

from __future__ import annotations

import yaml
from hypothesis import given
from hypothesis import strategies as st

from pfctl.manifests.nodes import scalar_tag
from pfctl.manifests.parse import parse_yaml
from tests.manifests.test_fastconvert import KEY_TOKENS, TOKENS


@given(st.lists(st.sampled_from(TOKENS + KEY_TOKENS), min_size=1, max_size=20))
def test_scalar_tags_are_the_safe_loaders_every_time(values: list[str]) -> None:
    resolver = yaml.resolver.Resolver()
    for value in values * 2:  # the second time, from the table of known tags
        node = yaml.ScalarNode("tag:yaml.org,2002:str", value, style="")
        assert scalar_tag(node) == resolver.resolve(yaml.ScalarNode, value, (True, False))


def test_keys_are_located_through_merge_keys_only() -> None:
    text = (
        "base: &b {image: x, port: 1}\n"
        "plain:\n  <<: *b\n  name: p\n"
        "quoted:\n  '<<': {image: y}\n"
        "tagged:\n  !!merge m: *b\n"
    )
    [document], _ = parse_yaml("s", text)
    locate = document.locator.locate
    assert locate(("plain", "name")) == (4, 9)
    assert locate(("plain", "image")) == (1, 18)  # in the merged mapping
    assert locate(("plain", "image"), at_key=True) == (1, 11)
    assert locate(("quoted", "image")) == (6, 3)  # `'<<'` is a key like any other: not found
    assert locate(("quoted", "<<", "image")) == (6, 17)
    assert locate(("tagged", "port")) == (1, 27)  # an explicit merge tag merges
