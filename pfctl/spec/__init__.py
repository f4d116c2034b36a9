"""What a PaddleFlow job request may be, shared by validate, the SDK and the local server.

The JSON Schemas (``schemas``), PaddleFlow's create rules that need no database (``rules``), the
Argo Workflow subset the local executor runs (``argo_subset``), resource quantities
(``quantity``), job statuses and their transition rule (``statuses``), JSON paths (``paths``) and
the masking of secret values wherever a job is shown (``secrets``).
Every module here is pure and light: no I/O beyond reading the packaged schema files.
"""
