"""A site's registry of places and equipment: kept as events, edited by site admins, imported
from CSV, and what complaints link to."""
