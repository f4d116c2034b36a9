"""What the tests share: one server harness, one login, one set of job builders, one way to run
the CLI, and the fixtures used by more than one test folder.

- ``server``: ``ServerHandle`` (a server subprocess: wait until it answers, ``kill()`` = SIGKILL,
  ``stop()`` = SIGTERM and wait, ``url``, ``data_dir``, ``log_path``), ``launch_pf_server``
  (``pfctl server run``), ``RuntimeServer`` and ``launch_runtime_server`` (the same handle on
  ``tests/server/runtime/serve.py``, with a root ``Api``), ``private_server``, ``isolated_environ``,
  ``free_port``, ``process_running``.
- ``api``: ``Api`` (a requests session bound to a server and a token), ``login``, ``login_token``,
  ``assert_error``, ``create``, ``PREFIX``, ``FINAL``, ``LOG_PARAMS``.
- ``jobs``: the job builders: ``single_body`` (an API body), ``fresh_single`` (with a fresh id and
  a name), ``single_manifest`` and ``write_manifests`` (for apply), ``stored_job`` (a store row),
  ``SINGLE_EXAMPLE``, ``PADDLE_PS_EXAMPLE`` and ``WORKFLOW`` (PaddleFlow-shaped documents),
  ``unique_id``.
- ``cli``: ``run_pfctl`` and ``start_pfctl`` (the CLI in a subprocess), ``in_process_pfctl`` (the
  CLI's entry point in the test's process).
- ``fixtures``: the pytest plugin ``tests/conftest.py`` registers: ``_isolated_home`` (autouse),
  ``pf_server``, ``start_pf_server``, ``api_server``, ``root_api``, ``make_user``, ``settings``,
  ``client``, ``scripted_server``, ``prefix``.

Folder-specific fixtures stay in their folder's conftest (``runtime_server`` in tests/server,
``fuzz_server`` in tests/reliability, ``pfctl``, ``manifests`` and ``root_client`` in tests/cli,
``dropping_server`` in tests/client).
"""
