"""The Console tab in real Chromium over the real path: Horizon asks Nova for a serial console URL, the page's
xterm.js opens nova-serialproxy's websocket, nova_docker's console port runs a shell in the container.
A command answers, the shell sees the terminal's size change with the window, vi takes the screen and
gives it back; Horizon's own Instances > Console tab (CONSOLE_TYPE 'SERIAL') reaches the same shell; a stopped
container's tab says so; an interactive container's console is its main process."""
from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser import journey
from tests.browser.conftest import login
from tests.browser.conftest import screenshot
from tests.stack import nova_helpers as h

TAB = '?tab=container_details__console'

# What the page's terminal shows: every line of xterm's active buffer, its type and size.
READ_TERMINAL = """
var root = document.querySelector('.docker-console'); var c = root && root.dockerConsole;
if (!c) { return null; }
var buffer = c.term.buffer.active, lines = [];
for (var i = 0; i < buffer.length; i += 1) { lines.push(buffer.getLine(i).translateToString(true)); }
return {lines: lines, buffer: buffer.type, rows: c.term.rows, cols: c.term.cols,
        status: root.querySelector('[data-role=status]').textContent.trim(),
        open: !!(c.socket && c.socket.readyState === 1),
        reconnect: root.querySelector('[data-role=reconnect]').offsetParent !== null};
"""


@pytest.fixture(scope='module')
def shell_server(openstack):
    nova, glance = openstack.nova('demo'), openstack.glance('demo')
    server = h.boot(nova, h.image_id(glance, 'busybox:latest'), name=h.unique('console-tab'),
                    meta={'docker_command': 'sleep 3600'})
    try:
        yield h.wait_active(nova, server.id)
    finally:
        h.delete_servers(nova, [server.id])


def terminal(driver) -> dict:
    return driver.execute_script(READ_TERMINAL) or {}


def wait_terminal(driver, predicate, what: str, timeout: float = 20) -> dict:
    seen: dict = {}

    def check(d):
        seen.clear()
        seen.update(terminal(d))
        return seen if seen and predicate(seen) else None
    return journey.until(driver, check, timeout, lambda: f'{what}; terminal was {seen.get("status")!r}, '
                                                         f'last lines {seen.get("lines", [])[-6:]!r}')


# The foreground colour of the first cell of the last line that reads `text` (-1: no such line).
CELL_COLOUR = """
var buffer = document.querySelector('.docker-console').dockerConsole.term.buffer.active;
for (var i = buffer.length - 1; i >= 0; i -= 1) {
  var line = buffer.getLine(i);
  if (line.translateToString(true).trim() === arguments[0]) {
    var cell = line.getCell(0); return cell.isFgPalette() ? cell.getFgColor() : -2; }
}
return -1;
"""
# A paste as the browser delivers one (what Ctrl+Shift+V or the context menu does).
PASTE = """
var data = new DataTransfer(); data.setData('text/plain', arguments[0]);
document.querySelector('.docker-console .xterm-helper-textarea').dispatchEvent(
    new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
"""


def type_line(driver, text: str) -> None:
    driver.find_element(By.CSS_SELECTOR, '.docker-console .xterm-helper-textarea').send_keys(text + Keys.ENTER)


def settled_size(driver) -> tuple[int, int]:
    """The terminal's size once it has stayed the same for a second (fits are debounced)."""
    sizes: list = []

    def settled(d):
        now = terminal(d)
        sizes.append((now.get('rows'), now.get('cols')))
        return sizes[-1] if len(sizes) >= 5 and len(set(sizes[-5:])) == 1 else None
    return journey.until(driver, settled, 20, lambda: f'a settled terminal size; sizes seen {sizes[-10:]}')


def stty_size(driver, marker: str) -> tuple[int, int, dict]:
    """Run `stty size` and read its answer (after a marker, so an earlier answer is not taken)."""
    settled_size(driver)
    type_line(driver, f'echo {marker}; stty size')
    seen = wait_terminal(driver, lambda t: _size_after(t['lines'], marker), f'stty size after {marker}')
    rows, cols = _size_after(seen['lines'], marker)
    return rows, cols, seen


def _size_after(lines: list, marker: str):
    for index, line in enumerate(lines):
        if line.strip() == marker:
            for after in lines[index + 1:]:
                match = re.fullmatch(r'\s*(\d+) (\d+)\s*', after)
                if match:
                    return int(match.group(1)), int(match.group(2))
    return None


def test_console_tab_runs_commands_follows_the_window_size_and_hosts_vi(openstack, chrome, horizon_url,
                                                                         shell_server):
    c = openstack.credentials['demo']
    login(chrome, horizon_url, c['username'], c['password'])
    chrome.set_window_size(1400, 1000)
    journey.open_page(chrome, horizon_url, f'{journey.CONTAINERS}{shell_server.id}/{TAB}')
    connected = wait_terminal(chrome, lambda t: t['open'] and 'Connected' in t['status'], 'the console to connect', 40)
    assert not connected['reconnect'], 'Reconnect is offered only once the session has ended'

    # A command and its answer, through browser -> serialproxy -> driver -> exec -> back.
    type_line(chrome, 'echo $((6*7))')
    wait_terminal(chrome, lambda t: '42' in [line.strip() for line in t['lines']], 'the answer 42')

    # UTF-8 both ways, colours, and a paste.
    type_line(chrome, 'echo "Grüße ✓ $((1+1))"')
    wait_terminal(chrome, lambda t: 'Grüße ✓ 2' in [line.strip() for line in t['lines']], 'UTF-8 echoed')
    type_line(chrome, r"printf '\033[31mred-text\033[0m\n'")
    wait_terminal(chrome, lambda t: 'red-text' in [line.strip() for line in t['lines']], 'the coloured line')
    assert chrome.execute_script(CELL_COLOUR, 'red-text') == 1, 'red-text is not drawn in palette colour 1 (red)'
    chrome.execute_script(PASTE, 'echo pasted-$((3*3))')
    type_line(chrome, '')
    wait_terminal(chrome, lambda t: 'pasted-9' in [line.strip() for line in t['lines']], 'the pasted command')

    # The shell sees the terminal's size, and the new one after the window shrinks (ESC [ 8 ; r ; c t).
    rows, cols, seen = stty_size(chrome, 'size-one')
    assert (rows, cols) == (seen['rows'], seen['cols']), seen
    chrome.set_window_size(1000, 760)
    wait_terminal(chrome, lambda t: t['cols'] < cols and t['rows'] < rows, 'the terminal to fit the smaller window')
    rows2, cols2, seen2 = stty_size(chrome, 'size-two')
    assert (rows2, cols2) == (seen2['rows'], seen2['cols']), seen2
    assert cols2 < cols and rows2 < rows, (rows, cols, rows2, cols2)
    chrome.set_window_size(1400, 1000)
    wait_terminal(chrome, lambda t: (t['rows'], t['cols']) == (rows, cols), 'the terminal to grow back')

    # A full-screen program takes the alternate screen and gives it back when it quits.
    type_line(chrome, 'vi /tmp/console-test')
    wait_terminal(chrome, lambda t: t['buffer'] == 'alternate' and any(line.startswith('~') for line in t['lines']),
                  'vi to take the screen')
    screenshot(chrome, 'console-tab-vi')
    type_line(chrome, ':q!')   # vi starts in command mode (an ESC right before ':' would read as Alt+:)
    wait_terminal(chrome, lambda t: t['buffer'] == 'normal', 'vi to quit')
    type_line(chrome, 'echo after-vi-$((40+2))')
    wait_terminal(chrome, lambda t: 'after-vi-42' in [line.strip() for line in t['lines']], 'the shell after vi')
    screenshot(chrome, 'console-tab')   # docs/screenshots/console-tab.png is a copy of one run's

    # The shell's exit ends the session: the tab says so and offers a new one, which is a new shell.
    type_line(chrome, 'exit')
    wait_terminal(chrome, lambda t: not t['open'] and t['reconnect'] and 'ended' in t['status'],
                  'the tab to say the session ended')
    chrome.find_element(By.CSS_SELECTOR, '.docker-console [data-role=reconnect]').click()
    wait_terminal(chrome, lambda t: t['open'] and not t['reconnect'], 'a new session')
    type_line(chrome, 'echo again-$((6*7))')
    wait_terminal(chrome, lambda t: 'again-42' in [line.strip() for line in t['lines']], 'the new shell')


def test_horizons_instances_console_tab_reaches_the_container_shell(openstack, chrome, horizon_url,
                                                                    shell_server):
    c = openstack.credentials['demo']
    login(chrome, horizon_url, c['username'], c['password'])
    journey.open_page(chrome, horizon_url, f'/project/instances/{shell_server.id}/?tab=instance_details__console')
    frame = journey.until(chrome, lambda d: d.find_elements(By.CSS_SELECTOR, 'iframe#console_embed'), 30,
                          "Horizon's console frame")[0]
    chrome.switch_to.frame(frame)
    try:
        # Horizon's serial page (term.js) sends a carriage return once open: the shell's prompt answers.
        journey.until(chrome, lambda d: 'Status: Open' in d.find_element(By.TAG_NAME, 'body').text
                      and '#' in d.find_element(By.CSS_SELECTOR, '.terminal').text, 30,
                      lambda: f"the shell's prompt in Horizon's console: {chrome.page_source[-1500:]!r}")
    finally:
        chrome.switch_to.default_content()


def test_a_stopped_container_says_so_in_the_tab(openstack, chrome, horizon_url, shell_server):
    nova = openstack.nova('demo')
    nova.servers.stop(shell_server.id)
    h.wait_status(nova, shell_server.id, 'SHUTOFF')
    c = openstack.credentials['demo']
    login(chrome, horizon_url, c['username'], c['password'])
    journey.open_page(chrome, horizon_url, f'{journey.CONTAINERS}{shell_server.id}/{TAB}')
    # Nova refuses the console (409, vm_state stopped): the tab says what to do instead of hanging.
    wait_terminal(chrome, lambda t: t['reconnect'] and 'stopped: start it' in t['status'], 'the stopped message')


def test_an_interactive_containers_console_is_its_main_process(openstack, chrome, horizon_url):
    # Launched with the Interactive option (server metadata docker_interactive): the console attaches to the
    # command itself, so what one session sets in that shell the next session still reads (a new exec'd
    # shell would not have it).
    nova, glance = openstack.nova('demo'), openstack.glance('demo')
    server = h.boot(nova, h.image_id(glance, 'busybox:latest'), name=h.unique('console-interactive'),
                    meta={'docker_command': 'sh', 'docker_interactive': 'true'})
    try:
        h.wait_active(nova, server.id)
        c = openstack.credentials['demo']
        login(chrome, horizon_url, c['username'], c['password'])
        journey.open_page(chrome, horizon_url, f'{journey.CONTAINERS}{server.id}/{TAB}')
        wait_terminal(chrome, lambda t: t['open'], 'the console to connect', 40)
        type_line(chrome, 'MARK=kept-$((40+2)); echo set-$MARK')
        wait_terminal(chrome, lambda t: 'set-kept-42' in [line.strip() for line in t['lines']], 'the variable set')
        # Leaving the page detaches; the driver allows one attach at a time, so the next may need a retry.
        journey.open_page(chrome, horizon_url, f'{journey.CONTAINERS}{server.id}/{TAB}')

        def attached(t):
            if t['reconnect']:
                chrome.find_element(By.CSS_SELECTOR, '.docker-console [data-role=reconnect]').click()
            return t['open']
        wait_terminal(chrome, attached, 'the console to attach again', 40)
        type_line(chrome, 'echo read-$MARK')
        wait_terminal(chrome, lambda t: 'read-kept-42' in [line.strip() for line in t['lines']],
                      "the main shell's variable in the next session")
    finally:
        h.delete_servers(nova, [server.id])
