"""A real IMAP server for tests: Debian's dovecot (`make mail-deps` installs dovecot-imapd) started on a free
loopback port with its own configuration in a temporary folder: plain login over loopback, users in a passwd-file,
maildirs in the folder. One server per test session (and xdist worker); each test adds its own user, so mailboxes
never mix. `deliver` puts a message into a user's INBOX with IMAP APPEND, as a mail server's delivery would (or into
another folder, as a mail program files what it sent); `create_folder` makes a folder. A folder named "Gesendet"
carries the SPECIAL-USE attribute \\Sent (RFC 6154), as a server marks the Sent folder whatever its name."""

from __future__ import annotations

import getpass
import imaplib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = 1
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users/%u
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  mailbox Gesendet {{
    special_use = \\Sent
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@dataclass(frozen=True)
class ImapAccount:
    host: str
    port: int
    username: str
    password: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DovecotServer:
    def __init__(self) -> None:
        if not os.path.exists(DOVECOT):
            raise RuntimeError("dovecot is missing: run `make mail-deps` (apt-get install dovecot-imapd)")
        self.root = Path(tempfile.mkdtemp(prefix="guanxi-dovecot-"))
        self.root.chmod(0o755)  # dovecot's own processes (another uid when started by root) read the folder
        (self.root / "home").mkdir()
        # One passwd-file per user: dovecot re-reads a changed passwd-file at most once a second, a new file at once.
        (self.root / "users").mkdir()
        self.host = "127.0.0.1"
        self.port = _free_port()
        if os.geteuid() == 0:  # as root, the mail processes run as the package's dovecot user
            uid = gid = "dovecot"
            shutil.chown(self.root / "home", "dovecot", "dovecot")
            users = ""
        else:  # as anyone else, every dovecot process runs as that user
            me = getpass.getuser()
            uid, gid = str(os.getuid()), str(os.getgid())
            users = f"default_internal_user = {me}\ndefault_login_user = {me}\n"
        config = self.root / "dovecot.conf"
        config.write_text(CONFIG.format(root=self.root, port=self.port, uid=uid, gid=gid, users=users))
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)  # fmt: skip
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"dovecot stopped: {self.process.stderr.read().decode() if self.process.stderr else ''}"
                )
            try:
                socket.create_connection((self.host, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("dovecot did not start listening within 15 s")

    def add_user(self, prefix: str = "box") -> ImapAccount:
        username = f"{prefix}-{secrets.token_hex(4)}@example.com"
        password = secrets.token_urlsafe(12)
        (self.root / "users" / username).write_text(f"{username}:{{PLAIN}}{password}\n")
        return ImapAccount(host=self.host, port=self.port, username=username, password=password)

    def deliver(self, account: ImapAccount, raw: bytes | str, folder: str = "INBOX") -> None:
        data = raw.encode() if isinstance(raw, str) else raw
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            conn.login(account.username, account.password)
            typ, reply = conn.append(folder if folder.isalnum() else f'"{folder}"', None, None, data)
            if typ != "OK":
                raise RuntimeError(f"APPEND failed: {reply!r}")
        finally:
            conn.logout()

    def create_folder(self, account: ImapAccount, folder: str) -> None:
        """Make a folder (its name as IMAP spells it: modified UTF-7, e.g. "&XfJT0ZAB-" for 已发送)."""
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            conn.login(account.username, account.password)
            typ, reply = conn.create(folder if folder.isalnum() else f'"{folder}"')
            if typ != "OK":
                raise RuntimeError(f"CREATE failed: {reply!r}")
        finally:
            conn.logout()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.root, ignore_errors=True)
