"""`callcenter sounds build`: every prompt of contract C3 as 8 kHz 16-bit mono WAV (R2, R3, R12, R18).

The real command runs in a subprocess (real pyttsx3 + espeak-ng + sox); headers and durations are
read back from the files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from callcenter.hotline import load_hotline
from callcenter.ivr import prompts, tts

pytestmark = pytest.mark.speech
ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from callcenter.cli import main; main()"]


def _run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "CALLCENTER_HOTLINE": str(ROOT / "hotline.example.toml"), **(env or {})}
    return subprocess.run([*CLI, "sounds", "build", *args], cwd=cwd, env=full_env, capture_output=True,
                          text=True, timeout=120, check=False)


def _header(path: Path) -> tuple[int, int, int, float]:
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        return rate, wav.getnchannels(), wav.getsampwidth(), wav.getnframes() / rate


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("sounds")
    done = _run(work)
    assert done.returncode == 0, done.stderr
    return work


def test_every_c3_prompt_is_8khz_mono_16bit(built: Path) -> None:
    hotline = load_hotline(ROOT / "hotline.example.toml")
    names = prompts.prompt_names(hotline)
    for agent in hotline.agents:  # R3: every agent's 工号 announcement and its R2 apology variant
        assert f"agent_{agent.id}" in names and f"agent_{agent.id}_apology" in names
    assert set(prompts.FIXED_PROMPTS) <= set(names)
    for name in names:
        rate, channels, width, seconds = _header(built / "sounds" / "zh" / f"{name}.wav")
        assert (rate, channels, width) == (8000, 1, 2), name
        assert 0.5 < seconds < 30, (name, seconds)


def test_apology_variant_is_longer_than_the_standard_one_r2(built: Path) -> None:
    zh = built / "sounds" / "zh"
    assert _header(zh / "agent_101_apology.wav")[3] > _header(zh / "agent_101.wav")[3] + 1.0


def test_agent_id_is_spelled_digit_by_digit() -> None:
    hotline = load_hotline(ROOT / "hotline.example.toml")
    texts = {p.name: p.text for p in prompts.prompt_catalogue(hotline)}
    assert texts["agent_101"] == "工号一零一为您服务"
    assert texts["agent_101_apology"] == "对不起，让您久等了，工号一零一为您服务"
    assert texts["greeting"] == "您好，深科物业服务中心，很高兴为您服务"  # R3: the centre's name
    assert "工号" not in texts["agent"] and "{" not in texts["agent_apology"]


def test_rebuild_only_redoes_changed_prompts(tmp_path: Path) -> None:
    first = _run(tmp_path)
    assert first.returncode == 0, first.stderr
    zh = tmp_path / "sounds" / "zh"
    before = {p.name: p.stat().st_mtime_ns for p in zh.glob("*.wav")}
    again = _run(tmp_path)
    assert again.returncode == 0 and "0 synthesised" in again.stdout and "27 unchanged" in again.stdout
    assert {p.name: p.stat().st_mtime_ns for p in zh.glob("*.wav")} == before
    renamed = _run(tmp_path, env={"CALLCENTER_CENTRE_NAME": "康泰物业服务中心"})
    assert renamed.returncode == 0, renamed.stderr
    assert "3 synthesised" in renamed.stdout  # greeting, after_hours, callback name the centre
    changed = {p.name for p in zh.glob("*.wav") if p.stat().st_mtime_ns != before[p.name]}
    assert changed == {"greeting.wav", "after_hours.wav", "callback.wav"}
    hashes = json.loads((zh / ".hashes.json").read_text())
    assert set(hashes) == {p.stem for p in zh.glob("*.wav")}


def test_custom_recording_wins_and_is_converted(tmp_path: Path) -> None:
    custom = tmp_path / "sounds" / "zh" / "custom"
    custom.mkdir(parents=True)
    # A human recording as a studio would deliver it: 44.1 kHz stereo, 1.5 s.
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", "-b", "16", str(custom / "greeting.wav"),
                    "synth", "1.5", "sine", "440"], check=True)
    done = _run(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 from custom recordings" in done.stdout
    rate, channels, width, seconds = _header(tmp_path / "sounds" / "zh" / "greeting.wav")
    assert (rate, channels, width) == (8000, 1, 2)
    assert seconds == pytest.approx(1.5, abs=0.01)  # the recording, not the ~5 s synthetic greeting
    (custom / "greeting.wav").unlink()  # removing the recording brings the synthetic one back
    back = _run(tmp_path)
    assert "1 synthesised" in back.stdout and _header(tmp_path / "sounds" / "zh" / "greeting.wav")[3] > 3


def test_broken_custom_recording_is_named_and_the_rest_still_built(tmp_path: Path) -> None:
    custom = tmp_path / "sounds" / "zh" / "custom"
    custom.mkdir(parents=True)
    (custom / "menu.wav").write_bytes(b"not audio at all")
    done = _run(tmp_path)
    assert done.returncode == 1
    assert "menu" in done.stderr and "custom/menu.wav" in done.stderr
    assert (tmp_path / "sounds" / "zh" / "greeting.wav").exists()
    assert not (tmp_path / "sounds" / "zh" / "menu.wav").exists()


def test_missing_espeak_ng_program_names_what_to_install(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    sox = shutil.which("sox")
    assert sox is not None
    (bin_dir / "sox").symlink_to(sox)  # sox present, espeak-ng absent from PATH
    done = _run(tmp_path, env={"PATH": str(bin_dir)})
    assert done.returncode == 2
    assert "espeak-ng" in done.stderr and "apt-get install" in done.stderr
    assert "sox (Debian" not in done.stderr
    assert not (tmp_path / "sounds" / "zh").exists() or not list((tmp_path / "sounds" / "zh").glob("*.wav"))


def test_missing_sox_and_espeak_library_are_both_named() -> None:
    def no_library(name: str) -> None:
        raise OSError(f"{name}: cannot open shared object file")

    with pytest.raises(tts.MissingTool) as err:
        tts.check_tools(which=lambda tool: None if tool == "sox" else f"/usr/bin/{tool}",
                        load_library=no_library)
    message = str(err.value)
    assert "libespeak-ng1" in message and "sox" in message and "espeak-ng program" not in message


def test_wav_reader_names_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "x.wav"
    bad.write_bytes(b"RIFF")
    with pytest.raises(tts.PromptError, match=r"x\.wav"):
        tts.wav_info(bad)


def test_prompts_are_whole_not_cut_short(built: Path, tmp_path: Path) -> None:
    # pyttsx3 returns before espeak-ng's thread has delivered the audio; a build that did not
    # wait would leave short or empty files. Compare with espeak-ng's own program (22 kHz).
    hotline = load_hotline(ROOT / "hotline.example.toml")
    texts = {p.name: p.text for p in prompts.prompt_catalogue(hotline)}
    for name in ("greeting", "menu", "agent_101_apology"):
        expected = tts.reference_seconds(texts[name], tts.VOICE, tts.RATE, tmp_path / "ref.wav")
        assert _header(built / "sounds" / "zh" / f"{name}.wav")[3] == pytest.approx(expected, rel=0.05), name
