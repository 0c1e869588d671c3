"""Demo data for trying the system locally (`manage.py seed_demo`), built through the real services."""
