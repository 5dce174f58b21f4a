"""When the nova_docker image cache manager will remove a cached Glance image from a host.

The driver tags a cached Glance image ``glance/<id>:latest`` and keeps its usage record as a second tag
on the same Docker image, ``glance/<id>:used-<unix time>-keep-<seconds>`` (``-keep-`` left out when the
host's cache manager removes nothing). Both arrive with the image rows of `docker system df` the
Docker Hosts panel already fetches: no extra Docker call, no copy of nova-compute's settings here.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any, Mapping

from docker_dashboard.api.images import CACHE_REPOSITORY

CACHE_TAG = 'latest'
_STATE_TAG = re.compile(r'^used-(\d{1,12})(?:-keep-(\d{1,12}))?$')

IN_USE = 'in-use'            # a container on the host uses the image
NEXT_PASS = 'next-pass'      # unused and gone from Glance (or no longer active): the next pass removes it
AFTER = 'after'              # unused: removed by the first pass after `at`
NEVER = 'never'              # the host's cache manager removes nothing (remove_unused_base_images off)
NOT_SEEN = 'not-seen'        # no pass has seen it yet (loaded since the last one)


@dataclass(frozen=True)
class CacheRemoval:
    """When the cache manager removes the copy of one Glance image: `state` and, for AFTER, `at`."""

    glance_id: str
    state: str
    at: datetime.datetime | None = None
    last_used: datetime.datetime | None = None


def _time(seconds: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)


def cache_records(image_row: Mapping[str, Any]) -> dict:
    """Glance id -> usage record match (or None) for every cache tag of one image row."""
    prefix = CACHE_REPOSITORY + '/'
    cached, records = [], {}
    for repo_tag in image_row.get('RepoTags') or ():
        repository, _sep, tag = repo_tag.rpartition(':')
        if not repository.startswith(prefix):
            continue
        glance_id = repository[len(prefix):]
        match = _STATE_TAG.match(tag)
        if tag == CACHE_TAG:
            cached.append(glance_id)
        elif match:
            records[glance_id] = match
    return {glance_id: records.get(glance_id) for glance_id in cached}


def is_record_tag(repo_tag: str) -> bool:
    """Whether a repo:tag is a usage record rather than a name of the image."""
    repository, _sep, tag = repo_tag.rpartition(':')
    return repository.startswith(CACHE_REPOSITORY + '/') and bool(_STATE_TAG.match(tag))


def cache_removals(image_row: Mapping[str, Any], glance_status: Mapping[str, str] | None
                   ) -> dict:
    """Glance id -> CacheRemoval for the cached Glance images of one `docker system df` image row.

    `glance_status` maps the Glance ids Glance listed to their status; None when Glance could not be
    asked (a missing id then says nothing about the image).
    """
    removals = {}
    in_use = (image_row.get('Containers') or 0) > 0
    for glance_id, record in cache_records(image_row).items():
        last_used = _time(int(record.group(1))) if record else None
        if in_use:
            removal = CacheRemoval(glance_id, IN_USE, last_used=last_used)
        elif record is None:
            removal = CacheRemoval(glance_id, NOT_SEEN)
        elif record.group(2) is None:
            removal = CacheRemoval(glance_id, NEVER, last_used=last_used)
        elif glance_status is not None and glance_status.get(glance_id) != 'active':
            removal = CacheRemoval(glance_id, NEXT_PASS, last_used=last_used)
        else:
            at = _time(int(record.group(1)) + int(record.group(2)))
            removal = CacheRemoval(glance_id, AFTER, at=at, last_used=last_used)
        removals[glance_id] = removal
    return removals
