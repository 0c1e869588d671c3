"""Shared infrastructure with no domain: form styling, encrypted fields, counters, throttling, the
client's address, CSV downloads, field history and the refusal every rule raises.

The bottom layer: it imports only Django and libraries, never another app of this project.
"""
