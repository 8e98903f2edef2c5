"""Transcription workers: a process pool, one long-lived model and recognizer per process.

Decoding is CPU-bound C++ (about 0.6 GB per loaded model), so it runs in worker processes,
never on the event loop, sized by ``settings.transcribe_workers``. Each side of a call is a
separate task, so the two sides of one call decode on two cores at once. A task never raises:
bad audio and recognizer errors come back as results, so one bad recording cannot take a
worker down; a worker that dies anyway (BrokenProcessPool) is replaced.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callcenter.speech.errors import BadAudio, ModelUnavailable
from callcenter.speech.recognizer import Recognizer
from callcenter.speech.text import Segment, merge_turns

log = logging.getLogger(__name__)

# --- inside a worker process ----------------------------------------------------------------

_recognizer: Recognizer | None = None
_load_error: str | None = None


def init_worker(model_path: str) -> None:
    """Process initializer: load the model once for the life of the process."""
    global _recognizer, _load_error
    _recognizer, _load_error = None, None
    try:
        _recognizer = Recognizer(Path(model_path))
    except ModelUnavailable as exc:
        _load_error = str(exc)
    except Exception as exc:  # noqa: BLE001 -- an initializer that raises breaks the whole pool
        _load_error = f"loading {model_path} failed: {exc!r}"


def install(recognizer: Recognizer | None) -> None:
    """Use an already loaded recognizer in this process (single-threaded executors only)."""
    global _recognizer, _load_error
    _recognizer, _load_error = recognizer, None


@dataclass(frozen=True)
class SideResult:
    speaker: str
    path: str
    segments: tuple[tuple[float, float, str], ...] = ()
    error: str | None = None
    model_missing: bool = False
    file_missing: bool = False


def warm_up() -> str | None:
    """Returns the load error, if any, so the parent learns it before the first call."""
    return _load_error if _recognizer is None else None


def transcribe_side(speaker: str, path: str) -> SideResult:
    if _recognizer is None:
        return SideResult(speaker, path, error=_load_error or "no model loaded", model_missing=True)
    if not Path(path).exists():  # MixMonitor may still be closing it when the call is stored
        return SideResult(speaker, path, error=f"{path}: recording not found", file_missing=True)
    try:
        result = _recognizer.transcribe(Path(path))
    except BadAudio as exc:
        return SideResult(speaker, path, error=str(exc))
    except Exception as exc:  # per-recording boundary: report it, keep the worker
        log.exception("recognizer failed on %s", path)
        return SideResult(speaker, path, error=f"{path}: recognizer failed: {exc!r}")
    segments = tuple((u.start, u.end, u.text) for u in result.utterances)
    return SideResult(speaker, path, segments=segments)


# --- in the service ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JobOutcome:
    turns: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    retry: bool = False  # not the recording's fault: requeue
    model_missing: bool = False
    files_missing: bool = False  # not written yet: try again shortly


class WorkerPool:
    """The executor running ``transcribe_side``; rebuilt if a worker process dies."""

    def __init__(self, model_path: Path, workers: int, executor: Executor | None = None) -> None:
        self.model_path = model_path
        self.workers = workers
        self._given = executor is not None
        self._executor = executor or self._new_executor()

    @property
    def model_name(self) -> str:
        return self.model_path.name

    def _new_executor(self) -> Executor:
        # spawn, not fork: the service process has threads and an event loop.
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=init_worker, initargs=(str(self.model_path),))

    async def warm_up(self) -> None:
        """Start every worker and load its model now, not when the first call ends."""
        loop = asyncio.get_running_loop()
        try:
            errors = await asyncio.gather(*(loop.run_in_executor(self._executor, warm_up)
                                            for _ in range(self.workers)))
        except BrokenProcessPool as exc:
            raise ModelUnavailable(f"the transcription workers could not start ({exc})") from None
        problem = next((e for e in errors if e), None)
        if problem:
            raise ModelUnavailable(problem)

    async def run(self, recordings: list[dict[str, Any]]) -> JobOutcome:
        loop = asyncio.get_running_loop()
        try:
            sides = await asyncio.gather(*(
                loop.run_in_executor(self._executor, transcribe_side, r["speaker"],
                                     r["path"]) for r in recordings))
        except BrokenProcessPool as exc:
            log.error("a transcription worker died (%s); starting a new pool", exc)
            self._replace_executor()
            return JobOutcome(error=f"transcription worker died: {exc}", retry=True)
        return _outcome(sides)

    def _replace_executor(self) -> None:
        if self._given:
            return
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = self._new_executor()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


def _outcome(sides: list[SideResult]) -> JobOutcome:
    missing = next((s for s in sides if s.model_missing), None)
    if missing is not None:
        return JobOutcome(error=missing.error, retry=True, model_missing=True)
    errors = [s.error for s in sides if s.error]
    if any(s.file_missing for s in sides):
        return JobOutcome(error="; ".join(errors), files_missing=True)
    if errors:
        return JobOutcome(error="; ".join(errors))
    segments = [Segment(s.speaker, start, end, text)  # type: ignore[arg-type]
                for s in sides for start, end, text in s.segments]
    return JobOutcome(turns=merge_turns(segments))
