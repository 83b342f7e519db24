"""Problem records and preventive inspections: their commands and events."""
