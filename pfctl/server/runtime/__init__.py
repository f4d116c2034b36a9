"""The local job runtime: scheduler, process executor, workflows and logs.

``create_runtime`` (in ``runner``) builds the ``JobRuntime`` the API server calls; the other
modules are small pure pieces (placement, frameworks, workflow) and the process layer. A job's
request comes from ``pfctl.spec.resources``, shared with the create check.
"""
