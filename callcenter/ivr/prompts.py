"""Every prompt the dialplan and the FastAGI scripts play (contract C3), built into sounds/zh/.

``callcenter sounds build`` synthesises each prompt's text from the hotline file (R3: the
centre's name in the greeting; R2: the apology variant; the agent's 工号 read digit by digit),
converts it to 8 kHz 16-bit mono WAV, and keeps a content hash beside the files so a rebuild
only redoes prompts whose text, voice or rate changed. A human recording in
``sounds/zh/custom/<name>.wav`` wins over the synthetic prompt (it is converted and checked too).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from callcenter.hotline import Hotline
from callcenter.ivr import tts

LANGUAGE = "zh"
# Prompts named in contract C3 (agent_<id> and agent_<id>_apology are added per agent).
FIXED_PROMPTS = ("greeting", "menu", "invalid_key", "please_hold", "transferring", "after_hours", "agent",
                 "agent_apology", "callback", "transfer_failed", "survey", "survey_thanks", "blocked")
DIGITS = dict(zip("0123456789", "零一二三四五六七八九", strict=True))
HASHES_FILE = ".hashes.json"


@dataclass(frozen=True)
class Prompt:
    name: str
    text: str


@dataclass(frozen=True)
class BuildResult:
    built: list[str]
    unchanged: list[str]
    custom: list[str]
    failed: dict[str, str]


def spell_digits(number: str) -> str:
    """工号 are read digit by digit (一零一), never as a quantity (一百零一)."""
    return "".join(DIGITS.get(ch, ch) for ch in number)


def _anonymous(template: str) -> str:
    # The member answering has no hotline agent (e.g. a supervisor's spare phone): same words
    # without the number.
    return template.replace("工号{agent_id}", "客服专员").replace("{agent_id}", "")


def prompt_catalogue(hotline: Hotline) -> list[Prompt]:
    """Name and text of every prompt, in the order they are built."""
    texts = hotline.prompts
    fixed = {
        "greeting": hotline.render(texts.greeting),  # R3
        "menu": hotline.render(texts.menu),
        "invalid_key": hotline.render(texts.invalid_key),
        "please_hold": hotline.render(texts.please_hold),
        "transferring": hotline.render(texts.transferring),  # R12
        "after_hours": hotline.render(texts.after_hours),  # R18
        "agent": hotline.render(_anonymous(texts.agent_answer)),
        "agent_apology": hotline.render(_anonymous(texts.agent_answer_apology)),  # R2
        "callback": hotline.render(texts.callback),
        "transfer_failed": hotline.render(texts.transfer_failed),  # R12
        "survey": hotline.render(texts.survey),  # R21
        "survey_thanks": hotline.render(texts.survey_thanks),
        "blocked": hotline.render(texts.blocked),
    }
    prompts = [Prompt(name, fixed[name]) for name in FIXED_PROMPTS]
    for agent in hotline.agents:
        spoken = spell_digits(agent.id)
        prompts.append(Prompt(f"agent_{agent.id}", hotline.render(texts.agent_answer, agent_id=spoken)))
        prompts.append(Prompt(f"agent_{agent.id}_apology",
                              hotline.render(texts.agent_answer_apology, agent_id=spoken)))
    return prompts


def prompt_names(hotline: Hotline) -> list[str]:
    return [p.name for p in prompt_catalogue(hotline)]


def language_dir(sounds_dir: Path) -> Path:
    return sounds_dir / LANGUAGE


def _text_hash(prompt: Prompt, voice: str, rate: int) -> str:
    payload = json.dumps({"text": prompt.text, "voice": voice, "rate": rate, "format": tts.SAMPLE_RATE})
    return "tts:" + hashlib.sha256(payload.encode()).hexdigest()


def _file_hash(path: Path) -> str:
    return "custom:" + hashlib.sha256(path.read_bytes()).hexdigest()


def _load_hashes(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _save_hashes(path: Path, hashes: dict[str, str]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(hashes, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


@contextmanager
def _lazy_synthesizer(voice: str, rate: int) -> Iterator[Callable[[], tts.Synthesizer]]:
    """Start espeak-ng only if some prompt needs synthesis; one engine for the whole build."""
    made: list[tts.Synthesizer] = []

    def get() -> tts.Synthesizer:
        if not made:
            made.append(tts.Synthesizer(voice, rate))
        return made[0]

    try:
        yield get
    finally:
        for synth in made:
            synth.close()


ProgressCallback = Callable[[str, str], None]


def build_prompts(hotline: Hotline, sounds_dir: Path, *, voice: str = tts.VOICE, rate: int = tts.RATE,
                  force: bool = False, progress: ProgressCallback | None = None) -> BuildResult:
    """Build every prompt that is missing or changed; a failing prompt is reported, the rest go on."""
    tts.check_tools()
    out_dir = language_dir(sounds_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    hashes_path = out_dir / HASHES_FILE
    hashes = _load_hashes(hashes_path)
    result = BuildResult([], [], [], {})
    with _lazy_synthesizer(voice, rate) as synthesizer, tempfile.TemporaryDirectory() as scratch:
        for prompt in prompt_catalogue(hotline):
            custom = out_dir / "custom" / f"{prompt.name}.wav"
            wanted = _file_hash(custom) if custom.exists() else _text_hash(prompt, voice, rate)
            if not force and hashes.get(prompt.name) == wanted and (out_dir / f"{prompt.name}.wav").exists():
                outcome = "unchanged"
            else:
                outcome = _build_one(prompt, out_dir, custom, synthesizer, Path(scratch), result)
                if outcome == "failed":
                    hashes.pop(prompt.name, None)
                else:
                    hashes[prompt.name] = wanted
                    # after each prompt: an interrupted build keeps its work
                    _save_hashes(hashes_path, hashes)
            if outcome != "failed":  # failures are already in result.failed, with the reason
                {"unchanged": result.unchanged, "built": result.built,
                 "custom": result.custom}[outcome].append(
                    prompt.name)
            _report(progress, prompt.name, outcome)
    return result


def _build_one(prompt: Prompt, out_dir: Path, custom: Path, synthesizer: Callable[[], tts.Synthesizer],
               scratch: Path, result: BuildResult) -> str:
    """Make one prompt's WAV from its custom recording or by synthesis; 'custom', 'built' or 'failed'."""
    out = out_dir / f"{prompt.name}.wav"
    try:
        if custom.exists():
            tts.to_asterisk_wav(custom, out)
            return "custom"
        raw = scratch / f"{prompt.name}.wav"
        synthesizer().save(prompt.text, raw)
        tts.to_asterisk_wav(raw, out)
        return "built"
    except tts.MissingTool:
        raise
    except tts.PromptError as exc:
        result.failed[prompt.name] = str(exc)
        return "failed"


def _report(progress: ProgressCallback | None, name: str, what: str) -> None:
    if progress is not None:
        progress(name, what)


def missing_prompts(hotline: Hotline, sounds_dir: Path) -> list[str]:
    out_dir = language_dir(sounds_dir)
    return [name for name in prompt_names(hotline) if not (out_dir / f"{name}.wav").exists()]

