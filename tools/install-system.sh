#!/usr/bin/env bash
# Installs the Debian packages the tests and the local stack need; does nothing when they are present.
set -euo pipefail
packages=(docker.io busybox-static rabbitmq-server mariadb-server docker-registry chromium chromium-driver
          iproute2 openssl curl procps)
missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "install-system: missing Debian packages (${missing[*]}); run as root or install them" >&2
    exit 1
fi
echo "install-system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# No init system here: keep package scripts from starting daemons; the harness starts its own.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=1
fi
apt-get update -qq
apt-get install -y -qq "${missing[@]}"
[ "$created_policy" = 1 ] && rm -f "$policy"
exit 0
