"""The REST API: the same chokepoints, services and audit events as the web pages, answered in JSON.

Every view reads through `visible_to` / `get_visible_object` (an object the caller may not see is a
404), changes through the services by way of the pages' own step tables and forms, and records
the same audit events as the page that shows or changes the same thing.
"""
