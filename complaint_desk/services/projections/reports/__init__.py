"""Periodic reports (定期分析): figures, their PDF and CSV, issued once per period."""
