"""CPU, memory and rate computations of api.stats against stats payloads recorded from a real dockerd
(tests/unit/data/stats-*.real-dockerd.json, written by tools/record_stats.py on cgroup v1)."""
import copy
import json
import os

import pytest

from docker_dashboard import exceptions
from docker_dashboard.api import stats

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data')


def recorded(name):
    with open(os.path.join(DATA, f'stats-{name}.real-dockerd.json')) as handle:
        return json.load(handle)


def sample(name, key='samples'):
    record = recorded(name)
    return stats.sample_from(*record[key], record['host_config'])


def test_busy_loop_shows_high_cpu_and_idle_container_low():
    busy, idle = sample('busy'), sample('idle')
    # One shell busy loop keeps about one CPU busy (less when the shared machine is loaded).
    assert 40 < busy.cpu_percent <= 100 * busy.online_cpus
    assert idle.cpu_percent < 2
    assert busy.cpu_limit is None and busy.pids == 1


def test_cpu_percent_follows_docker_stats_formula():
    record = recorded('busy')
    second = record['samples'][1]
    cpu, precpu = second['cpu_stats'], second['precpu_stats']
    expected = ((cpu['cpu_usage']['total_usage'] - precpu['cpu_usage']['total_usage'])
                / (cpu['system_cpu_usage'] - precpu['system_cpu_usage']) * cpu['online_cpus'] * 100)
    assert stats.cpu_percent(second) == pytest.approx(expected)
    # Older engines leave online_cpus out: the per-CPU list counts then.
    legacy = copy.deepcopy(second)
    del legacy['cpu_stats']['online_cpus']
    legacy['cpu_stats']['cpu_usage']['percpu_usage'] = [1, 2]
    assert stats.cpu_percent(legacy) == pytest.approx(expected / cpu['online_cpus'] * 2)


def test_first_stream_object_has_no_cpu_baseline():
    first = recorded('busy')['samples'][0]
    assert not (first.get('precpu_stats') or {}).get('system_cpu_usage')
    assert stats.cpu_percent(first) == 0.0


def test_cpu_quota_caps_the_limited_container():
    limited = sample('busy-limited')
    assert limited.cpu_limit == 0.5          # HostConfig.NanoCpus = 0.5 CPU
    assert 30 < limited.cpu_percent < 60     # the busy loop gets at most half a CPU


@pytest.mark.parametrize('host_config, expected', [
    ({'CpuQuota': 150000, 'CpuPeriod': 100000}, 1.5),
    ({'CpusetCpus': '0'}, 1.0),
    ({'CpusetCpus': '0-1'}, None),        # all of a 2-CPU host: no limit
    ({'NanoCpus': 0, 'CpuQuota': -1}, None),
    (None, None),
])
def test_cpu_limit_from_host_config(host_config, expected):
    assert stats.cpu_limit(host_config, 2) == expected


def test_memory_hungry_container_grows_toward_its_limit():
    before, after = sample('memory', 'before'), sample('memory', 'after')
    assert before.memory_limit == after.memory_limit == 64 * 1024 * 1024
    # 40 MiB written to /dev/shm (shared memory is not reclaimable cache: it counts as used).
    assert after.memory_used - before.memory_used >= 38 * 1024 * 1024
    assert after.memory_used < after.memory_limit
    assert after.memory_percent == pytest.approx(after.memory_used / after.memory_limit * 100, abs=0.01)
    assert after.memory_percent > 55 > 5 > before.memory_percent


def test_memory_excludes_inactive_file_cache_on_cgroup_v1_and_v2():
    memory = recorded('memory')['after'][1]['memory_stats']
    v1 = {'memory_stats': dict(memory, usage=100_000_000,
                               stats=dict(memory['stats'], total_inactive_file=30_000_000, inactive_file=1))}
    assert stats.memory_used(v1) == 70_000_000
    # cgroup v2 has no total_* keys (this is the v1 payload with them removed, not a recorded v2 one).
    v2_stats = {k: v for k, v in memory['stats'].items() if not k.startswith('total_')}
    v2 = {'memory_stats': dict(memory, usage=100_000_000, stats=dict(v2_stats, inactive_file=20_000_000))}
    assert stats.memory_used(v2) == 80_000_000
    # A cache figure above the usage (seen right after start) is ignored rather than going negative.
    odd = {'memory_stats': {'usage': 10, 'stats': {'inactive_file': 50}}}
    assert stats.memory_used(odd) == 10


def test_network_rates_from_two_stream_objects():
    record = recorded('io')
    first, second = record['samples']
    io = sample('io')
    seconds = stats.read_time(second['read']) - stats.read_time(first['read'])
    assert 0.5 < seconds < 2
    rx = sum(n['rx_bytes'] for n in second['networks'].values()) - sum(n['rx_bytes'] for n in first['networks'].values())
    assert io.net_rx_rate == pytest.approx(rx / seconds, abs=0.1)
    assert io.net_rx_rate > 1000 and io.net_tx_rate > 1000   # a 1400-byte ping every 50 ms
    assert io.net_rx_total == sum(n['rx_bytes'] for n in second['networks'].values())
    assert sample('idle').net_rx_rate == 0.0 and sample('idle').net_rx_total == 0   # network_mode none


def test_block_totals_read_v1_and_v2_op_names():
    # This machine's engine recorded empty blkio lists (see the io payload), so the op names of both
    # cgroup versions are checked on hand-made entries.
    assert recorded('io')['samples'][1]['blkio_stats']['io_service_bytes_recursive'] == []
    v1 = {'blkio_stats': {'io_service_bytes_recursive': [
        {'major': 8, 'minor': 0, 'op': 'Read', 'value': 4096}, {'major': 8, 'minor': 0, 'op': 'Write', 'value': 8192},
        {'major': 8, 'minor': 0, 'op': 'Total', 'value': 12288}]}}
    v2 = {'blkio_stats': {'io_service_bytes_recursive': [
        {'major': 8, 'minor': 0, 'op': 'read', 'value': 100}, {'major': 8, 'minor': 16, 'op': 'read', 'value': 1},
        {'major': 8, 'minor': 0, 'op': 'write', 'value': 7}]}}
    assert stats.block_totals(v1) == (4096, 8192)
    assert stats.block_totals(v2) == (101, 7)
    assert stats.block_totals({'blkio_stats': {'io_service_bytes_recursive': None}}) == (0, 0)


def test_rates_never_go_negative():
    assert stats.rate(100, 300, 2.0) == 100.0
    assert stats.rate(300, 100, 2.0) == 0.0     # counters restarted with the container
    assert stats.rate(100, 300, 0) == 0.0


def test_zero_time_sample_means_not_running():
    record = recorded('idle')
    stopped = copy.deepcopy(record['samples'][1])
    stopped['read'] = '0001-01-01T00:00:00Z'
    with pytest.raises(exceptions.ContainerNotRunning):
        stats.sample_from(record['samples'][0], stopped)


def test_read_time_keeps_nanoseconds_and_zones():
    assert stats.read_time('2026-11-23T19:17:18.569838171Z') == pytest.approx(1795461438.569838171)
    assert stats.read_time('2026-11-23T20:17:18.5+01:00') == pytest.approx(1795461438.5)
    assert stats.read_time('garbage') is None


def test_as_dict_is_json_ready():
    data = sample('busy').as_dict()
    assert json.loads(json.dumps(data)) == data
    assert {'cpu_percent', 'memory_used', 'memory_limit', 'net_rx_rate', 'block_write_rate', 'pids'} <= set(data)
