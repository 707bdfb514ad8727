"""A real OpenLDAP server for the tests: Debian's slapd in a temporary folder, on a free
loopback port, as an unprivileged process (as `nobody` when the tests run as root)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
SUFFIX = "dc=ac-test,dc=fr"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "Racine-annuaire-test-42"  # noqa: S105 — a throwaway test directory
SERVICE_DN = f"cn=tsadmin,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "Compte-de-service-TS-77"  # noqa: S105
PEOPLE = f"ou=personnels,{SUFFIX}"

CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include {schema}
pidfile {folder}/slapd.pid
argsfile {folder}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
# A disabled account: nobody may authenticate with its password.
access to dn.exact="uid=ddesactive,{people}" attrs=userPassword
    by * none
access to attrs=userPassword
    by anonymous auth
    by * none
access to *
    by dn.exact="{service}" read
    by self read
    by * none
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{root}"
rootpw {rootpw}
directory {folder}/data
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Slapd:
    def __init__(self):
        # Its own folder right under the system's temporary folder: pytest's are owner-only,
        # which `nobody` could not cross.
        self.folder = Path(tempfile.mkdtemp(prefix="tsadmin-slapd-"))
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> Slapd:
        if not os.path.exists(SLAPD):
            raise RuntimeError("slapd is missing: run `make test` (scripts/test-deps.sh installs Debian's slapd).")
        (self.folder / "data").mkdir(parents=True)
        conf = self.folder / "slapd.conf"
        conf.write_text(
            CONFIG.format(
                schema=HERE / "fredu.schema",
                folder=self.folder,
                people=PEOPLE,
                service=SERVICE_DN,
                suffix=SUFFIX,
                root=ROOT_DN,
                rootpw=ROOT_PASSWORD,
            )
        )
        subprocess.run(  # noqa: S603 — fixed arguments
            [SLAPADD, "-q", "-f", str(conf), "-l", str(HERE / "people.ldif")], check=True, capture_output=True
        )
        command = [SLAPD, "-f", str(conf), "-h", self.url + "/", "-d", "0"]
        if os.geteuid() == 0:
            # Never a root daemon: the folder goes to nobody, and slapd drops to it.
            for path in [self.folder, *self.folder.rglob("*")]:
                shutil.chown(path, "nobody", "nogroup")
            command += ["-u", "nobody", "-g", "nogroup"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"slapd stopped: {self.process.stderr.read().decode(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)  # waiting for a process to listen, not for a page
        self.stop()
        raise RuntimeError("slapd did not listen within 15 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)

    def modify(self, dn: str, changes: list[tuple[int, str, list[bytes] | None]]) -> None:
        """Change an entry as the directory's administrators would (e.g. a head moved)."""
        import ldap

        conn = ldap.initialize(self.url)
        try:
            conn.simple_bind_s(ROOT_DN, ROOT_PASSWORD)
            conn.modify_s(dn, changes)
        finally:
            conn.unbind_s()
