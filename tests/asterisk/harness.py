"""A real Asterisk 20 for the tests, run from any folder.

The build (``asterisk-<version>-debian12-amd64.tar.xz``, see ``../shared/asterisk/README.md``) is
found through ``CALLCENTER_TEST_ASTERISK`` (the folder holding it, or the tarball itself), else in
``../shared/asterisk`` beside the checkout. It is unpacked once into a cache folder outside the
clone, keyed by the tarball's hash. Each run gets its own configuration folder: a minimal
``asterisk.conf``/``modules.conf``/``logger.conf``/``musiconhold.conf``, and the unchanged output
of ``callcenter sounds build``, ``callcenter agents provision`` and ``callcenter dialplan render``
(the README's "Deploying with Asterisk" steps), with free loopback ports given to the renderer
through the project's own settings.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.ports import free_ports

ROOT = Path(__file__).resolve().parents[2]
VERSION = "20.20.1"
TARBALL = f"asterisk-{VERSION}-debian12-amd64.tar.xz"
CENTRE_NUMBER = "4008001234"
TRUNK_HOST = "127.0.0.2"  # the trunk's far end: its own loopback address, so PJSIP tells it from the phones


class AsteriskMissing(Exception):
    """No Asterisk build to test against (the reason is the message)."""


def find_tarball() -> Path:
    configured = os.environ.get("CALLCENTER_TEST_ASTERISK")
    base = Path(configured) if configured else ROOT.parent / "shared" / "asterisk"
    tarball = base if base.is_file() else base / TARBALL
    if not tarball.is_file():
        where = "CALLCENTER_TEST_ASTERISK" if configured else "../shared/asterisk beside the checkout"
        raise AsteriskMissing(f"no Asterisk {VERSION} build at {tarball} ({where}); "
                              "set CALLCENTER_TEST_ASTERISK to the folder holding " + TARBALL)
    return tarball


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "callcenter-asterisk"


def unpacked_tree(tarball: Path) -> Path:
    """``<cache>/<version>-<hash>/opt/asterisk``, unpacked once (a lock keeps parallel runs apart)."""
    digest = hashlib.sha256()
    with tarball.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    target = cache_root() / f"{VERSION}-{digest.hexdigest()[:16]}"
    tree = target / "opt" / "asterisk"
    if (target / ".complete").exists():
        return tree
    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / ".complete").exists():
            staging = target.with_name(target.name + ".partial")
            shutil.rmtree(staging, ignore_errors=True)
            with tarfile.open(tarball) as archive:
                archive.extractall(staging, filter="tar")
            shutil.rmtree(target, ignore_errors=True)
            staging.rename(target)
            (target / ".complete").touch()
    return tree


def free_port(udp_too: bool = False, host: str = "127.0.0.1") -> int:
    """A port free on ``host`` for TCP (and UDP when asked: the SIP transports bind both)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind((host, 0))
            port = int(tcp.getsockname()[1])
            if not udp_too:
                return port
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind((host, port))
                except OSError:
                    continue
                return port


def hotline_toml(open_now: bool = True, agi_menu_timeout: int = 1) -> str:
    """A small hotline for the tier: a 1 s ring cycle (three rings = 3 s), members ring 2 s before
    the queue rolls over (R13), short prompts, so each scenario takes seconds."""
    hours = ('open = 00:00:00\nclose = 23:59:59\ndays = [1, 2, 3, 4, 5, 6, 7]' if open_now
             else 'open = 00:00:00\nclose = 00:00:01\ndays = [1, 2, 3, 4, 5, 6, 7]')  # closed all day
    return f"""
blocked_numbers = ["13900000009"]

[centre]
name = "测试中心"
timezone = "Asia/Shanghai"

[hours]
{hours}
on_duty_number = "13900000000"

[rules]
ring_cycle_seconds = 1
rule_rings = 3

[menu]
timeout_seconds = {agi_menu_timeout}
max_attempts = 2
default_department = "service"
options = [
  {{ key = "1", label = "报修", department = "repair" }},
  {{ key = "0", label = "人工服务", department = "service" }},
]

[[departments]]
id = "service"
name = "客服中心"
queue = "service"
agents = ["101", "102"]
member_timeout_seconds = 2
categories = ["complaint", "inquiry", "suggestion", "praise", "other", "billing", "release"]

[[departments]]
id = "repair"
name = "工程维修"
queue = "repair"
agents = ["103"]
member_timeout_seconds = 2
categories = ["repair"]

[[agents]]
id = "101"
name = "李秀英"
extension = "8101"

[[agents]]
id = "102"
name = "王磊"
extension = "8102"

[[agents]]
id = "103"
name = "陈师傅"
extension = "8103"

[[agents]]
id = "900"
name = "周主管"
extension = "8900"
role = "supervisor"

[prompts]
greeting = "您好"
menu = "请按键"
invalid_key = "输入有误"
please_hold = "请稍等"
transferring = "转接"
after_hours = "请留言"
agent_answer = "工号{{agent_id}}"
agent_answer_apology = "抱歉，工号{{agent_id}}"
callback = "回电"
transfer_failed = "请留言"
survey = "请评价"
survey_thanks = "谢谢"
blocked = "无法接入"

[callbacks]
calling_hours_start = 00:00:00
calling_hours_end = 23:59:59
retry_interval_minutes = 10
sweep_seconds = 1
originate_timeout_seconds = 5
"""


@dataclass
class Ports:
    ami: int = field(default_factory=free_port)
    sip: int = field(default_factory=lambda: free_port(udp_too=True))
    agi: int = field(default_factory=free_port)
    # The trunk's far end binds its own loopback address: free there (another run's trunk may hold it).
    trunk: int = field(default_factory=lambda: free_port(udp_too=True, host=TRUNK_HOST))

    def __post_init__(self) -> None:
        # Ports asked for one after the other may come back equal (tests/support/ports.py).
        while len({self.ami, self.sip, self.agi}) < 3:
            self.ami, self.agi = free_ports(2)


def cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``callcenter ARGS`` as a user would (a fresh process, the given environment)."""
    command = [sys.executable, "-c", "from callcenter.cli import main; main()", *args]
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"callcenter {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return done


class Asterisk:
    """One Asterisk process with its own folders, ports and the rendered hotline configuration."""

    def __init__(self, tree: Path, run_dir: Path, systemname: str = "") -> None:
        self.tree = tree
        self.run_dir = run_dir
        self.systemname = systemname  # asterisk.conf: prefixes every Uniqueid (keeps PBXs' Linkedids apart)
        self.etc = run_dir / "etc"
        self.rendered = self.etc / "callcenter"  # `callcenter dialplan render --out-dir` writes here
        self.data = run_dir / "data"
        self.sounds = self.data / "sounds" / "callcenter"  # `callcenter sounds build` → .../callcenter/zh/
        self.spool = run_dir / "spool"
        self.log_dir = run_dir / "log"
        self.var = run_dir / "var"  # the service's var/: secrets, credentials
        self.hotline = run_dir / "hotline.toml"
        self.closed_hotline = run_dir / "hotline-closed.toml"
        self.ports = Ports()
        self.passwords: dict[str, str] = {}  # extension -> SIP password, as provisioned
        self.process: subprocess.Popen[bytes] | None = None
        self.console = run_dir / "console.log"

    # -- configuration ------------------------------------------------------------------------

    @property
    def binary(self) -> Path:
        return self.tree / "sbin" / "asterisk"

    @property
    def conf(self) -> Path:
        return self.etc / "asterisk.conf"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of `callcenter …` for this instance (render and service agree on ports)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
        env.update({
            "CALLCENTER_HOTLINE": str(self.hotline), "CALLCENTER_VAR_DIR": str(self.var),
            "CALLCENTER_SOUNDS_DIR": str(self.sounds), "CALLCENTER_AGI_PORT": str(self.ports.agi),
            "CALLCENTER_AMI_PORT": str(self.ports.ami), "CALLCENTER_SIP_HOST": "127.0.0.1",
            "CALLCENTER_SIP_PORT": str(self.ports.sip), "CALLCENTER_CENTRE_NUMBER": CENTRE_NUMBER,
        })
        env.update(extra)
        return env

    def ami_secrets(self) -> dict[str, str]:
        return dict(json.loads((self.var / "ami-secrets.json").read_text()))

    def service_env(self, **extra: str) -> dict[str, str]:
        """Settings of the service against this Asterisk (README step 6)."""
        secrets = self.ami_secrets()
        return self.env(CALLCENTER_AMI_HOST="127.0.0.1", CALLCENTER_AMI_USER="callcenter",
                        CALLCENTER_AMI_SECRET=secrets["callcenter"],
                        CALLCENTER_AMI_ACTION_USER="callcenter-actions",
                        CALLCENTER_AMI_ACTION_SECRET=secrets["callcenter-actions"], **extra)

    def prepare(self) -> None:
        for folder in (self.etc, self.rendered, self.data, self.spool / "monitor", self.log_dir, self.var,
                       self.run_dir / "run", self.run_dir / "db", self.run_dir / "keys"):
            folder.mkdir(parents=True, exist_ok=True)
        self.hotline.write_text(hotline_toml(open_now=True), encoding="utf-8")
        self.closed_hotline.write_text(hotline_toml(open_now=False), encoding="utf-8")
        varlib = self.tree / "var" / "lib" / "asterisk"
        for name in ("documentation", "rest-api", "static-http", "phoneprov", "images", "firmware"):
            link = self.data / name
            if not link.exists() and (varlib / name).exists():
                link.symlink_to(varlib / name)
        self._write_base_configs()
        self._stand_in_sounds()
        self.walk_deployment()

    def walk_deployment(self) -> None:
        """README "Deploying with Asterisk", steps 1-3: prompts, passwords, render."""
        env = self.env()
        cli(["sounds", "build"], env, self.run_dir)
        issued = json.loads(cli(["agents", "provision", "--format", "json", "--server", "127.0.0.1",
                                 "--port", str(self.ports.sip)], env, self.run_dir).stdout)
        self.passwords.update({p["user"]: p["password"] for p in issued if p["password"]})
        self.render()

    def render(self) -> None:
        cli(["dialplan", "render", "--out-dir", str(self.rendered)], self.env(), self.run_dir)

    def _write_base_configs(self) -> None:
        tree = self.tree
        files = {
            "asterisk.conf": f"""[directories]
astetcdir => {self.etc}
astmoddir => {tree / 'lib' / 'asterisk' / 'modules'}
astvarlibdir => {self.data}
astdbdir => {self.run_dir / 'db'}
astkeydir => {self.run_dir}
astdatadir => {self.data}
astagidir => {self.data / 'agi-bin'}
astspooldir => {self.spool}
astrundir => {self.run_dir / 'run'}
astlogdir => {self.log_dir}
astsbindir => {tree / 'sbin'}

[options]
transmit_silence = yes
""" + (f"systemname = {self.systemname}\n" if self.systemname else ""),
            "modules.conf": """[modules]
autoload = yes
noload = chan_alsa.so
noload = chan_oss.so
noload = chan_console.so
noload = res_srtp.so  ; needs libsrtp2-1; no SRTP here
noload = res_pjsip_phoneprov_provider.so
noload = res_phoneprov.so
noload = cdr_radius.so
noload = cel_radius.so
noload = res_hep.so
noload = res_hep_rtcp.so
noload = res_hep_pjsip.so
""",
            "logger.conf": """[general]
dateformat = %F %T.%3q

[logfiles]
messages => notice,warning,error
full => notice,warning,error,verbose(3),dtmf
""",
            "musiconhold.conf": "[default]\nmode = files\ndirectory = moh\n",
            "rtp.conf": "[general]\nrtpstart = 20000\nrtpend = 30000\n",
            "extensions.conf": "#include \"callcenter/extensions.conf\"\n",
            "queues.conf": "#include \"callcenter/queues.conf\"\n",
            "manager.conf": "#include \"callcenter/manager.conf\"\n",
            # README step 4: the provider's trunk endpoint lands in callcenter-inbound; here its far end is
            # the tests' customer phone on its own loopback address.
            "pjsip.conf": f"""#include "callcenter/pjsip.conf"

[trunk]
type = endpoint
context = callcenter-inbound
disallow = all
allow = ulaw,alaw
aors = trunk
direct_media = no
trust_id_inbound = yes

[trunk]
type = aor
contact = sip:{TRUNK_HOST}:{self.ports.trunk}

[trunk]
type = identify
endpoint = trunk
match = {TRUNK_HOST}
""",
        }
        for name, text in files.items():
            (self.etc / name).write_text(text, encoding="utf-8")

    def _stand_in_sounds(self) -> None:
        """The core sounds and music on hold are downloads; sox makes what the dialplan plays."""
        sounds, moh = self.data / "sounds", self.data / "moh"
        for folder in (sounds / "en", moh):
            folder.mkdir(parents=True, exist_ok=True)
        tones = {sounds / "beep.wav": "0.25 sine 1000", sounds / "en" / "beep.wav": "0.25 sine 1000",
                 moh / "tone.wav": "2 sine 440"}
        for path, synth in tones.items():
            if not path.exists():
                subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(path), "synth",
                                *synth.split(), "vol", "0.3"], check=True)

    # -- process ------------------------------------------------------------------------------

    def _process_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["LD_LIBRARY_PATH"] = str(self.tree / "lib")
        return env

    def start(self, timeout: float = 60.0) -> None:
        """Start Asterisk in the foreground (``-f -n``) and return once it is fully booted and its
        AMI answers."""
        with self.console.open("ab") as console:
            self.process = subprocess.Popen([str(self.binary), "-C", str(self.conf), "-f", "-n"],
                                            stdin=subprocess.DEVNULL, stdout=console,
                                            stderr=subprocess.STDOUT,
                                            env=self._process_env())
        deadline = time.monotonic() + timeout
        while not self._booted():
            if self.process.poll() is not None:
                raise RuntimeError(f"Asterisk exited with {self.process.returncode}; see {self.console}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Asterisk did not boot within {timeout:.0f} s; see {self.console}")
            time.sleep(0.2)
        self.rx("agi set debug on")  # the AGI exchange lands in the full log: what each STREAM FILE played

    def agi_results(self, channel: str) -> list[tuple[str, str]]:
        """(command, Asterisk's answer) of every AGI command run on ``channel``, from the full log."""
        pending: str | None = None
        out: list[tuple[str, str]] = []
        for line in self.log_lines():
            if f"<{channel}>AGI Rx << " in line:
                pending = line.split("AGI Rx << ", 1)[1].strip()
            elif f"<{channel}>AGI Tx >> " in line and pending is not None:
                out.append((pending, line.split("AGI Tx >> ", 1)[1].strip()))
                pending = None
        return out

    def _booted(self) -> bool:
        done = self.rx("core waitfullybooted", check=False)
        if done.returncode != 0 or "fully booted" not in done.stdout.lower():
            return False
        try:
            with socket.create_connection(("127.0.0.1", self.ports.ami), timeout=5) as sock:
                return sock.recv(64).startswith(b"Asterisk Call Manager/")
        except OSError:
            return False

    def rx(self, command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``asterisk -C <conf> -rx COMMAND`` against this instance."""
        done = subprocess.run([str(self.binary), "-C", str(self.conf), "-rx", command],
                              env=self._process_env(),
                              capture_output=True, text=True, timeout=30, check=False)
        if check and done.returncode != 0:
            raise RuntimeError(f"asterisk -rx {command!r} failed: {done.stdout}{done.stderr}")
        return done

    async def arx(self, command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(self.rx, command, check)

    def stop(self, timeout: float = 20.0) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        self.rx("core stop now", check=False)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def log_lines(self, name: str = "full") -> list[str]:
        path = self.log_dir / name
        return path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []
