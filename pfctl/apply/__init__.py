"""Plans and their execution: manifests + live jobs -> a plan (``planner``, with ``compare``),
carried out by the ``applier``; ``model`` holds the values (``DesiredJob``, ``LiveJob``, ``Plan``),
``steps`` the stages `pfctl diff` and `pfctl apply` share (reading the server, planning, waiting
for the applied jobs), and ``render`` shows plans and apply reports as text or JSON."""
