"""The suite's root: isolation for every test and the shared fixtures, registered once from
``tests.helpers.fixtures`` (``_isolated_home``, ``pf_server``, ``start_pf_server``, ``api_server``,
``root_api``, ``make_user``, ``settings``, ``client``, ``scripted_server``, ``prefix``); the
helpers themselves are in ``tests/helpers/`` (see its ``__init__``).

``ServerHandle`` and ``launch_pf_server`` stay importable from here; their home is
``tests.helpers.server``.
"""

from __future__ import annotations

import pytest

# Before anything imports them, so the helpers' asserts (assert_error, ...) explain failures.
pytest.register_assert_rewrite("tests.helpers")

from tests.helpers.server import ServerHandle, launch_pf_server  # noqa: E402

pytest_plugins = ["tests.helpers.fixtures"]

__all__ = ["ServerHandle", "launch_pf_server"]
