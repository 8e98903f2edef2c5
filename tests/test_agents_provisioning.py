"""Softphone provisioning: passwords issued once, only their PJSIP digest stored, rotation."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callcenter.cli import _mount, app
from callcenter.hotline import Hotline
from callcenter.ivr.credentials import (
    REALM,
    CredentialsError,
    CredentialStore,
    credentials_path,
    md5_cred,
    pjsip_auths,
    provision,
    verify,
)


def test_md5_cred_is_the_digest_pjsip_expects() -> None:
    assert md5_cred("8101", "callcenter", "s3cret") == hashlib.md5(b"8101:callcenter:s3cret").hexdigest()


def test_every_agent_gets_a_password_and_only_its_digest_is_stored(hotline: Hotline, tmp_path: Path) -> None:
    store = CredentialStore(credentials_path(tmp_path))
    issued = provision(hotline, store)
    assert [p.extension for p in issued] == [a.extension for a in hotline.agents]
    text = store.path.read_text()
    for item in issued:
        assert item.password and len(item.password) == 16
        assert item.password not in text  # the plaintext is shown once, never kept
        assert verify(tmp_path, item.extension, item.password)
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600


def test_provisioning_again_keeps_passwords_and_shows_none(hotline: Hotline, tmp_path: Path) -> None:
    store = CredentialStore(credentials_path(tmp_path))
    first = {p.extension: p.password for p in provision(hotline, store)}
    again = provision(hotline, store, "101")
    assert [(p.extension, p.password) for p in again] == [("8101", None)]
    assert verify(tmp_path, "8101", first["8101"] or "")


def test_rotation_replaces_one_agents_password_only(hotline: Hotline, tmp_path: Path) -> None:
    store = CredentialStore(credentials_path(tmp_path))
    first = {p.extension: p.password or "" for p in provision(hotline, store)}
    rotated = provision(hotline, store, "101", rotate=True)[0]
    assert rotated.password and rotated.password != first["8101"]
    assert not verify(tmp_path, "8101", first["8101"])
    assert verify(tmp_path, "8101", rotated.password)
    assert verify(tmp_path, "8102", first["8102"])


def test_unknown_agent_is_named_in_the_error(hotline: Hotline, tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match=r"'999'.*known: 101"):
        provision(hotline, CredentialStore(credentials_path(tmp_path)), "999")


def test_corrupt_credentials_file_is_reported_not_overwritten(hotline: Hotline, tmp_path: Path) -> None:
    path = credentials_path(tmp_path)
    path.write_text("{not json")
    with pytest.raises(CredentialsError, match="not a credentials file"):
        provision(hotline, CredentialStore(path))
    assert path.read_text() == "{not json"


def test_renderer_gets_digests_for_provisioned_extensions_only(hotline: Hotline, tmp_path: Path) -> None:
    provision(hotline, CredentialStore(credentials_path(tmp_path)), "102")
    auths = pjsip_auths(hotline, tmp_path)
    assert list(auths) == ["8102"]
    auth = auths["8102"]
    assert auth.realm == REALM and auth.username == "8102" and len(auth.md5_cred) == 32


def _run(args: list[str], tmp_path: Path, hotline_path: Path) -> tuple[int, str, str]:
    _mount()
    env = {"CALLCENTER_VAR_DIR": str(tmp_path), "CALLCENTER_HOTLINE": str(hotline_path)}
    result = CliRunner().invoke(app, args, env=env)
    return result.exit_code, result.stdout, result.stderr


def test_cli_prints_json_settings_with_sip_uri_and_password_once(tmp_path: Path, hotline_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    code, out, _ = _run(["agents", "provision", "--agent", "101", "--format", "json", "--server",
                         "pbx.example",
                         "--transport", "tcp"], tmp_path, hotline_path)
    assert code == 0, out
    phone = json.loads(out)[0]
    assert phone["user"] == "8101" and phone["server"] == "pbx.example" and phone["port"] == 5060
    assert phone["uri"] == f"sip:8101:{phone['password']}@pbx.example:5060;transport=tcp"
    assert verify(tmp_path, "8101", phone["password"])
    assert phone["password"] not in caplog.text  # never logged
    code, out, _ = _run(["agents", "provision", "--agent", "101", "--format", "json"], tmp_path, hotline_path)
    assert json.loads(out)[0]["password"] is None


def test_cli_text_output_has_an_ascii_qr_code(tmp_path: Path, hotline_path: Path) -> None:
    code, out, _ = _run(["agents", "provision", "--agent", "102", "--qr", "--server", "pbx"], tmp_path,
                        hotline_path)
    assert code == 0
    assert "工号 102 王磊" in out and "sip:8102:" in out
    assert "█" in out and "▀" in out  # the QR code's block characters


def test_cli_tells_how_to_load_new_passwords_with_a_command_asterisk_20_has(tmp_path: Path,
                                                                             hotline_path: Path) -> None:
    code, _, err = _run(["agents", "provision", "--agent", "101"], tmp_path, hotline_path)
    assert code == 0
    assert "callcenter dialplan render && asterisk -rx 'module reload res_pjsip.so'" in err
    assert "'pjsip reload'" not in err  # no such command in Asterisk 20


def test_cli_provisions_before_any_ami_secret_exists(tmp_path: Path, hotline_path: Path) -> None:
    """Provisioning precedes the first render, which is what makes the AMI secrets: an AMI host
    already set for the service must not stop it."""
    _mount()
    env = {"CALLCENTER_VAR_DIR": str(tmp_path), "CALLCENTER_HOTLINE": str(hotline_path),
           "CALLCENTER_AMI_HOST": "127.0.0.1", "CALLCENTER_AMI_SECRET": "",
           "CALLCENTER_AMI_ACTION_SECRET": ""}
    result = CliRunner().invoke(app, ["agents", "provision", "--agent", "101", "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    assert verify(tmp_path, "8101", json.loads(result.stdout)[0]["password"])


def test_phones_are_told_a_server_they_can_reach_never_localhost(tmp_path: Path, hotline_path: Path) -> None:
    from callcenter.agents.cli import host_address

    found = host_address()
    code, out, err = _run(["agents", "provision", "--agent", "101", "--format", "json"], tmp_path,
                          hotline_path)
    if found is None:  # a host with loopback only: refused, naming the way out
        assert code != 0 and "--server" in err and "CALLCENTER_SIP_SERVER" in err
        return
    assert code == 0, err
    server = json.loads(out)[0]["server"]
    assert server == found and server != "localhost" and not server.startswith("127.")
    assert f"server {found}: this host's network address" in err


def test_the_sip_server_setting_names_the_server_phones_register_with(
        tmp_path: Path, hotline_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_SIP_SERVER", "pbx.centre.example")
    code, out, _ = _run(["agents", "provision", "--agent", "101", "--format", "json"], tmp_path, hotline_path)
    assert code == 0 and json.loads(out)[0]["server"] == "pbx.centre.example"
