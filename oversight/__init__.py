"""The auditors' workspace (a face): search the trail, export it, review flags and break-glass,
subject access, and a case's field history. Reads the audit trail and every domain's history;
no domain imports it.
"""
