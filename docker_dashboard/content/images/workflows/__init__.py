"""Workflows of the Docker Images panel (one per file)."""
