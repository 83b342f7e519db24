"""Open311 GeoReport v2: other systems (a city's app, a building's kiosk) report problems and
follow them through the standard API, in JSON or XML."""
