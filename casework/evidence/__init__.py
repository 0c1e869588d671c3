"""The evidence vault: streaming envelope encryption of evidence files (DESIGN section 5)."""
