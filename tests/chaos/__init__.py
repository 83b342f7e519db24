"""The fault-injection suite: a realistic workload under faults, then proof that nothing
acknowledged was lost and nothing took effect twice. Run ``make chaos`` (the short profile)
or ``python -m tests.chaos --profile long``."""
