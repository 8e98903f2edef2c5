"""Time to build every prompt of the example hotline (pyttsx3/espeak-ng + sox), against an
incremental rebuild of the same set in the same run (hash check only), and the audio produced."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench._common import ROOT, write_result
from callcenter.hotline import load_hotline
from callcenter.ivr import prompts, tts


def main() -> None:
    hotline = load_hotline(ROOT / "hotline.example.toml")
    with tempfile.TemporaryDirectory() as tmp:
        sounds = Path(tmp) / "sounds"
        started = time.perf_counter()
        first = prompts.build_prompts(hotline, sounds)
        full = time.perf_counter() - started
        started = time.perf_counter()
        again = prompts.build_prompts(hotline, sounds)
        incremental = time.perf_counter() - started
        seconds = {p.stem: tts.wav_info(p).seconds for p in prompts.language_dir(sounds).glob("*.wav")}
    result = {"prompts": len(first.built), "failed": len(first.failed), "full_build_s": round(full, 3),
              "per_prompt_ms": round(full / max(len(first.built), 1) * 1000, 1),
              "incremental_rebuild_s": round(incremental, 4), "unchanged_on_rebuild": len(again.unchanged),
              "audio_total_s": round(sum(seconds.values()), 2),
              "greeting_s": round(seconds["greeting"], 2), "agent_101_s": round(seconds["agent_101"], 2),
              "agent_101_apology_s": round(seconds["agent_101_apology"], 2)}
    write_result("ivr_prompts", result)
    print(f"{result['prompts']} prompts in {result['full_build_s']} s ({result['per_prompt_ms']} ms each); "
          f"rebuild with nothing changed {result['incremental_rebuild_s']} s; "
          f"{result['audio_total_s']} s of audio (agent_101 {result['agent_101_s']} s, "
          f"apology {result['agent_101_apology_s']} s)")


if __name__ == "__main__":
    main()
