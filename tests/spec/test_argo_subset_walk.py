"""The fast walk of ``pfctl.spec.argo_subset`` over workflow templates finds what the plain walk
(every value pushed with its full path) finds, in the same order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pfctl.spec.argo_subset import _Checker


def old_expression_walk(checker: _Checker, root: Any, path: tuple[Any, ...]) -> None:
    """The walk before paths were built lazily: every value pushed with its full path."""
    pending: list[tuple[Any, tuple[Any, ...]]] = [(root, path)]
    while pending:
        value, where = pending.pop()
        if isinstance(value, str):
            checker.expressions_in(value, where, {"p"})
        elif isinstance(value, Mapping):
            items = [(item, (*where, str(key))) for key, item in value.items()]
            pending.extend(reversed(items))
        elif isinstance(value, list):
            pending.extend(reversed([(item, (*where, i)) for i, item in enumerate(value)]))


EXPRESSION_STRINGS = st.sampled_from(
    [
        "plain",
        "{{inputs.parameters.a}}",
        "x {{workflow.parameters.p}} {{workflow.parameters.q}}",
        "{{ item }}",
        "{{workflow.name}}{{steps.x.outputs}}",
        "{ {not} }",
        "{{",
    ]
)
TEMPLATE_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), EXPRESSION_STRINGS),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(["a", "b", "c"]), st.integers(0, 2)), children),
    ),
    max_leaves=20,
)


@given(TEMPLATE_VALUES)
def test_expressions_are_found_in_document_order_as_before(value: Any) -> None:
    fast, old = _Checker(), _Checker()
    fast.expressions(value, ("spec", "templates"), {"p"})
    old_expression_walk(old, value, ("spec", "templates"))
    assert fast.problems == old.problems
