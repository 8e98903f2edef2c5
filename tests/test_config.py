"""Configuration: a bad or missing setting stops start-up with a message naming it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from callcenter.config import load_settings
from callcenter.errors import ConfigError
from callcenter.hotline import parse_hotline
from callcenter.ivr.accounts import ami_users


def _example(hotline_path: Path) -> dict:
    return tomllib.loads(hotline_path.read_text(encoding="utf-8"))


def test_example_hotline_loads_with_rule_defaults(hotline_path: Path) -> None:
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path)})
    assert settings.hotline.centre.name == "深科物业服务中心"
    assert settings.ring_cycle_seconds == 5 and settings.rule_rings == 3  # R1
    assert settings.database_url == "sqlite:///var/callcenter.db"
    assert settings.ami is None  # no Asterisk configured: the embedded PBX is used


def test_environment_overrides_rule_numbers(hotline_path: Path) -> None:
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_RING_CYCLE_SECONDS": "6",
                              "CALLCENTER_RULE_RINGS": "2", "CALLCENTER_CENTRE_NAME": "康泰物业服务中心"})
    assert settings.hotline.rules.window_seconds == 12
    assert settings.hotline.centre.name == "康泰物业服务中心"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"CALLCENTER_RING_CYCLE_SECONDS": "five"}, "CALLCENTER_RING_CYCLE_SECONDS"),
        # NaN or infinity would make every ring sum meaningless and lose every call (issue 11).
        ({"CALLCENTER_RING_CYCLE_SECONDS": "nan"}, "CALLCENTER_RING_CYCLE_SECONDS"),
        ({"CALLCENTER_RING_CYCLE_SECONDS": "inf"}, "CALLCENTER_RING_CYCLE_SECONDS"),
        ({"CALLCENTER_RING_CYCLE_SECONDS": "-Infinity"}, "CALLCENTER_RING_CYCLE_SECONDS"),
        ({"CALLCENTER_SPOOL_MAX_MB": "0"}, "CALLCENTER_SPOOL_MAX_MB"),
        ({"CALLCENTER_PBX_NAME": " pbx"}, "CALLCENTER_PBX_NAME"),
        ({"CALLCENTER_AMI_HOST": "10.0.0.5"}, "CALLCENTER_AMI_SECRET"),
        ({"CALLCENTER_AMI_HOST": "pbx", "CALLCENTER_AMI_SECRET": "s", "CALLCENTER_AMI_PORT": "99999"},
         "CALLCENTER_AMI_PORT"),
        ({"CALLCENTER_DATABASE_URL": "callcenter.db"}, "CALLCENTER_DATABASE_URL"),
        ({"CALLCENTER_HOTLINE": "/nonexistent/hotline.toml"}, "hotline"),
    ],
)
def test_bad_setting_is_named(env: dict[str, str], named: str, hotline_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({"CALLCENTER_HOTLINE": str(hotline_path), **env})
    assert err.value.setting == named
    assert named in str(err.value)


def test_secret_never_shows_in_repr(hotline_path: Path) -> None:
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_AMI_HOST": "127.0.0.1",
                              "CALLCENTER_AMI_SECRET": "hunter2-very-secret"})
    assert "hunter2" not in repr(settings)
    assert settings.ami is not None and settings.ami.secret.reveal() == "hunter2-very-secret"


def test_missing_centre_name_is_rejected(hotline_path: Path) -> None:
    data = _example(hotline_path)
    del data["centre"]["name"]
    with pytest.raises(ConfigError, match=r"centre\.name"):
        parse_hotline(data)


def test_duplicate_menu_key_is_rejected(hotline_path: Path) -> None:
    data = _example(hotline_path)
    data["menu"]["options"].append({"key": "1", "label": "重复", "department": "service"})
    with pytest.raises(ConfigError, match="menu key '1' is used twice"):
        parse_hotline(data)


def test_agent_in_no_queue_is_rejected(hotline_path: Path) -> None:
    data = _example(hotline_path)
    data["agents"].append({"id": "404", "name": "孙无组", "extension": "8404"})
    with pytest.raises(ConfigError, match=r"agent '404'.*in no department"):
        parse_hotline(data)


def test_member_timeout_of_three_rings_is_rejected_r13(hotline_path: Path) -> None:
    data = _example(hotline_path)
    data["departments"][0]["member_timeout_seconds"] = 15  # = 3 x 5 s: no time left to roll over
    with pytest.raises(ConfigError, match=r"departments\[0\]|member_timeout_seconds 15"):
        parse_hotline(data)


_AMI = {"CALLCENTER_AMI_HOST": "127.0.0.1", "CALLCENTER_AMI_SECRET": "listener-secret"}


def test_an_action_secret_alone_means_the_rendered_action_user(hotline_path: Path,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    """`callcenter dialplan render` writes a read-only listener and callcenter-actions: the defaults agree."""
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path), **_AMI,
                              "CALLCENTER_AMI_ACTION_SECRET": "action-secret"})
    assert settings.ami is not None
    assert (settings.ami.user, settings.ami.action_user) == ("callcenter", "callcenter-actions")
    assert settings.ami.action_user == ami_users({})[1]
    assert settings.ami.action_secret.reveal() == "action-secret"
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_a_named_action_user_wins_over_the_default(hotline_path: Path) -> None:
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path), **_AMI,
                              "CALLCENTER_AMI_ACTION_USER": "desk-actions",
                              "CALLCENTER_AMI_ACTION_SECRET": "s"})
    assert settings.ami is not None and settings.ami.action_user == "desk-actions"


def test_without_an_action_secret_actions_use_the_listener_and_say_so_once(
        hotline_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings({"CALLCENTER_HOTLINE": str(hotline_path), **_AMI})
    assert settings.ami is not None
    assert (settings.ami.action_user,
            settings.ami.action_secret.reveal()) == ("callcenter", "listener-secret")
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "listener" in warnings[0].getMessage()
    assert "listener-secret" not in warnings[0].getMessage()


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_a_hotline_file_with_a_nan_or_infinite_ring_cycle_is_refused(value: str, tmp_path: Path,
                                                                     hotline_path: Path) -> None:
    text = hotline_path.read_text(encoding="utf-8")
    bad = tmp_path / "hotline.toml"
    if "ring_cycle_seconds" in text:
        import re
        bad.write_text(re.sub(r"ring_cycle_seconds\s*=\s*[^\n]+", f"ring_cycle_seconds = {value}", text),
                       encoding="utf-8")
    else:
        bad.write_text(text + f"\n[rules]\nring_cycle_seconds = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings({"CALLCENTER_HOTLINE": str(bad)})
    assert "ring_cycle_seconds" in str(err.value) and "\n" not in str(err.value).strip()


def _with_lease(hotline_path: Path, seconds: int) -> str:
    text = hotline_path.read_text(encoding="utf-8")
    assert "job_lease_seconds = 300" in text
    return text.replace("job_lease_seconds = 300", f"job_lease_seconds = {seconds}")


def test_the_transcription_job_lease_comes_from_the_hotline_file_or_the_environment(
        hotline_path: Path, tmp_path: Path) -> None:
    assert load_settings({"CALLCENTER_HOTLINE": str(hotline_path)}).transcribe_lease_seconds == 300
    custom = tmp_path / "hotline.toml"
    custom.write_text(_with_lease(hotline_path, 120), encoding="utf-8")
    assert load_settings({"CALLCENTER_HOTLINE": str(custom)}).transcribe_lease_seconds == 120
    assert load_settings({"CALLCENTER_HOTLINE": str(custom),
                          "CALLCENTER_TRANSCRIBE_LEASE_SECONDS": "900"}).transcribe_lease_seconds == 900


@pytest.mark.parametrize(("value", "says"), [("10", "10 is outside 30..86400"),
                                             ("half an hour", "'half an hour' is not a whole number")])
def test_a_bad_job_lease_in_the_environment_is_named_in_one_line(value: str, says: str,
                                                                 hotline_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"CALLCENTER_HOTLINE": str(hotline_path), "CALLCENTER_TRANSCRIBE_LEASE_SECONDS": value})
    assert str(caught.value) == f"configuration error: CALLCENTER_TRANSCRIBE_LEASE_SECONDS: {says}"


def test_a_job_lease_too_short_in_the_hotline_file_is_named(hotline_path: Path, tmp_path: Path) -> None:
    custom = tmp_path / "hotline.toml"
    custom.write_text(_with_lease(hotline_path, 5), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings({"CALLCENTER_HOTLINE": str(custom)})
    message = str(caught.value)
    assert "speech.job_lease_seconds" in message and "30" in message and "\n" not in message
