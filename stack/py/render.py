"""Generate the stack's secrets once and render config templates.

    python render.py secrets STATE_DIR          create STATE_DIR/secrets.env (mode 600) unless it exists
    python render.py render SRC_DIR DEST_DIR    copy SRC_DIR to DEST_DIR replacing @@NAME@@ by values

Values come from the environment and from secrets.env. A placeholder without a value is an error.
"""
import os
import re
import secrets
import sys

SECRET_NAMES = ('DB_PASS', 'RABBIT_PASS', 'SERVICE_PASS', 'ADMIN_PASS', 'DEMO_PASS', 'DEMO2_PASS')
PLACEHOLDER = re.compile(r'@@([A-Z0-9_]+)@@')


def read_env_file(path):
    values = {}
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if line and not line.startswith('#') and '=' in line:
                key, value = line.split('=', 1)
                values[key] = value.strip("'\"")
    return values


def make_secrets(state_dir):
    path = os.path.join(state_dir, 'secrets.env')
    if os.path.exists(path):
        return
    lines = ['# generated once by stack/py/render.py; do not share']
    lines += [f"{name}='{secrets.token_hex(12)}'" for name in SECRET_NAMES]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'w') as handle:
        handle.write('\n'.join(lines) + '\n')


def render(src, dest):
    values = dict(os.environ)
    values.update(read_env_file(os.path.join(os.environ['STACK_DIR'], 'secrets.env')))
    for root, _dirs, files in os.walk(src):
        for name in files:
            source = os.path.join(root, name)
            target = os.path.join(dest, os.path.relpath(source, src))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(source) as handle:
                text = handle.read()
            missing = sorted({m for m in PLACEHOLDER.findall(text) if m not in values})
            if missing:
                sys.exit(f'render: {source}: no value for {", ".join(missing)}')
            text = PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
            # configs hold passwords: readable by their owner only (mariadb/rabbitmq read none of these)
            fd = os.open(target + '.tmp', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, 'w') as handle:
                handle.write(text)
            os.replace(target + '.tmp', target)


def main(argv):
    if argv[1] == 'secrets':
        make_secrets(argv[2])
    elif argv[1] == 'render':
        render(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv)
