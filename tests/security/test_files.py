"""Files from outside: a model zip is checked before anything is unpacked (zip bomb, paths, links),
a WAV whose header lies gives a clear error, and transcript files in other encodings are named
(or decoded when a byte-order mark says how). The CLI runs as a real subprocess."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

from callcenter.speech.audio import inspect_wav
from callcenter.speech.errors import BadAudio
from callcenter.speech.models import ModelUnavailable, install_model
from callcenter.tickets.transcript import TranscriptError, read_jsonl
from tests.security.test_config_edges import cli, one_line

MB = 1024 * 1024


def _model_files(zf: zipfile.ZipFile, top: str = "vosk-model-x") -> None:
    for name in ("am/final.mdl", "conf/model.conf", "graph/HCLG.fst"):
        zf.writestr(f"{top}/{name}", b"x" * 100)


def bomb(path: Path, megabytes: int = 64) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        _model_files(zf)
        with zf.open("vosk-model-x/graph/Gr.fst", "w") as member:
            for _ in range(megabytes):
                member.write(bytes(MB))
    return path


def test_a_zip_bomb_is_refused_before_a_byte_is_unpacked(tmp_path: Path) -> None:
    archive = bomb(tmp_path / "model.zip")
    assert archive.stat().st_size < MB // 4  # 64 MB of zeros in a few dozen KB
    models = tmp_path / "models"
    line = one_line(cli("models", "install", str(archive), CALLCENTER_VAR_DIR=str(tmp_path / "var"),
                        ASR_MODEL_PATH="", CALLCENTER_ASR_MODEL=""), "model.zip", "zip bomb")
    assert "unpacks to" in line
    with pytest.raises(ModelUnavailable, match="zip bomb"):
        install_model(archive, models)
    assert [p for p in models.rglob("*") if p.is_file()] == []  # nothing written, staging removed


@pytest.mark.parametrize(("member", "words"), [("../../escape.txt", "unsafe path"),
                                               ("/etc/cron.d/evil", "unsafe path")])
def test_paths_leaving_the_models_directory_are_refused(tmp_path: Path, member: str, words: str) -> None:
    archive = tmp_path / "model.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        _model_files(zf)
        zf.writestr(member, b"#")
    with pytest.raises(ModelUnavailable, match=words):
        install_model(archive, tmp_path / "models")
    assert not (tmp_path / "escape.txt").exists()


def test_a_symbolic_link_in_the_archive_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "model.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        _model_files(zf)
        link = zipfile.ZipInfo("vosk-model-x/conf/secrets")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/shadow")
    with pytest.raises(ModelUnavailable, match="symbolic link"):
        install_model(archive, tmp_path / "models")


def test_an_honest_model_zip_still_installs(tmp_path: Path) -> None:
    archive = tmp_path / "vosk-model-x.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        _model_files(zf)
    assert (install_model(archive, tmp_path / "models") / "am" / "final.mdl").read_bytes() == b"x" * 100


def wav_with_fmt_size(path: Path, fmt_size: int) -> Path:
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    audio = bytes(8000)
    path.write_bytes(b"RIFF" + struct.pack("<I", 36 + len(audio)) + b"WAVE"
                     + b"fmt " + struct.pack("<I", fmt_size)
                     + fmt + b"data" + struct.pack("<I", len(audio)) + audio)
    return path


@pytest.mark.parametrize("fmt_size", [0xFFFFFFF0, 0x7FFFFFFF, 10 * MB])
def test_a_wav_with_a_huge_fmt_chunk_is_a_clear_error(tmp_path: Path, fmt_size: int) -> None:
    path = wav_with_fmt_size(tmp_path / "call-caller.wav", fmt_size)
    with pytest.raises(BadAudio, match="malformed WAV header: chunk 'fmt ' claims"):
        inspect_wav(path)
    one_line(cli("transcribe", str(path)), "call-caller.wav", "malformed WAV header")
    assert inspect_wav(wav_with_fmt_size(tmp_path / "ok.wav", 16)).frames == 4000


RECORD = {"id": "c1", "turns": [{"speaker": "agent", "text": "您好 深科 物业 服务 中心"},
                                {"speaker": "caller", "text": "我 家 厨房 漏水 了 三 栋 二 单元 五 零 一"}]}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_transcripts_with_a_byte_order_mark_are_decoded(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "calls.jsonl"
    data = json.dumps(RECORD, ensure_ascii=False) + "\n"
    path.write_bytes(("\ufeff" + data).encode(encoding) if encoding == "utf-16-be" else data.encode(encoding))
    [record] = list(read_jsonl(path))
    assert not isinstance(record, TranscriptError) and record.id == "c1"
    result = cli("tickets", "from-transcript", str(path))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["address"] == "3栋2单元501"


def test_a_gbk_transcript_file_is_named_with_how_to_convert_it(tmp_path: Path) -> None:
    path = tmp_path / "calls-gbk.jsonl"
    path.write_bytes((json.dumps(RECORD, ensure_ascii=False) + "\n").encode("gbk"))
    with pytest.raises(TranscriptError, match="not UTF-8"):
        list(read_jsonl(path))
    one_line(cli("tickets", "from-transcript", str(path)), "calls-gbk.jsonl", "not UTF-8", "iconv -f GBK")
