"""The benchmark of the default bake against its floor; `benchmarks/run.py` is the entry point.

Modules by concern: `constants` (sizes, paths, targets), `results` (the typed results document),
`servers` (processes, readiness, RSS), `provision` (bake, install, machine facts), `data` (seed, tokens),
`load` (wrk), `celery_runs` (the Celery service and floor), `report` (ratios, targets, table,
chart) and `cli` (arguments and the run itself).
"""
