"""`callcenter dialplan render`: Asterisk 20 files for the hotline (contract C3, R1, R12-R14, R18).

The rendered extensions.conf is parsed the way Asterisk reads it (contexts, `exten =>`/`same =>`
priorities) and every jump, prompt and agent is checked against what exists.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from callcenter.config import load_settings
from callcenter.ivr import dialplan, greeting, routing

ROOT = Path(__file__).resolve().parents[1]
Plan = dict[str, dict[str, list[str]]]  # context -> extension -> applications by priority


def parse_extensions(text: str) -> Plan:
    plan: Plan = {}
    context, last = "", ""
    for raw in text.splitlines():
        line = re.sub(r"\s+;.*$", "", raw).strip()
        if not line or line.startswith(";"):
            continue
        if line.startswith("["):
            context = line.strip("[]")
            plan[context] = {}
        elif line.startswith("exten =>"):
            ext, _prio, app = line.removeprefix("exten =>").strip().split(",", 2)
            last = ext
            plan[context].setdefault(ext, []).append(app)
        elif line.startswith("same =>"):
            plan[context][last].append(line.removeprefix("same =>").strip().split(",", 1)[1])
    return plan


@pytest.fixture
def rendered(tmp_path: Path, hotline_path: Path) -> Path:
    env = {"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_VAR_DIR": str(tmp_path / "var")}
    settings = load_settings(env)
    dialplan.render_all(settings, tmp_path / "dialplans", env=env)
    return tmp_path


def _plan(rendered: Path) -> Plan:
    return parse_extensions((rendered / "dialplans" / "extensions.conf").read_text(encoding="utf-8"))


def _expand(target: str, plan: Plan, context: str) -> list[tuple[str, str]]:
    """Resolve the variables a jump uses to every value the service may give them."""
    parts = [p.strip() for p in target.split(",")]
    ctx, ext = (parts[0], parts[1]) if len(parts) == 3 else (context, parts[0])
    if ext == "${CC_ROUTE}":
        return [(ctx, route) for route in routing.ROUTES]
    if ext in ("${CC_TARGET}", "${EXTEN}"):
        return [(ctx, e) for e in plan[ctx]]  # per-agent extensions, checked against the roster below
    return [(ctx, ext)]


def test_every_goto_and_handler_target_exists(rendered: Path) -> None:
    plan = _plan(rendered)
    jumps = 0
    for context, extensions in plan.items():
        for apps in extensions.values():
            for app in apps:
                for target in re.findall(r"Goto\(([^)]*)\)",
                                         app) + re.findall(r"GotoIf\([^?]*\?([^):]*)", app) \
                        + re.findall(r"hangup_handler_push\)=([^)]*)\)?", app):
                    for ctx, ext in _expand(target, plan, context):
                        assert ctx in plan, f"{context}: jump to missing context {ctx}"
                        assert ext in plan[ctx], f"{context}: jump to missing {ctx},{ext}"
                        jumps += 1
    assert jumps > 20


def test_inbound_path_follows_contract_c3(rendered: Path) -> None:
    plan = _plan(rendered)
    inbound = plan["callcenter-inbound"]["_X."]
    assert inbound[0] == "Answer()"  # R3: answered at once
    assert any(a.startswith("MixMonitor(${UNIQUEID}.wav,r(${UNIQUEID}-caller.wav)t(${UNIQUEID}-agent.wav))")
               for a in inbound)
    assert "AGI(agi://127.0.0.1:4573/inbound)" in inbound
    assert inbound[-1] == "Goto(callcenter-route,${CC_ROUTE},1)"
    queue = plan["callcenter-route"]["queue"][0]
    # Asterisk 20: Queue(queuename,options,URL,announceoverride,timeout,AGI,...)
    assert queue == "Queue(${CC_TARGET},t,,,300,agi://127.0.0.1:4573/answered)"
    assert plan["callcenter-route"]["blocked"][0] == "Playback(callcenter/zh/blocked)"
    after = plan["callcenter-message"]["after_hours"]  # R18: prompt, message, then the service is told
    assert "Playback(callcenter/zh/after_hours)" in after
    record = plan["callcenter-message"]["record"][0]
    assert record.startswith("Record(") and record.endswith(",k)")
    assert plan["callcenter-message-left"]["s"] == ["Set(AGISIGHUP=no)", "AGI(agi://127.0.0.1:4573/message)",
                                                   "Return()"]


def test_unanswered_transfer_falls_back_to_a_message_r12(rendered: Path) -> None:
    plan = _plan(rendered)
    apps = plan["callcenter-transfer"]["8101"]
    assert apps[1] == "Playback(callcenter/zh/transferring)"
    assert apps[2].startswith("Dial(PJSIP/8101,12,")
    assert apps[-1] == "Goto(callcenter-message,transfer_failed,1)"
    assert "Playback(callcenter/zh/transfer_failed)" in plan["callcenter-message"]["transfer_failed"]
    owner = plan["callcenter-owner"]["8102"]  # R14: owner first, then the department's queue
    assert owner[-1] == "Goto(callcenter-route,queue,1)" and "Set(CC_TARGET=${CC_QUEUE})" in owner


@pytest.mark.speech
def test_every_referenced_sound_exists_under_sounds(rendered: Path, hotline_path: Path) -> None:
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path)})
    sounds = rendered / "sounds"
    env = {**os.environ, "CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_SOUNDS_DIR": str(sounds)}
    built = subprocess.run([sys.executable, "-c", "from callcenter.cli import main; main()",
                            "sounds", "build"],
                           cwd=rendered, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert built.returncode == 0, built.stderr
    text = (rendered / "dialplans" / "extensions.conf").read_text(encoding="utf-8")
    for app in re.findall(r"(?:Playback|Background)\(([^)]*)\)", text):
        assert app.startswith("callcenter/zh/"), app  # nothing from outside sounds/
    referenced = set(re.findall(r"callcenter/zh/([a-z0-9_]+)", text))
    # ... and what the FastAGI scripts stream: greeting, menu, invalid_key, every agent's 工号 (R2/R3).
    referenced |= {"greeting", "menu", "invalid_key", "agent", "agent_apology"}
    for agent in settings.hotline.agents:
        for greeting_kind in ("standard", "apology"):
            referenced.add(greeting.announcement(agent, greeting_kind).prompt)  # type: ignore[arg-type]
    assert len(referenced) > 20
    for name in referenced:
        wav = sounds / "zh" / f"{name}.wav"
        assert wav.exists(), f"extensions.conf or the AGI plays callcenter/zh/{name}, missing in sounds/"


def test_every_agent_has_endpoint_auth_aor_and_queue_membership(rendered: Path, hotline_path: Path) -> None:
    hotline = load_settings({"CALLCENTER_HOTLINE": str(hotline_path)}).hotline
    pjsip = (rendered / "dialplans" / "pjsip.conf").read_text(encoding="utf-8")
    sections: dict[tuple[str, str], dict[str, str]] = {}
    for block in re.split(r"\n(?=\[)", pjsip):
        head = re.match(r"\[([^\]]+)\]", block.strip())
        if head:
            body = dict(re.findall(r"^(\w+) = (.*)$", block, re.MULTILINE))
            sections[(head.group(1), body.get("type", ""))] = body
    queues = (rendered / "dialplans" / "queues.conf").read_text(encoding="utf-8")
    for agent in hotline.agents:
        endpoint = sections[(agent.extension, "endpoint")]
        assert endpoint["auth"] == f"{agent.extension}-auth" and endpoint["aors"] == agent.extension
        assert sections[(f"{agent.extension}-auth", "auth")]["password"]
        assert (agent.extension, "aor") in sections
        if agent.role == "agent":
            assert f"member => PJSIP/{agent.extension}," in queues
    assert {("transport-udp", "transport"), ("transport-tcp", "transport")} <= set(sections)
    plan = _plan(rendered)  # R12/R14: every agent can be reached directly, with a fall-back
    extensions = {a.extension for a in hotline.agents}
    assert set(plan["callcenter-owner"]) == extensions == set(plan["callcenter-transfer"])


def test_queues_ring_members_below_three_rings_r13(rendered: Path) -> None:
    queues = configparser.ConfigParser(strict=False, inline_comment_prefixes=(";",))
    queues_conf = (rendered / "dialplans" / "queues.conf").read_text(encoding="utf-8")
    queues.read_string(queues_conf.replace("=>", "="))
    for name in ("service", "repair", "billing"):
        q = queues[name]
        assert q["setinterfacevar"] == "yes" and q["ringinuse"] == "no"
        assert int(q["timeout"]) < 15 and q["retry"] == "1" and q["strategy"]


def test_manager_has_timestamps_and_two_least_privilege_users(rendered: Path) -> None:
    manager = configparser.ConfigParser(strict=False, inline_comment_prefixes=(";",))
    manager.read_string((rendered / "dialplans" / "manager.conf").read_text(encoding="utf-8"))
    assert manager["general"]["timestampevents"] == "yes"
    users = [s for s in manager.sections() if s != "general"]
    assert users == ["callcenter", "callcenter-actions"]
    listener, action = manager["callcenter"], manager["callcenter-actions"]
    assert "originate" not in listener["write"] and "call" not in listener["write"].split(",")
    assert "originate" in action["write"]
    assert "system" not in action["write"] and "config" not in action["write"]
    text = (rendered / "dialplans" / "manager.conf").read_text(encoding="utf-8")
    assert text.count("deny = 0.0.0.0/0.0.0.0\npermit = 127.0.0.1/255.255.255.255") == 2


def test_sip_passwords_from_environment_or_kept_private(tmp_path: Path, hotline_path: Path) -> None:
    env = {"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_VAR_DIR": str(tmp_path / "var"),
           "CALLCENTER_SIP_PASSWORD_101": "from-the-environment"}
    settings = load_settings(env)
    dialplan.render_all(settings, tmp_path / "a", env=env)
    dialplan.render_all(settings, tmp_path / "b", env=env)
    first = (tmp_path / "a" / "pjsip.conf").read_text(encoding="utf-8")
    assert "password = from-the-environment" in first
    assert first == (tmp_path / "b" / "pjsip.conf").read_text(encoding="utf-8")  # generated ones are kept
    secrets = tmp_path / "var" / "sip-secrets.json"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert "from-the-environment" not in secrets.read_text() and "102" in secrets.read_text()
    assert stat.S_IMODE((tmp_path / "a" / "pjsip.conf").stat().st_mode) == 0o600


def test_same_ami_user_for_both_roles_is_rejected(tmp_path: Path, hotline_path: Path) -> None:
    from callcenter.errors import ConfigError

    env = {"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_VAR_DIR": str(tmp_path / "var"),
           "CALLCENTER_AMI_USER": "cc", "CALLCENTER_AMI_ACTION_USER": "cc"}
    with pytest.raises(ConfigError, match="CALLCENTER_AMI_ACTION_USER"):
        dialplan.render_all(load_settings(env), tmp_path / "d", env=env)


def test_rendered_ports_follow_the_settings(tmp_path: Path, hotline_path: Path) -> None:
    from callcenter.errors import ConfigError

    env = {"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_VAR_DIR": str(tmp_path / "var"),
           "CALLCENTER_AMI_PORT": "15038", "CALLCENTER_SIP_HOST": "127.0.0.1", "CALLCENTER_SIP_PORT": "15060"}
    dialplan.render_all(load_settings(env), tmp_path / "p", env=env)
    pjsip = (tmp_path / "p" / "pjsip.conf").read_text(encoding="utf-8")
    assert pjsip.count("bind = 127.0.0.1:15060") == 2  # UDP and TCP
    assert "port = 15038" in (tmp_path / "p" / "manager.conf").read_text(encoding="utf-8")
    with pytest.raises(ConfigError, match="CALLCENTER_SIP_PORT"):
        dialplan.render_all(load_settings(env), tmp_path / "q", env={**env, "CALLCENTER_SIP_PORT": "sip"})


def test_logger_turns_on_the_queue_log_the_service_reads_after_downtime(rendered: Path) -> None:
    logger = configparser.ConfigParser(strict=False, inline_comment_prefixes=(";",))
    text = (rendered / "dialplans" / "logger.conf").read_text(encoding="utf-8")
    logger.read_string(text.replace("=>", "="))
    general = logger["general"]
    assert general["queue_log"] == "yes" and general["queue_log_to_file"] == "yes"
    assert general["queue_log_name"] == "queue_log"  # /var/log/asterisk/queue_log = CALLCENTER_QUEUE_LOG
    # Asterisk's own logs stay
    assert "console" in logger["logfiles"] and "messages.log" in logger["logfiles"]


def test_render_command_writes_the_five_files(tmp_path: Path, hotline_path: Path) -> None:
    env = {**os.environ, "CALLCENTER_HOTLINE": str(hotline_path)}
    done = subprocess.run([sys.executable, "-c", "from callcenter.cli import main; main()",
                           "dialplan", "render"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "dialplans").iterdir()) == \
        ["extensions.conf", "logger.conf", "manager.conf", "pjsip.conf", "queues.conf"]
    assert "sounds build" in done.stderr  # warns that the prompts are not built in this directory


def test_render_command_makes_the_ami_secrets_when_an_ami_host_is_already_set(tmp_path: Path,
                                                                              hotline_path: Path) -> None:
    """Rendering is how the AMI secrets are made: an AMI host set for the service, with no secret
    yet, must not stop it; the generated secrets land in var/ami-secrets.json and manager.conf."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_AMI_")}
    env |= {"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_AMI_HOST": "127.0.0.1"}
    done = subprocess.run([sys.executable, "-c", "from callcenter.cli import main; main()",
                           "dialplan", "render"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    generated = json.loads((tmp_path / "var" / "ami-secrets.json").read_text(encoding="utf-8"))
    manager = (tmp_path / "dialplans" / "manager.conf").read_text(encoding="utf-8")
    assert sorted(generated) == ["callcenter", "callcenter-actions"]
    assert all(f"secret = {secret}" in manager for secret in generated.values())


def test_provisioned_softphone_gets_its_digest_not_a_password(tmp_path: Path, hotline_path: Path) -> None:
    from callcenter.ivr.credentials import CredentialStore, credentials_path, md5_cred, provision

    env = {"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_VAR_DIR": str(tmp_path / "var")}
    settings = load_settings(env)
    [issued] = provision(settings.hotline, CredentialStore(credentials_path(settings.var_dir)), "102")
    assert issued.password is not None
    dialplan.render_all(settings, tmp_path / "d", env=env)
    pjsip = (tmp_path / "d" / "pjsip.conf").read_text(encoding="utf-8")
    auth = pjsip.split("[8102-auth]")[1].split("\n\n")[0]
    assert "auth_type = md5" in auth
    assert f"md5_cred = {md5_cred('8102', 'callcenter', issued.password)}" in auth
    assert "password =" not in auth and issued.password not in pjsip
    assert "auth_type = userpass" in pjsip.split("[8101-auth]")[1].split("\n\n")[0]  # not provisioned yet


def test_broken_secrets_file_is_named_not_overwritten(tmp_path: Path, hotline_path: Path) -> None:
    from callcenter.errors import ConfigError

    env = {"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_VAR_DIR": str(tmp_path / "var")}
    (tmp_path / "var").mkdir()
    broken = tmp_path / "var" / "sip-secrets.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sip-secrets\.json"):
        dialplan.render_all(load_settings(env), tmp_path / "d", env=env)
    assert broken.read_text(encoding="utf-8") == "{not json"  # nothing lost


def test_password_that_would_break_the_conf_file_is_refused(tmp_path: Path, hotline_path: Path) -> None:
    from callcenter.errors import ConfigError

    env = {"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_VAR_DIR": str(tmp_path / "var"),
           "CALLCENTER_SIP_PASSWORD_103": "abc;def"}
    with pytest.raises(ConfigError, match="CALLCENTER_SIP_PASSWORD_103"):
        dialplan.render_all(load_settings(env), tmp_path / "d", env=env)


def test_callbacks_land_in_contexts_that_exist_r14_r21(rendered: Path, hotline_path: Path) -> None:
    from callcenter.callbacks.executor import CALLBACK_CONTEXT, QUEUE_CONTEXT

    plan = _plan(rendered)
    hotline = load_settings({"CALLCENTER_HOTLINE": str(hotline_path)}).hotline
    # The executor's agent leg Local/<queue>@callcenter-queues, then the customer at CALLBACK_CONTEXT.
    assert set(plan[QUEUE_CONTEXT]) == {d.queue for d in hotline.departments}
    assert plan[QUEUE_CONTEXT]["service"][0] == "Queue(service,r,,,60)"
    dial = plan[CALLBACK_CONTEXT]["_X."][2]
    assert dial.startswith("Dial(PJSIP/${EXTEN}@${CALLCENTER_TRUNK},45,A(callcenter/zh/callback)")
    # R21: survey after a repair follow-up
    [(context, exten)] = re.findall(r"\?F\(([^\^]+)\^([^\^]+)\^1\)", dial)
    assert exten in plan[context]
    assert plan[context][exten][0].startswith("Read(CC_SURVEY_SCORE,callcenter/zh/survey,")
    text = (rendered / "dialplans" / "extensions.conf").read_text(encoding="utf-8")
    assert "CALLCENTER_TRUNK=trunk" in text.split("[globals]")[1]


def test_listening_in_rings_only_supervisors_and_never_spies_without_a_channel_r17(
        rendered: Path, hotline_path: Path) -> None:
    plan = _plan(rendered)
    hotline = load_settings({"CALLCENTER_HOTLINE": str(hotline_path)}).hotline
    supervisors = {a.extension for a in hotline.agents if a.role == "supervisor"}
    assert supervisors and set(plan["callcenter-spy-phone"]) == supervisors
    for extension in supervisors:
        assert plan["callcenter-spy-phone"][extension][0] == f"Dial(PJSIP/{extension},30)"
    spy = plan["callcenter-spy"]
    for mode, options in (("listen", "qdES"), ("whisper", "qdESw"), ("barge", "qdESB")):
        assert spy[mode][0] == 'GotoIf($["${CC_SPY_CHANNEL}" = ""]?nobody,1)'  # an empty prefix spies on all
        assert spy[mode][1] == f"ChanSpy(${{CC_SPY_CHANNEL}},{options})"
    assert spy["nobody"] == ["Hangup()"]
