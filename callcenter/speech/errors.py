"""The speech stage's own errors, each with a message meant for the people who run it."""

from __future__ import annotations

from callcenter.errors import CallcenterError

INSTALL_HINT = (
    "install one with `callcenter models download vosk-model-small-cn-0.22` "
    "or `callcenter models install PATH_OR_ZIP`, or point CALLCENTER_ASR_MODEL / ASR_MODEL_PATH "
    "at a model directory"
)


class ModelUnavailable(CallcenterError):
    """No usable Vosk model: transcription waits, the rest of the service keeps running."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(f"speech model unavailable: {problem}; {INSTALL_HINT}")


class BadAudio(CallcenterError):
    """A recording the recognizer cannot read (corrupt, empty, stereo, not 16-bit PCM…)."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class DownloadError(CallcenterError):
    """A model download failed (network, size or checksum); the message says which."""
