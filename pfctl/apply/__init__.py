"""Plans and their execution: manifests + live jobs -> a plan (``planner``), carried out by the
``applier``; ``steps`` are the stages `pfctl diff` and `pfctl apply` share, ``render`` shows a
plan as text or JSON."""
