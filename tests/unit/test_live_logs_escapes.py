"""live-log.js's escape parser, run by Node on the real file: escapes other than colours go, the text
around them stays, and a hyperlink escape never yields its URL (the view sets only text and class names)."""
import json
import os
import shutil
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, 'static', 'docker_dashboard', 'js', 'live-logs.js')
NODE = shutil.which('node') or shutil.which('nodejs')

# The file as a page loads it, in a sandbox with just enough of a browser for its set-up to run.
RUNNER = r"""
const fs = require('fs'), vm = require('vm');
const document = {readyState: 'complete', documentElement: {}, body: {contains: () => true},
                  querySelectorAll: () => [], addEventListener() {}};
const sandbox = {document, MutationObserver: class { observe() {} }, addEventListener() {}};
sandbox.window = sandbox;
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(process.argv[1], 'utf8'), sandbox);
const texts = JSON.parse(fs.readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(texts.map((t) => sandbox.dockerDashboardLiveLogs.ansiSpans(t))));
"""

ESC, ST, BEL = '\x1b', '\x1b\\', '\x07'
CASES = [
    # (log line, what the view shows as [class, text] parts)
    (f'{ESC}]8;;https://evil.example/{ST}click here{ESC}]8;;{ST} after', [['', 'click here after']]),
    (f'{ESC}]8;;javascript:alert(1){BEL}link{ESC}]8;;{BEL} tail', [['', 'link tail']]),
    (f'a {ESC}]8;;https://u1/{ST}one{ESC}]8;;{ST} b {ESC}]8;;https://u2/{BEL}two{ESC}]8;;{BEL} c',
     [['', 'a one b two c']]),
    (f'{ESC}]8;id=x;https://u/{ST}{ESC}[31mred{ESC}[0m{ESC}]8;;{ST}!', [['ansi-fg-31', 'red'], ['', '!']]),
    (f'{ESC}]0;window title{BEL}visible {ESC}]2;other{ST}too', [['', 'visible too']]),
    (f'{ESC}Pq#0;2;0;0;0{ST}after a DCS, {ESC}_apc{ST}an APC', [['', 'after a DCS, an APC']]),
    (f'{ESC}[?25lx{ESC}[38:5:196my{ESC}[2Kz{ESC}[>4;2m!', [['', 'xyz!']]),
    (f'{ESC}(Bplain {ESC}=keypad{ESC}7', [['', 'plain keypad']]),
    # an unterminated string loses only its introducer: what follows is shown, as text
    (f'{ESC}]8;;https://u/ text', [['', '8;;https://u/ text']]),
]


@pytest.mark.skipif(NODE is None, reason='Node.js is not installed (Debian package nodejs)')
def test_escapes_go_and_their_text_stays():
    result = subprocess.run([NODE, '-e', RUNNER, SCRIPT], input=json.dumps([line for line, _ in CASES]),
                            capture_output=True, text=True, timeout=60, check=True)
    shown = json.loads(result.stdout)
    for (line, expected), parts in zip(CASES, shown):
        assert parts == expected, repr(line)
        text = ''.join(part[1] for part in parts)
        assert ESC not in text and 'evil' not in text and 'javascript' not in text
