"""The local job runtime: scheduler, process executor, workflows and logs.

``create_runtime`` (in ``runner``) builds the ``JobRuntime`` the API server calls; the other
modules are small pure pieces (placement, resources, frameworks, workflow) and the process layer.
"""
