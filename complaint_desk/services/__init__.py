"""The four services, each a package run as ``python -m complaint_desk.services.<name>``.

Each service package exports what the tools need to run it without knowing its insides:
``MIGRATIONS`` (its folder of SQL migrations) and ``DEFAULT_PORT``; projections also exports
``rebuilders`` (each projection ``desk rebuild`` can rebuild from the log)."""

NAMES = ("intake", "sla", "notify", "projections")
