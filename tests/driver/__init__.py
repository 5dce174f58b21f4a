"""Tests of the nova_docker virt driver against a real private dockerd."""
