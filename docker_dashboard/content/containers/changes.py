"""`docker diff` output as a tree grouped by directory, paged so 50,000 paths stay usable."""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

KINDS = {0: 'C', 1: 'A', 2: 'D'}  # Docker's Kind: 0 changed, 1 added, 2 deleted
DIRECTORIES_PER_PAGE = 100
ENTRIES_PER_DIRECTORY = 200


@dataclass
class Directory:
    path: str
    entries: list = field(default_factory=list)   # (name, kind letter), sorted by name
    counts: dict = field(default_factory=lambda: {'A': 0, 'C': 0, 'D': 0})

    @property
    def total(self) -> int:
        return len(self.entries)

    def shown_entries(self) -> list:
        return self.entries[:ENTRIES_PER_DIRECTORY]

    @property
    def hidden(self) -> int:
        return max(0, self.total - ENTRIES_PER_DIRECTORY)


@dataclass
class ChangesPage:
    directories: list
    counts: dict
    total_paths: int
    total_directories: int
    page: int
    pages: int


def changes_page(changes: list, page: int = 1, per_page: int = DIRECTORIES_PER_PAGE) -> ChangesPage:
    """Group changes by parent directory (sorted), count A/C/D overall and per directory, return one page.

    Directory entries themselves (e.g. a changed /etc) are listed under their parent like files,
    so every path appears exactly once.
    """
    grouped: dict = {}
    counts = {'A': 0, 'C': 0, 'D': 0}
    for change in changes:
        path = change.get('Path') or ''
        kind = KINDS.get(change.get('Kind'), 'C')
        counts[kind] += 1
        parent, name = posixpath.split(path)
        directory = grouped.get(parent)
        if directory is None:
            directory = grouped[parent] = Directory(path=parent or '/')
        directory.entries.append((name, kind))
        directory.counts[kind] += 1
    ordered = [grouped[key] for key in sorted(grouped)]
    pages = max(1, -(-len(ordered) // per_page))
    page = min(max(1, page), pages)
    shown = ordered[(page - 1) * per_page:page * per_page]
    for directory in shown:
        directory.entries.sort()
    return ChangesPage(directories=shown, counts=counts, total_paths=len(changes),
                       total_directories=len(ordered), page=page, pages=pages)
