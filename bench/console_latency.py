"""Console tab: keystroke echo latency and `cat` throughput in real Chromium, against `docker exec -it` on the
same host in the same run (needs `make run`, Debian chromium + chromedriver).

Boots a busybox container (as `demo`), opens its Console tab (browser -> nova-serialproxy -> nova_docker's
console port -> exec -> back) and, at the shell's prompt, types one character at a time through xterm's own
input path, timing each until the shell's echo arrives on the websocket; then `cat`s a file of --mb MB of
base64 text and times the bytes arriving on the websocket (what the terminal then draws is not counted).
The baseline does the same over a pseudo-terminal running `docker exec -it <container> sh` on that host.

    .venv/bin/python bench/console_latency.py [--keys 60] [--mb 50] [--runs 3] [--json FILE]
"""
from __future__ import annotations

import argparse
import os
import pty
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import common  # noqa: E402
from tests.browser.conftest import login, start_chrome  # noqa: E402

BIG = '/tmp/bench-console-big'
END = b'END-42-MARK'           # printed by `echo END-$((40+2))-MARK`: not in the typed command itself
END_COMMAND = 'echo END-$((40+2))-MARK'

# In the page: type `count` letters one at a time (xterm's input, as a keystroke), timing each echo.
ECHO_TIMES = """
var done = arguments[arguments.length - 1], count = arguments[0];
var c = document.querySelector('.docker-console').dockerConsole, times = [], t0 = 0;
function next() {
  if (times.length >= count) {
    c.socket.removeEventListener('message', seen); c.term.input('\\x15'); done(times); return;
  }
  t0 = performance.now(); c.term.input('x');
}
function seen() { if (t0) { times.push(performance.now() - t0); t0 = 0; setTimeout(next, 20); } }
c.socket.addEventListener('message', seen);
setTimeout(next, 200);
"""

# In the page: run `cat` of the big file and time the bytes arriving until the end marker.
CAT_TIME = """
var done = arguments[arguments.length - 1], command = arguments[0], marker = arguments[1];
var c = document.querySelector('.docker-console').dockerConsole, bytes = 0, tail = '', t0 = 0;
var decoder = new TextDecoder();
function seen(event) {
  var data = new Uint8Array(event.data); bytes += data.length;
  tail = (tail + decoder.decode(data.slice(-64))).slice(-64);
  if (tail.indexOf(marker) >= 0) {
    c.socket.removeEventListener('message', seen); done({seconds: (performance.now() - t0) / 1000, bytes: bytes});
  }
}
c.socket.addEventListener('message', seen);
t0 = performance.now(); c.term.input(command + '\\r');
"""


class ExecTerminal:
    """`docker exec -it <container> sh` on a pseudo-terminal: the baseline of the same host."""

    def __init__(self, env: dict, host: str, container: str) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(['docker', 'exec', '-it', container, 'sh'], stdin=slave, stdout=slave,
                                        stderr=slave, env=common.docker_cli_env(env, host), close_fds=True)
        os.close(slave)
        self.read_until(b'# ', 20)

    def read_until(self, wanted: bytes, timeout: float) -> int:
        deadline, tail, total = time.monotonic() + timeout, b'', 0
        while wanted not in tail:
            ready, _w, _x = select.select([self.master], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise SystemExit(f'docker exec: {wanted!r} not seen in {timeout} s')
            data = os.read(self.master, 1 << 16)
            total += len(data)
            tail = (tail + data)[-64:]
        return total

    def echo_times(self, count: int) -> list:
        times = []
        for _ in range(count):
            started = time.perf_counter()
            os.write(self.master, b'x')
            self.read_until(b'x', 10)
            times.append((time.perf_counter() - started) * 1000)
            time.sleep(0.02)
        os.write(self.master, b'\x15')
        return times

    def cat_seconds(self, timeout: float) -> tuple:
        started = time.perf_counter()
        os.write(self.master, f'cat {BIG}; {END_COMMAND}\r'.encode())
        total = self.read_until(END, timeout)
        return time.perf_counter() - started, total

    def close(self) -> None:
        os.write(self.master, b'exit\r')
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self.master)


def p95(values: list) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def open_console(driver, url: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait
    driver.get(url)
    WebDriverWait(driver, 60, poll_frequency=0.1).until(lambda d: d.execute_script(
        "var r = document.querySelector('.docker-console'); var c = r && r.dockerConsole;"
        "return !!(c && c.socket && c.socket.readyState === 1 && c.term.buffer.active.getLine("
        "c.term.buffer.active.cursorY + c.term.buffer.active.baseY).translateToString(true).indexOf('#') >= 0);"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--keys', type=int, default=20 if common.quick() else 60, help='keystrokes per run')
    parser.add_argument('--mb', type=int, default=5 if common.quick() else 50, help='size of the cat file, MB')
    parser.add_argument('--runs', type=int, default=1 if common.quick() else 3)
    parser.add_argument('--json')
    args = parser.parse_args()
    env, creds = common.stack_env()
    session, nova, glance = common.clients(env, creds, 'demo')
    server = nova.servers.create(f'bench-console-{int(time.time())}', image=common.image_id(glance, 'busybox:latest'),
                                 flavor=nova.flavors.find(name='m1.tiny').id, nics='none',
                                 meta={'docker_command': 'sleep 3600'})
    driver = exec_term = None
    ours_ms, base_ms, ours_rate, base_rate = [], [], [], []
    try:
        server = common.wait_active(nova, server.id)
        host = common.host_of(env, session.get_project_id(), server)
        container = f'nova-{server.id}'
        # base64 text: printable, as a terminal would show a log; 3 bytes in, 4 out (plus newlines)
        subprocess.run(['docker', 'exec', container, 'sh', '-c',
                        f'head -c {args.mb * common.MB * 3 // 4} /dev/urandom | base64 > {BIG}'],
                       env=common.docker_cli_env(env, host), check=True, timeout=300)
        driver = start_chrome()
        driver.set_script_timeout(600)
        base = env['HORIZON_URL']
        login(driver, base, creds['demo']['username'], creds['demo']['password'])
        open_console(driver, f'{base}/project/docker_containers/{server.id}/?tab=container_details__console')
        exec_term = ExecTerminal(env, host, container)
        for _ in range(args.runs):
            ours_ms.append(p95(driver.execute_async_script(ECHO_TIMES, args.keys)))
            base_ms.append(p95(exec_term.echo_times(args.keys)))
            cat = driver.execute_async_script(CAT_TIME, f'cat {BIG}; {END_COMMAND}', END.decode())
            ours_rate.append(cat['bytes'] / cat['seconds'] / common.MB)
            seconds, total = exec_term.cat_seconds(600)
            base_rate.append(total / seconds / common.MB)
    finally:
        if exec_term:
            exec_term.close()
        if driver:
            driver.quit()
        nova.servers.delete(server.id)
    added = [ours - base for ours, base in zip(ours_ms, base_ms)]
    rows = [
        common.figure('console_latency', 'console keystroke echo, Chromium -> serialproxy -> exec -> back, p95',
                      'ms', ours_ms, base_ms, '`docker exec -it` on the host, p95', None,
                      f'{args.keys} keystrokes per run; added at p95: '
                      + ', '.join(f'{value:.1f}' for value in added) + ' ms'),
        common.figure('console_latency_added', 'console keystroke echo, added to `docker exec -it`, p95', 'ms',
                      added, 50.0, 'bound', ('<=', 1.0)),
        common.figure('console_throughput', f'console `cat` of {args.mb} MB (base64), bytes into the page', 'MB/s',
                      ours_rate, base_rate, '`docker exec -it` on the host', None,
                      'bytes reaching the websocket; the terminal draws them afterwards', higher_is_better=True),
    ]
    common.write_figures(args.json, 'console_latency', rows, keys=args.keys, mb=args.mb, host=host)
    return 0


if __name__ == '__main__':
    sys.exit(main())
