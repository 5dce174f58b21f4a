"""Start and stop private Docker Engines (Debian docker.io) for the tests and the local stack.

Each daemon gets its own data root, exec root, pidfile, Unix socket and cgroup parent, runs with no
default bridge and no iptables rules (containers get networking only when asked), and can also listen
on a loopback TCP address with TLS (generated CA, server and client certificates), the way a remote
compute host would.

Command line (used by stack/ scripts):
    python tools/dockerd.py start NAME STATE_DIR [--tcp 127.0.0.2:2376]
    python tools/dockerd.py stop NAME STATE_DIR
    python tools/dockerd.py base-image NAME STATE_DIR TAG
"""
from __future__ import annotations

import argparse
import datetime
import io
import ipaddress
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass

import docker

BUSYBOX = '/bin/busybox' if os.path.exists('/bin/busybox') else '/usr/bin/busybox'
API_VERSION = '1.41'
# Applets linked into the base image; busybox-static provides them all.
APPLETS = ('sh', 'ash', 'echo', 'cat', 'sleep', 'ls', 'seq', 'yes', 'head', 'tail', 'printf', 'date',
           'mkdir', 'rm', 'touch', 'cp', 'mv', 'env', 'ps', 'top', 'wc', 'grep', 'sed', 'awk', 'dd',
           'true', 'false', 'kill', 'hostname', 'id', 'ping', 'nc', 'wget', 'ip', 'ifconfig', 'httpd',
           'uname', 'tee', 'find', 'xargs', 'sort', 'uniq', 'tr', 'cut', 'stat', 'du', 'df', 'ln', 'chmod')


@dataclass
class TLSFiles:
    ca_cert: str
    server_cert: str
    server_key: str
    client_cert: str
    client_key: str


class DockerDaemon:
    """One private dockerd. `name` must be short: it is part of socket paths (108-byte limit)."""

    def __init__(self, name: str, state_dir: str, tcp_address: str | None = None) -> None:
        self.name = name
        self.state_dir = os.path.abspath(state_dir)
        self.tcp_address = tcp_address
        self.data_root = os.path.join(self.state_dir, 'data')
        # exec-root holds containerd's socket: keep it short, under /run.
        self.exec_root = os.path.join('/run/ddash', name)
        self.pidfile = os.path.join(self.state_dir, 'dockerd.pid')
        self.logfile = os.path.join(self.state_dir, 'dockerd.log')
        self.socket_path = os.path.join(self.exec_root, 'docker.sock')
        self.tls: TLSFiles | None = None
        if tcp_address:
            tls_dir = os.path.join(self.state_dir, 'tls')
            self.tls = TLSFiles(*(os.path.join(tls_dir, f) for f in (
                'ca.pem', 'server-cert.pem', 'server-key.pem', 'client-cert.pem', 'client-key.pem')))

    @property
    def unix_url(self) -> str:
        return 'unix://' + self.socket_path

    @property
    def tcp_url(self) -> str | None:
        return f'tcp://{self.tcp_address}' if self.tcp_address else None

    def pid(self) -> int | None:
        try:
            with open(self.pidfile) as handle:
                pid = int(handle.read().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except OSError:
            return None
        return pid

    def client(self, timeout: int = 30) -> docker.APIClient:
        return docker.APIClient(base_url=self.unix_url, version=API_VERSION, timeout=timeout)

    def start(self, wait_seconds: float = 60) -> None:
        """Start the daemon unless it already runs; return once it answers /_ping."""
        if self.pid():
            self._wait_ready(wait_seconds)
            return
        os.makedirs(self.data_root, exist_ok=True)
        os.makedirs(self.exec_root, exist_ok=True)
        if os.path.exists(self.socket_path):
            os.unlink(self.socket_path)
        cmd = ['dockerd', '--data-root', self.data_root, '--exec-root', self.exec_root,
               '--pidfile', self.pidfile, '--host', self.unix_url, '--bridge', 'none',
               '--iptables=false', '--ip-masq=false', '--cgroup-parent', '/ddash-' + self.name,
               '--log-level', 'warn', '--userland-proxy=false']
        if self.tcp_address:
            self._ensure_tls()
            cmd += ['--host', self.tcp_url, '--tlsverify', '--tlscacert', self.tls.ca_cert,
                    '--tlscert', self.tls.server_cert, '--tlskey', self.tls.server_key]
        with open(self.logfile, 'ab') as log:
            subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True, close_fds=True)
        self._wait_ready(wait_seconds)

    def _wait_ready(self, wait_seconds: float) -> None:
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            if os.path.exists(self.socket_path):
                try:
                    if self.client(timeout=2).ping():
                        return
                except Exception:  # not up yet
                    pass
            time.sleep(0.2)
        raise RuntimeError(f'dockerd {self.name} did not answer within {wait_seconds}s; see {self.logfile}')

    def stop(self, wait_seconds: float = 30) -> None:
        """Stop the daemon by its pidfile (SIGTERM, then SIGKILL) and unmount what it left."""
        pid = self.pid()
        if pid:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + wait_seconds
            while time.monotonic() < deadline and self.pid():
                time.sleep(0.2)
            if self.pid():
                os.kill(pid, signal.SIGKILL)
        self._unmount_leftovers()

    def destroy(self) -> None:
        """Stop and delete all state (data root included)."""
        self.stop()
        shutil.rmtree(self.state_dir, ignore_errors=True)
        shutil.rmtree(self.exec_root, ignore_errors=True)

    def _unmount_leftovers(self) -> None:
        with open('/proc/mounts') as handle:
            points = [line.split()[1] for line in handle]
        for point in sorted(points, key=len, reverse=True):
            if point.startswith((self.data_root + '/', self.exec_root + '/')):
                subprocess.run(['umount', '-l', point], check=False, capture_output=True)

    def _ensure_tls(self) -> None:
        if os.path.exists(self.tls.client_key):
            return
        os.makedirs(os.path.dirname(self.tls.ca_cert), exist_ok=True)
        host = self.tcp_address.rsplit(':', 1)[0]
        write_tls_files(self.tls, host)

    def build_base_image(self, tag: str) -> str:
        """Create `tag` by `docker import` of a busybox-static rootfs; returns the image id."""
        client = self.client()
        try:
            return client.inspect_image(tag)['Id']
        except docker.errors.NotFound:
            pass
        result = client.import_image_from_data(busybox_rootfs_tar(), repository=tag.split(':')[0],
                                               tag=tag.split(':')[1] if ':' in tag else 'latest')
        if 'error' in str(result).lower():
            raise RuntimeError(f'docker import failed: {result}')
        return client.inspect_image(tag)['Id']


def busybox_rootfs_tar() -> bytes:
    """A tiny root filesystem: busybox-static plus applet links, /tmp and /etc/passwd."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w') as tar:
        def add_dir(path: str, mode: int = 0o755) -> None:
            info = tarfile.TarInfo(path)
            info.type, info.mode = tarfile.DIRTYPE, mode
            tar.addfile(info)

        def add_file(path: str, data: bytes, mode: int = 0o644) -> None:
            info = tarfile.TarInfo(path)
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))

        for directory in ('bin', 'etc', 'root', 'var', 'proc', 'sys', 'dev'):
            add_dir(directory)
        add_dir('tmp', 0o1777)
        with open(BUSYBOX, 'rb') as handle:
            add_file('bin/busybox', handle.read(), 0o755)
        for applet in APPLETS:
            link = tarfile.TarInfo('bin/' + applet)
            link.type, link.linkname = tarfile.SYMTYPE, 'busybox'
            tar.addfile(link)
        add_file('etc/passwd', b'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n')
        add_file('etc/group', b'root:x:0:\nnogroup:x:65534:\n')
    return buffer.getvalue()


def write_tls_files(tls: TLSFiles, host_ip: str) -> None:
    """Generate a CA, a server certificate for `host_ip` and a client certificate (RSA 2048, 1 year)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def key():
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def name(common: str):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    def builder(subject, issuer, public_key):
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
                .public_key(public_key).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=365)))

    def save(path: str, data: bytes, mode: int) -> None:
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), 'wb') as handle:
            handle.write(data)

    def save_key(path: str, private_key) -> None:
        save(path, private_key.private_bytes(serialization.Encoding.PEM,
                                             serialization.PrivateFormat.TraditionalOpenSSL,
                                             serialization.NoEncryption()), 0o600)

    ca_key = key()
    ca_cert = (builder(name('docker-dashboard local CA'), name('docker-dashboard local CA'), ca_key.public_key())
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .sign(ca_key, hashes.SHA256()))
    server_key = key()
    server_cert = (builder(name(host_ip), ca_cert.subject, server_key.public_key())
                   .add_extension(x509.SubjectAlternativeName([
                       x509.IPAddress(ipaddress.ip_address(host_ip)), x509.DNSName('localhost')]), critical=False)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                   .sign(ca_key, hashes.SHA256()))
    client_key = key()
    client_cert = (builder(name('docker-dashboard client'), ca_cert.subject, client_key.public_key())
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                   .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    save(tls.ca_cert, ca_cert.public_bytes(pem), 0o644)
    save(tls.server_cert, server_cert.public_bytes(pem), 0o644)
    save_key(tls.server_key, server_key)
    save(tls.client_cert, client_cert.public_bytes(pem), 0o644)
    save_key(tls.client_key, client_key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('action', choices=('start', 'stop', 'destroy', 'base-image'))
    parser.add_argument('name')
    parser.add_argument('state_dir')
    parser.add_argument('tag', nargs='?')
    parser.add_argument('--tcp', help='also listen on HOST:PORT with TLS')
    args = parser.parse_args(argv)
    daemon = DockerDaemon(args.name, args.state_dir, args.tcp)
    if args.action == 'start':
        daemon.start()
        print(daemon.unix_url)
    elif args.action == 'stop':
        daemon.stop()
    elif args.action == 'destroy':
        daemon.destroy()
    else:
        print(daemon.build_base_image(args.tag or 'busybox:latest'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
