"""Workflows of the Containers panel: one workflow per module."""
