"""The fast conversion of a plain YAML node graph: no alias, no problem, no merge key.

Most manifests are plain. ``convert_plain`` converts them with no bookkeeping for locations or
aliases, and gives up (``NotPlain``) at the first node that needs ``pfctl.manifests.convert``; a
property test checks that both give the same data.
"""

from __future__ import annotations

from typing import Any

import yaml

from pfctl.manifests.convert import MAX_DEPTH, ParseError, convert_scalar
from pfctl.manifests.nodes import IMPLICIT_FIRST_CHARACTERS, MAP, SEQ, STR, scalar_tag

__all__ = ["NotPlain", "convert_plain"]

#: The types of the converted values that mean "unset" when empty: null, "", {} and [] (what
#: ``checks.strip_unset`` removes from mappings).
_UNSET_TYPES = frozenset({type(None), str, dict, list})

#: Plain scalars converted before: their text (a number, a boolean, null) decides their value.
_PLAIN_VALUES: dict[str, Any] = {}
_PLAIN_VALUES_LIMIT = 4096
_PLAIN_TEXT_LIMIT = 64
_UNKNOWN = object()


class NotPlain(Exception):
    """A node the fast conversion leaves to ``NodeConverter``."""


def convert_plain(node: yaml.Node, depth: int, unset: list[bool]) -> Any:
    """``NodeConverter.convert`` for a node graph without aliases, problems or merge keys, which
    raises ``NotPlain`` instead of reporting anything; appends to ``unset`` when a mapping
    holds an unset value (null, "", {} or [])."""
    if type(node) is yaml.ScalarNode:
        plain = node.tag == STR and not node.style
        if not plain:
            if node.tag == STR:
                return node.value  # quoted or block
        else:
            text = node.value
            if text[:1] not in IMPLICIT_FIRST_CHARACTERS:
                return text
            known = _PLAIN_VALUES.get(text, _UNKNOWN)
            if known is not _UNKNOWN:
                return known
        try:
            value = convert_scalar(node, ())
        except ParseError:
            raise NotPlain from None
        if plain and len(_PLAIN_VALUES) < _PLAIN_VALUES_LIMIT and len(text) <= _PLAIN_TEXT_LIMIT:
            _PLAIN_VALUES[text] = value  # a plain scalar's value depends on its text only
        return value
    if depth >= MAX_DEPTH:
        raise NotPlain
    kind = type(node)
    if kind is yaml.MappingNode and node.tag == MAP:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode:
                raise NotPlain
            key = key_node.value
            string_key = key_node.tag == STR and (
                key_node.style or key[:1] not in IMPLICIT_FIRST_CHARACTERS
            )
            if key in result or not (string_key or scalar_tag(key_node) == STR):
                raise NotPlain  # a repeated key, a typed key or a merge key
            if (
                type(value_node) is yaml.ScalarNode
                and value_node.tag == STR
                and (value_node.style or value_node.value[:1] not in IMPLICIT_FIRST_CHARACTERS)
            ):
                value = value_node.value  # the common case, a string, without a call
            else:
                value = convert_plain(value_node, depth + 1, unset)
            if not value and type(value) in _UNSET_TYPES:
                unset.append(True)
            result[key] = value
        return result
    if kind is yaml.SequenceNode and node.tag == SEQ:
        return [convert_plain(item, depth + 1, unset) for item in node.value]
    raise NotPlain
