"""Docker Hosts > Images: each cached Glance image, its Glance name (or "deleted in Glance") and when
the nova_docker image cache manager removes it, read from the driver's usage-record tags."""
import datetime
from types import SimpleNamespace

from docker_dashboard import api
from docker_dashboard.api import hosts_cache
from docker_dashboard.api.hosts import HostReport
from tests import helpers
from tests.unit.test_hosts_views import NOVA_ACTIONS, detail_url, nova_records

USED_AT = 1795000000
KEEP = 7200
IN_USE, ACTIVE, DELETED, DEACTIVATED, NEVER, NOT_SEEN = (
    f'{n}0000000-0000-0000-0000-00000000000{n}' for n in range(1, 7))


def image(cid, glance_ids, *, record=f'used-{USED_AT}-keep-{KEEP}', containers=0, names=()):
    tags = [f'glance/{glance_id}:latest' for glance_id in glance_ids]
    if record:
        tags += [f'glance/{glance_id}:{record}' for glance_id in glance_ids]
    return {'Id': 'sha256:' + cid * 64, 'RepoTags': tags + list(names), 'Size': 1000,
            'Containers': containers}


def report():
    images = [image('1', [IN_USE], containers=1, names=['busybox:latest']),
              image('2', [ACTIVE]), image('3', [DELETED], names=['gone:1']), image('4', [DEACTIVATED]),
              image('5', [NEVER], record=f'used-{USED_AT}'), image('6', [NOT_SEEN], record=None)]
    return HostReport(name='docker-host-1', state='up', tls=False, latency_ms=1.0,
                      version={'Version': '20.10'}, info={}, containers=[], images=images)


def glance_image(image_id, status='active'):
    return SimpleNamespace(id=image_id, name=f'name-of-{image_id[:1]}', status=status)


class HostImagesCacheTests(helpers.BaseAdminViewTests):
    def get_images_tab(self):
        self.mock_host_report.return_value = report()
        nova_records(self)
        return self.client.get(detail_url(tab='images'), HTTP_X_REQUESTED_WITH='XMLHttpRequest')

    def removals(self, res):
        return {copy.id: copy.removal for image in res.context['images'] for copy in image.copies}

    @helpers.create_mocks({**NOVA_ACTIONS, api.hosts: ['host_report'], api.glance: ['docker_image_list']})
    def test_each_cached_image_says_when_the_cache_manager_removes_it(self):
        self.mock_docker_image_list.return_value = (
            [glance_image(IN_USE), glance_image(ACTIVE), glance_image(DEACTIVATED, 'deactivated'),
             glance_image(NEVER), glance_image(NOT_SEEN)], False, False)
        res = self.get_images_tab()
        self.assertEqual(200, res.status_code)
        removals = self.removals(res)
        self.assertEqual({IN_USE: 'in-use', ACTIVE: 'after', DELETED: 'next-pass', DEACTIVATED: 'next-pass',
                          NEVER: 'never', NOT_SEEN: 'not-seen'},
                         {glance_id: removal.state for glance_id, removal in removals.items()})
        self.assertEqual(datetime.datetime.fromtimestamp(USED_AT + KEEP, tz=datetime.timezone.utc),
                         removals[ACTIVE].at)
        copies = {copy.id: copy for image in res.context['images'] for copy in image.copies}
        self.assertTrue(copies[DELETED].deleted)
        self.assertFalse(copies[ACTIVE].deleted)
        self.assertContains(res, 'Deleted in Glance', count=1)
        self.assertContains(res, 'name-of-2')
        self.assertContains(res, 'In use', count=1)
        self.assertContains(res, 'At the next cache pass', count=2)
        at = removals[ACTIVE].at.strftime('%Y-%m-%dT%H:%M:%SZ')
        self.assertContains(res, f'After <time datetime="{at}"', count=1)
        self.assertContains(res, 'Never (the host keeps unused images)', count=1)
        self.assertContains(res, 'Not yet checked by the cache manager', count=1)
        # The usage records are not names of the image.
        self.assertEqual([f'glance/{IN_USE}:latest', 'busybox:latest'], res.context['images'][0].tags)
        self.assertNotContains(res, f':used-{USED_AT}')

    @helpers.create_mocks({**NOVA_ACTIONS, api.hosts: ['host_report'], api.glance: ['docker_image_list']})
    def test_without_glance_no_image_is_called_deleted(self):
        self.mock_docker_image_list.side_effect = self.exceptions.glance
        res = self.get_images_tab()
        self.assertEqual(200, res.status_code)
        removals = self.removals(res)
        self.assertEqual('after', removals[DELETED].state)
        self.assertEqual('after', removals[DEACTIVATED].state)
        self.assertNotContains(res, 'Deleted in Glance')
        self.assertIn('Unable to retrieve Glance image names.', res['X-Horizon-Messages'])


class CacheRecordTests(helpers.TestCase):
    def test_a_tag_that_only_looks_like_a_record_is_a_name(self):
        for tag in ('glance/x:used-12-keep-', 'other/x:used-12', 'glance/x:used-1e3', 'glance/x:latest'):
            self.assertFalse(hosts_cache.is_record_tag(tag), tag)
        self.assertTrue(hosts_cache.is_record_tag('glance/x:used-12-keep-60'))
        self.assertEqual({}, hosts_cache.cache_removals({'RepoTags': ['glance/x:used-12-keep-60']}, {}))
