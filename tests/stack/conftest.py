"""Every test under tests/stack needs the real local OpenStack (the `openstack` fixture of
tests/stackfixtures.py, registered once for the whole run by tests/conftest.py)."""
from __future__ import annotations

import os
from typing import Any

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def pytest_collection_modifyitems(config: Any, items: list) -> None:
    """Every test under tests/stack needs the stack: mark it `stack`."""
    for item in items:
        if str(item.fspath).startswith(HERE + os.sep):
            item.add_marker(pytest.mark.stack)
