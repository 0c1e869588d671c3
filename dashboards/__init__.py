"""The staff face's landing pages and navigation (a face): each role's dashboard and the header menu.

Reads every domain's selectors; no domain imports it.
"""
