"""Streaming recognition of live call sides: one recogniser per side, partial and final results
with word times, on the same model handling as recordings (``resolve_model``/``load_model``).

``LiveRecognizer`` is one side's recogniser in a worker process. KaldiRecognizers are reused
from side to side (a fresh one pays 0.7-0.9 s of graph expansion on its first utterance), so each
keeps the seconds it had already consumed and subtracts them from the word times, as
``Recognizer`` does for recordings. ``StreamPool`` runs the worker processes and is bounded: a
side asked for beyond its capacity gets None, and that call is transcribed after hang-up only.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import multiprocessing
import os
import queue
import random
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from callcenter.errors import CallcenterError
from callcenter.speech.errors import ModelUnavailable
from callcenter.speech.text import strip_cjk_spaces

log = logging.getLogger(__name__)

SAMPLE_RATE = 8000  # AudioSocket's signed linear
BYTES_PER_SECOND = SAMPLE_RATE * 2
READY_SECONDS = 120.0  # loading a model takes 1-2.5 s; a loaded machine can take much longer
# A worker this far behind is no longer live: its newest side ends (that call is transcribed
# after hang-up, and the desk is told), one a second until it keeps up, so memory stays bounded.
MAX_BACKLOG_SECONDS = 5.0
SHED_EVERY_SECONDS = 1.0
WARM_MAX = 2  # recognisers warmed per worker at start (~1 s of CPU each); more come warm from use


@dataclass(frozen=True)
class StreamWord:
    word: str
    start: float  # seconds from the side's first audio
    end: float


@dataclass(frozen=True)
class StreamResult:
    """What the recogniser heard so far of the current utterance (``final`` False, may change) or
    the utterance it closed (``final`` True). ``heard_seconds``: audio consumed when it was made."""

    final: bool
    text: str
    words: tuple[StreamWord, ...]
    heard_seconds: float

    def as_json(self) -> dict[str, Any]:
        return {"final": self.final, "text": self.text, "heard_seconds": round(self.heard_seconds, 3),
                "words": [[w.word, w.start, w.end] for w in self.words]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StreamResult:
        return cls(bool(data["final"]), str(data["text"]),
                   tuple(StreamWord(str(w), float(s), float(e)) for w, s, e in data["words"]),
                   float(data["heard_seconds"]))


@dataclass
class _Kaldi:
    kaldi: Any
    fed_seconds: float = 0.0  # what it consumed before this side: subtracted from its word times


@dataclass
class LiveRecognizer:
    """One side of one call. ``feed`` returns the results its audio produced (a partial only when
    the partial text changed); ``finish`` the last final one."""

    reused: _Kaldi
    heard_seconds: float = 0.0
    _last_partial: str = ""

    def feed(self, pcm: bytes) -> list[StreamResult]:
        pcm = pcm[: len(pcm) // 2 * 2]
        self.heard_seconds += len(pcm) / BYTES_PER_SECOND
        kaldi = self.reused.kaldi
        if kaldi.AcceptWaveform(pcm):
            self._last_partial = ""
            result = self._result(json.loads(kaldi.Result()), final=True)
            return [result] if result.text else []
        partial = json.loads(kaldi.PartialResult())
        text = strip_cjk_spaces(partial.get("partial", ""))
        if not text or text == self._last_partial:
            return []
        self._last_partial = text
        return [self._result(partial, final=False)]

    def finish(self) -> list[StreamResult]:
        result = self._result(json.loads(self.reused.kaldi.FinalResult()), final=True)
        self.reused.fed_seconds += self.heard_seconds
        return [result] if result.text else []

    def _result(self, raw: dict[str, Any], final: bool) -> StreamResult:
        offset = self.reused.fed_seconds
        words = tuple(StreamWord(w["word"], round(max(0.0, w["start"] - offset), 3),
                                 round(max(0.0, w["end"] - offset), 3))
                      for w in raw.get("result" if final else "partial_result", []))
        text = strip_cjk_spaces(raw.get("text" if final else "partial", ""))
        return StreamResult(final, text, words, self.heard_seconds)


class LiveModel:
    """A loaded model and its idle KaldiRecognizers, handed to one side at a time."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self._idle: list[_Kaldi] = []

    @classmethod
    def load(cls, path: Path) -> LiveModel:
        from callcenter.speech.recognizer import load_model

        return cls(load_model(path))

    def open(self) -> LiveRecognizer:
        if self._idle:
            return LiveRecognizer(self._idle.pop())
        import vosk

        kaldi = vosk.KaldiRecognizer(self.model, SAMPLE_RATE)
        kaldi.SetWords(True)
        kaldi.SetPartialWords(True)
        return LiveRecognizer(_Kaldi(kaldi))

    def close(self, side: LiveRecognizer) -> list[StreamResult]:
        try:
            return side.finish()
        finally:
            self._idle.append(side.reused)

    def warm(self, count: int, seconds: float = 2.0) -> None:
        """Have ``count`` idle recognisers pay their lazy graph expansion now, on low noise, not on
        a caller's first words (measured: a fresh one took 1.85 s of CPU for 3.1 s of speech, a
        noise-warmed one 0.84 s)."""
        noise = random.Random(17)
        samples = int(SAMPLE_RATE * seconds)
        pcm = struct.pack(f"<{samples}h", *(noise.randint(-3000, 3000) for _ in range(samples)))
        sides = [self.open() for _ in range(count)]
        for side in sides:
            for start in range(0, len(pcm), 2560):
                side.feed(pcm[start:start + 2560])
        for side in sides:
            self.close(side)


# --- inside a stream worker process --------------------------------------------------------------


def worker_main(model_path: str, conn: Connection, warm: int = 0) -> None:
    """A stream worker: load the model, warm ``warm`` recognisers, say "ready", then serve
    open/audio/close in order. It runs niced: on a busy machine the service's own loop (the
    greeting decision, the bridge) comes first and a live side falls behind instead."""
    with contextlib.suppress(OSError):
        os.nice(10)
    try:
        model = LiveModel.load(Path(model_path))
        model.warm(warm)
    except ModelUnavailable as exc:
        conn.send(("ready", str(exc)))
        return
    except Exception as exc:  # noqa: BLE001 -- reported to the service, which keeps running
        conn.send(("ready", f"loading {model_path} failed: {exc!r}"))
        return
    conn.send(("ready", None))
    sides: dict[int, LiveRecognizer] = {}
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        op, stream_id = message[0], message[1]
        try:
            if op == "open":
                sides[stream_id] = model.open()
            elif op == "audio" and stream_id in sides:
                for result in sides[stream_id].feed(message[2]):
                    conn.send(("result", stream_id, result.as_json()))
            elif op == "close" and stream_id in sides:
                for result in model.close(sides.pop(stream_id)):
                    conn.send(("result", stream_id, result.as_json()))
                conn.send(("closed", stream_id, None))
            elif op == "stop":
                return
        except Exception as exc:  # noqa: BLE001 -- per-side boundary: that side ends, the others go on
            sides.pop(stream_id, None)
            conn.send(("closed", stream_id, f"recogniser failed: {exc!r}"))


# --- in the service --------------------------------------------------------------------------------

ResultHandler = Callable[[StreamResult], None]
EndHandler = Callable[[str | None], None]


@dataclass
class _Side:
    on_result: ResultHandler
    on_end: EndHandler
    worker: _Worker


@dataclass
class _Worker:
    process: Any
    conn: Connection
    outbox: queue.SimpleQueue[tuple[Any, ...] | None] = field(default_factory=queue.SimpleQueue)
    sides: set[int] = field(default_factory=set)
    queued_bytes: int = 0  # audio sent and not yet taken by the process's pipe
    shed_at: float = float("-inf")  # monotonic time its last side was ended for falling behind
    dropped: set[int] = field(default_factory=set)  # ended sides whose queued audio is not sent


class StreamPool:
    """Worker processes that each recognise several sides; at most ``capacity`` sides at once.

    The event loop never waits on a worker: audio goes through a queue to a writer thread per
    process, results come back through a reader thread per process to the loop.
    """

    def __init__(self, model_path: Path, workers: int, capacity: int) -> None:
        self.model_path, self.capacity = model_path, capacity
        self._workers_wanted = max(1, workers)
        self._workers: list[_Worker] = []
        self._sides: dict[int, _Side] = {}
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._threads: list[threading.Thread] = []

    @property
    def active(self) -> int:
        return len(self._sides)

    async def start(self) -> None:
        """Start the processes and wait for their models; ModelUnavailable if one cannot load."""
        self._loop = asyncio.get_running_loop()
        context = multiprocessing.get_context("spawn")  # the service has threads and a loop
        ready: list[asyncio.Future[str | None]] = []
        for index in range(self._workers_wanted):
            parent, child = context.Pipe()
            warm = min(WARM_MAX, -(-self.capacity // self._workers_wanted))  # its share of the sides
            process = context.Process(target=worker_main, args=(str(self.model_path), child, warm),
                                      name=f"callcenter-live-{index}", daemon=True)
            process.start()
            child.close()
            worker = _Worker(process, parent)
            self._workers.append(worker)
            future: asyncio.Future[str | None] = self._loop.create_future()
            ready.append(future)
            for target in (self._read, self._write):
                thread = threading.Thread(target=target, args=(worker, future), daemon=True,
                                          name=f"live-{target.__name__.strip('_')}-{index}")
                thread.start()
                self._threads.append(thread)
        try:
            problems = await asyncio.wait_for(asyncio.gather(*ready), READY_SECONDS)
        except TimeoutError:
            await self.close()
            raise CallcenterError(f"the live recognisers did not load within {READY_SECONDS:.0f} s "
                                  "(the machine is too busy?)") from None
        problem = next((p for p in problems if p), None)
        if problem:
            await self.close()
            raise ModelUnavailable(problem)

    def open(self, on_result: ResultHandler, on_end: EndHandler) -> int | None:
        """A new side on the least busy worker, or None when the pool is full."""
        alive = [w for w in self._workers if w.process.is_alive()]
        if len(self._sides) >= self.capacity or not alive:
            return None
        worker = min(alive, key=lambda w: len(w.sides))
        stream_id = next(self._ids)
        self._sides[stream_id] = _Side(on_result, on_end, worker)
        worker.sides.add(stream_id)
        worker.outbox.put(("open", stream_id))
        return stream_id

    def feed(self, stream_id: int, pcm: bytes) -> None:
        side = self._sides.get(stream_id)
        if side is None:
            return
        worker = side.worker
        if worker.queued_bytes > MAX_BACKLOG_SECONDS * BYTES_PER_SECOND:
            now = time.monotonic()
            if now - worker.shed_at >= SHED_EVERY_SECONDS:
                worker.shed_at = now
                newest = max(worker.sides)
                worker.dropped.add(newest)
                worker.outbox.put(("close", newest))
                self._end(newest, f"its recogniser fell more than {MAX_BACKLOG_SECONDS:.0f} s behind")
                if newest == stream_id:
                    return
        worker.queued_bytes += len(pcm)
        side.worker.outbox.put(("audio", stream_id, pcm))

    def end(self, stream_id: int) -> None:
        """The side's audio ended; its last results and ``on_end`` follow."""
        side = self._sides.get(stream_id)
        if side is not None:
            side.worker.outbox.put(("close", stream_id))

    def backlog_seconds(self) -> float:
        """Audio handed to the workers' pipes and not yet taken, the busiest worker's."""
        return max((w.queued_bytes for w in self._workers), default=0) / BYTES_PER_SECOND

    async def close(self) -> None:
        for worker in self._workers:
            worker.outbox.put(("stop", 0))
            worker.outbox.put(None)
        for worker in self._workers:
            await asyncio.to_thread(worker.process.join, 5)
            if worker.process.is_alive():
                worker.process.kill()
            worker.conn.close()
        for stream_id in list(self._sides):
            self._end(stream_id, "the live recognisers stopped")
        self._workers.clear()

    # --- threads -------------------------------------------------------------------------------

    def _write(self, worker: _Worker, ready: asyncio.Future[str | None]) -> None:
        while True:
            message = worker.outbox.get()
            if message is None:
                return
            if message[0] == "audio" and message[1] in worker.dropped:
                worker.queued_bytes -= len(message[2])
                continue
            try:
                worker.conn.send(message)
            except (OSError, ValueError):
                return
            if message[0] == "audio":
                worker.queued_bytes -= len(message[2])

    def _read(self, worker: _Worker, ready: asyncio.Future[str | None]) -> None:
        assert self._loop is not None
        loop = self._loop
        while True:
            try:
                message = worker.conn.recv()
            except (EOFError, OSError):
                break
            try:
                loop.call_soon_threadsafe(self._deliver, worker, message, ready)
            except RuntimeError:  # the loop is closed: the service is gone
                return
        try:
            loop.call_soon_threadsafe(self._worker_gone, worker, ready)
        except RuntimeError:
            return

    # --- on the loop -----------------------------------------------------------------------------

    def _deliver(self, worker: _Worker, message: tuple[Any, ...],
                 ready: asyncio.Future[str | None]) -> None:
        kind = message[0]
        if kind == "ready":
            if not ready.done():
                ready.set_result(message[1])
            return
        side = self._sides.get(message[1])
        if side is None:
            return
        if kind == "result":
            try:
                side.on_result(StreamResult.from_json(message[2]))
            except Exception:
                log.exception("live: a result handler failed")
        elif kind == "closed":
            self._end(message[1], message[2])

    def _end(self, stream_id: int, problem: str | None) -> None:
        side = self._sides.pop(stream_id, None)
        if side is None:
            return
        side.worker.sides.discard(stream_id)
        try:
            side.on_end(problem)
        except Exception:
            log.exception("live: an end handler failed")

    def _worker_gone(self, worker: _Worker, ready: asyncio.Future[str | None]) -> None:
        if not ready.done():
            ready.set_result("a live recogniser process ended while loading its model")
        for stream_id in list(worker.sides):
            self._end(stream_id, "its recogniser process ended")
