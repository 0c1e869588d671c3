"""Investigations and their work. Models arrive with the casework features."""
