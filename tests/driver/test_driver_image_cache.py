"""The image cache manager (manage_image_cache): unused cached copies leave the host, used ones stay.

Every test makes Docker images of its own (a unique file in busybox), so it asserts only about them.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker.errors
import pytest
from tests.driver.driver_helpers import FakeImageService, make_instance, spawn

import nova.conf
from nova import exception
from nova import objects

from nova_docker import image_cache, images

pytestmark = pytest.mark.docker
CONF = nova.conf.CONF
AGE = 3600


class GlanceWithDeletes(FakeImageService):
    """The fake Glance answering as Nova's does for an image that is gone: ImageNotFound."""

    def show(self, context: Any, image_id: str) -> dict:
        if image_id not in self.records:
            raise exception.ImageNotFound(image_id=image_id)
        return self.records[image_id]


@pytest.fixture
def image_service(tmp_path: Path) -> FakeImageService:
    return GlanceWithDeletes(tmp_path)


@pytest.fixture
def cache_opts(configured: None) -> Iterator[None]:
    CONF.set_override('remove_unused_original_minimum_age_seconds', AGE, group='image_cache')
    yield
    CONF.clear_override('remove_unused_original_minimum_age_seconds', group='image_cache')
    CONF.clear_override('remove_unused_base_images', group='image_cache')


@pytest.fixture
def new_image(docker_cli: Any, image_service: FakeImageService, tmp_path: Path) -> Iterator[Any]:
    """make(): a Glance image whose tarball holds a Docker image no other test has; returns its id."""
    made: list[str] = []

    def make() -> str:
        glance_id = str(uuid.uuid4())
        name = f'ddtest/cache-{glance_id[:8]}:1'
        container = docker_cli.create_container('busybox:latest', ['sh', '-c', f'echo {glance_id} > /id'])
        docker_cli.start(container)
        docker_cli.wait(container, timeout=30)
        repository, tag = name.split(':')
        docker_cli.commit(container, repository=repository, tag=tag)
        docker_cli.remove_container(container)
        path = tmp_path / f'{glance_id}.tar'
        with open(path, 'wb') as handle:
            for chunk in docker_cli.get_image(name):
                handle.write(chunk)
        made.append(docker_cli.inspect_image(name)['Id'])
        docker_cli.remove_image(name)
        image_service.add(glance_id, name, path)
        return glance_id
    yield make
    for docker_id in made:
        try:
            docker_cli.remove_image(docker_id, force=True)
        except docker.errors.NotFound:
            pass


def tags_of(docker_cli: Any, glance_id: str) -> list[str]:
    """This Glance image's tags under the cache repository (cache tag and usage record)."""
    prefix = f'{CONF.docker.image_cache_repository}/{glance_id}:'
    return sorted(tag.rpartition(':')[2] for row in docker_cli.images(name=prefix[:-1])
                  for tag in row.get('RepoTags') or () if tag.startswith(prefix))


def record(docker_cli: Any, glance_id: str) -> str:
    states = [tag for tag in tags_of(docker_cli, glance_id) if tag.startswith('used-')]
    assert len(states) == 1, states
    return states[0]


def backdate(docker_cli: Any, glance_id: str, seconds: int) -> None:
    """Make the usage record say the last use was ``seconds`` ago (as after a long idle time)."""
    old = record(docker_cli, glance_id)
    repository = f'{CONF.docker.image_cache_repository}/{glance_id}'
    used_at = int(time.time()) - seconds
    docker_cli.tag(images.cache_ref(glance_id), repository, f'used-{used_at}-keep-{AGE}')
    docker_cli.remove_image(f'{repository}:{old}')


def image_meta(image_service: FakeImageService, glance_id: str) -> Any:
    return objects.ImageMeta.from_dict(image_service.records[glance_id])


def on_host(instance: Any) -> Any:
    instance.host = CONF.host
    return instance


def test_the_driver_declares_an_image_cache(drv):
    assert drv.capabilities['has_imagecache'] is True


def test_an_unused_copy_older_than_the_age_leaves_the_host(make_driver, ctx, new_image, docker_cli,
                                                           cache_opts):
    glance_id = new_image()
    drv = make_driver()
    assert drv.cache_image(ctx, glance_id) is True
    docker_id = docker_cli.inspect_image(images.cache_ref(glance_id))['Id']
    # The name inside the tarball is not kept: the cache tag is the copy's only name.
    assert docker_cli.inspect_image(docker_id)['RepoTags'] == [images.cache_ref(glance_id)]

    drv.manage_image_cache(ctx, [])
    used_at = int(record(docker_cli, glance_id).split('-')[1])
    assert abs(used_at - time.time()) < 60
    assert record(docker_cli, glance_id) == f'used-{used_at}-keep-{AGE}'

    backdate(docker_cli, glance_id, AGE + 10)
    # A restarted nova-compute (a new driver) finds the record in Docker.
    make_driver().manage_image_cache(ctx, [])
    assert tags_of(docker_cli, glance_id) == []
    with pytest.raises(docker.errors.NotFound):
        docker_cli.inspect_image(docker_id)


def test_a_young_unused_copy_stays(drv, ctx, new_image, docker_cli, cache_opts):
    glance_id = new_image()
    drv.cache_image(ctx, glance_id)
    drv.manage_image_cache(ctx, [])
    backdate(docker_cli, glance_id, AGE - 120)
    before = record(docker_cli, glance_id)

    drv.manage_image_cache(ctx, [])
    assert tags_of(docker_cli, glance_id) == ['latest', before]


def test_a_used_copy_stays_and_its_record_says_when_it_was_last_used(
        drv, ctx, new_image, image_service, docker_cli, cache_opts):
    by_container, by_building_instance = new_image(), new_image()
    instance = spawn(drv, ctx, image_meta(image_service, by_container))
    drv.cache_image(ctx, by_building_instance)
    building = on_host(make_instance(by_building_instance))  # scheduled here, no container yet
    drv.manage_image_cache(ctx, [on_host(instance), building])
    for glance_id in (by_container, by_building_instance):
        backdate(docker_cli, glance_id, AGE * 2)
    # Deleted in Glance too: still in use, so still kept.
    del image_service.records[by_container]

    started = int(time.time())
    drv.manage_image_cache(ctx, [building])  # the container alone keeps by_container
    for glance_id in (by_container, by_building_instance):
        assert 'latest' in tags_of(docker_cli, glance_id)
        assert int(record(docker_cli, glance_id).split('-')[1]) >= started


def test_a_copy_whose_glance_image_is_gone_goes_first_without_waiting_for_the_age(
        drv, ctx, new_image, image_service, docker_cli, cache_opts):
    deleted, deactivated, old, young = new_image(), new_image(), new_image(), new_image()
    for glance_id in (deleted, deactivated, old, young):
        drv.cache_image(ctx, glance_id)
    drv.manage_image_cache(ctx, [])
    backdate(docker_cli, old, AGE + 10)
    del image_service.records[deleted]
    image_service.records[deactivated]['status'] = 'deactivated'

    removed = image_cache.manage(drv.docker, image_service, ctx, [])
    mine = [glance_id for glance_id in removed if glance_id in (deleted, deactivated, old, young)]
    assert sorted(mine[:2]) == sorted([deleted, deactivated]) and mine[2:] == [old]
    for glance_id in (deleted, deactivated, old):
        assert tags_of(docker_cli, glance_id) == []
    assert 'latest' in tags_of(docker_cli, young)


def test_nothing_is_removed_when_removal_is_off(drv, ctx, new_image, image_service, docker_cli,
                                               cache_opts):
    CONF.set_override('remove_unused_base_images', False, group='image_cache')
    glance_id = new_image()
    drv.cache_image(ctx, glance_id)
    del image_service.records[glance_id]
    drv.manage_image_cache(ctx, [])
    state = record(docker_cli, glance_id)
    assert '-keep-' not in state  # the dashboard reads this as "never removed"
    assert tags_of(docker_cli, glance_id) == ['latest', state]


def test_a_copy_sharing_its_docker_image_with_another_cached_glance_image_only_loses_its_tags(
        drv, ctx, new_image, image_service, docker_cli, cache_opts):
    glance_id = new_image()
    twin = str(uuid.uuid4())
    record_of = image_service.records[glance_id]
    image_service.add(twin, record_of['name'], image_service.files[glance_id])
    drv.cache_image(ctx, glance_id)
    drv.cache_image(ctx, twin)
    drv.manage_image_cache(ctx, [])
    del image_service.records[twin]

    drv.manage_image_cache(ctx, [])
    assert tags_of(docker_cli, twin) == []
    assert 'latest' in tags_of(docker_cli, glance_id)


def test_a_name_the_host_had_before_the_load_stays(drv, ctx, new_image, image_service, docker_cli,
                                                   cache_opts):
    glance_id = new_image()
    name = image_service.records[glance_id]['name']
    repository, tag = name.split(':')
    docker_cli.tag('busybox:latest', repository, tag)  # the host's own image of that name
    try:
        drv.cache_image(ctx, glance_id)
        assert name in docker_cli.inspect_image(images.cache_ref(glance_id))['RepoTags']
        del image_service.records[glance_id]
        drv.manage_image_cache(ctx, [])
        assert tags_of(docker_cli, glance_id) == []
        assert docker_cli.inspect_image(name)  # the copy's layers stay: the host names them
    finally:
        docker_cli.remove_image(name)
