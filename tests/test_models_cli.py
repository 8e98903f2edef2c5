"""``callcenter models list|install|download``: models are configuration, installed from a
directory or zip, or downloaded (resumable, size- and SHA-256-checked) from a model site --
here a local HTTP server serving a small, fake-but-valid model zip."""

from __future__ import annotations

import hashlib
import http.server
import io
import socket
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callcenter.config import load_settings
from callcenter.speech import download
from callcenter.speech.cli import app
from callcenter.speech.errors import DownloadError, ModelUnavailable
from callcenter.speech.models import install_model, list_models, resolve_model

LAYOUT = {"am/final.mdl": b"\x00am" * 5000, "conf/model.conf": b"--sample-frequency=16000\n",
          "graph/HCLr.fst": b"\x01fst" * 20000, "graph/Gr.fst": b"\x02gr" * 9000, "ivector/final.ie": b"ie"}


def _model_zip(top: str = "vosk-model-test-0.1", files: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:  # stored: big enough to cut midway
        for name, data in (files or LAYOUT).items():
            zf.writestr(f"{top}/{name}" if top else name, data)
    return buffer.getvalue()


@dataclass
class ModelSite:
    """A tiny model site. ``mode``: "range" honours Range; "norange" always sends all;
    ``cut_next`` cuts that many next responses halfway (an interrupted download)."""

    payloads: dict[str, bytes]
    mode: str = "range"
    cut_next: int = 0
    ranges: list[str | None] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def site() -> Iterator[ModelSite]:
    state = ModelSite(payloads={"/vosk-model-test-0.1.zip": _model_zip()})

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            data = state.payloads.get(self.path)
            state.ranges.append(self.headers.get("Range"))
            if data is None:
                self.send_error(404)
                return
            start = 0
            rng = self.headers.get("Range")
            if rng and state.mode == "range":
                start = int(rng.removeprefix("bytes=").split("-")[0])
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if state.cut_next:
                state.cut_next -= 1
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.delenv("ASR_MODEL_PATH", raising=False)
    monkeypatch.delenv("CALLCENTER_MODELS_URL", raising=False)
    return {"CALLCENTER_VAR_DIR": str(tmp_path / "var")}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_download_unpacks_a_checked_model_and_reports_progress(site: ModelSite, tmp_path: Path) -> None:
    zip_bytes = site.payloads["/vosk-model-test-0.1.zip"]
    seen: list[tuple[int, int | None]] = []
    installed, got = download.download_model("vosk-model-test-0.1", tmp_path / "models", url_base=site.url,
                                             sha256=_sha(zip_bytes), size=len(zip_bytes),
                                             progress=lambda done, total: seen.append((done, total)))
    assert installed == tmp_path / "models" / "vosk-model-test-0.1"
    assert (installed / "graph" / "HCLr.fst").read_bytes() == LAYOUT["graph/HCLr.fst"]
    assert got.sha256 == _sha(zip_bytes) and not got.resumed
    assert seen[-1] == (len(zip_bytes), len(zip_bytes))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and len(seen) > 1
    assert not (tmp_path / "models" / ".downloads" / "vosk-model-test-0.1.zip").exists()


def test_download_command_shows_progress_and_the_checksum(site: ModelSite, env: dict[str, str]) -> None:
    zip_bytes = site.payloads["/vosk-model-test-0.1.zip"]
    env["CALLCENTER_MODELS_URL"] = site.url  # the base URL is configuration
    result = CliRunner().invoke(app, ["download", "vosk-model-test-0.1"], env=env)
    assert result.exit_code == 0, result.output
    assert "vosk-model-test-0.1" in result.output and "100%" in result.output
    assert f"SHA-256 {_sha(zip_bytes)}" in result.output and "no pinned checksum" in result.output
    assert "正在下载" in result.output and "已安装到" in result.output  # Chinese first, then English
    listed = CliRunner().invoke(app, ["list"], env=env)
    [line] = [line for line in listed.output.splitlines() if "vosk-model-test-0.1" in line]
    assert line.rstrip().endswith("可用 / ok") and listed.output.startswith("模型目录：")


def test_an_interrupted_download_resumes_with_a_range_request(site: ModelSite, tmp_path: Path) -> None:
    zip_bytes = site.payloads["/vosk-model-test-0.1.zip"]
    site.cut_next = 1
    installed, got = download.download_model("vosk-model-test-0.1", tmp_path / "models", url_base=site.url,
                                             sha256=_sha(zip_bytes))
    assert got.resumed and got.size == len(zip_bytes)
    assert site.ranges[0] is None and site.ranges[1] == f"bytes={len(zip_bytes) // 2}-"
    assert resolve_model(load_settings({"CALLCENTER_VAR_DIR": str(tmp_path),
                                        "CALLCENTER_ASR_MODEL": str(installed)}),
                         env={}) == installed.resolve()


def test_an_interrupted_download_restarts_when_the_server_ignores_ranges(site: ModelSite,
                                                                         tmp_path: Path) -> None:
    zip_bytes = site.payloads["/vosk-model-test-0.1.zip"]
    site.mode, site.cut_next = "norange", 1
    _, got = download.download_model("vosk-model-test-0.1", tmp_path / "models", url_base=site.url,
                                     sha256=_sha(zip_bytes))
    assert got.restarts == 1 and not got.resumed and got.sha256 == _sha(zip_bytes)


def test_a_download_cut_in_an_earlier_run_is_resumed_by_the_next_command(site: ModelSite,
                                                                         env: dict[str, str]) -> None:
    zip_bytes = site.payloads["/vosk-model-test-0.1.zip"]
    site.cut_next = 3  # every attempt of the first command is cut
    first = CliRunner().invoke(app, ["download", "vosk-model-test-0.1", "--url", site.url], env=env)
    assert first.exit_code != 0 and "run the command again to resume" in str(first.exception)
    second = CliRunner().invoke(app, ["download", "vosk-model-test-0.1", "--url", site.url,
                                      "--sha256", _sha(zip_bytes)], env=env)
    assert second.exit_code == 0, second.output
    assert "(resumed)" in second.output
    assert site.ranges[3] is not None and site.ranges[3].startswith("bytes=")


def test_a_bad_checksum_or_size_is_rejected_and_nothing_is_installed(site: ModelSite, tmp_path: Path) -> None:
    models = tmp_path / "models"
    with pytest.raises(DownloadError, match="does not match"):
        download.download_model("vosk-model-test-0.1", models, url_base=site.url, sha256="0" * 64)
    with pytest.raises(DownloadError, match="size"):
        download.download_model("vosk-model-test-0.1", models, url_base=site.url, size=123)
    assert not (models / "vosk-model-test-0.1").exists()
    assert list((models / ".downloads").iterdir()) == []  # the bad file is gone, not resumed later


def test_an_unknown_model_name_gives_the_http_error(site: ModelSite, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="HTTP 404"):
        download.download_model("vosk-model-nope", tmp_path / "models", url_base=site.url)


def test_install_from_a_directory_and_from_a_zip(tmp_path: Path, env: dict[str, str]) -> None:
    archive = tmp_path / "vosk-model-test-0.1.zip"
    archive.write_bytes(_model_zip())
    bare = tmp_path / "bare.zip"
    bare.write_bytes(_model_zip(top=""))
    result = CliRunner().invoke(app, ["install", str(archive)], env=env)
    assert result.exit_code == 0, result.output
    models = load_settings(env).models_dir
    from_dir = install_model(models / "vosk-model-test-0.1", models, "copy-of-test")
    from_bare = install_model(bare, models)
    assert [m.name for m in list_models(models) if m.problem is None] == ["bare", "copy-of-test",
                                                                          "vosk-model-test-0.1"]
    assert (from_dir / "am" / "final.mdl").is_file() and (from_bare / "conf" / "model.conf").is_file()
    with pytest.raises(ModelUnavailable, match="already exists"):
        install_model(archive, models)


def test_install_refuses_what_is_not_a_model(tmp_path: Path) -> None:
    models = tmp_path / "models"
    half = {k: v for k, v in LAYOUT.items() if k != "graph/Gr.fst"}
    (tmp_path / "half.zip").write_bytes(_model_zip(files=half))
    with pytest.raises(ModelUnavailable, match=r"graph/HCLG.fst \(or graph/HCLr.fst \+ graph/Gr.fst\)"):
        install_model(tmp_path / "half.zip", models)
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ModelUnavailable, match="neither a model directory nor a zip"):
        install_model(tmp_path / "notes.txt", models)
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../escape/am/final.mdl", b"x")
    (tmp_path / "evil.zip").write_bytes(evil.getvalue())
    with pytest.raises(ModelUnavailable, match="unsafe path"):
        install_model(tmp_path / "evil.zip", models)
    assert not (tmp_path / "escape").exists()
    assert list_models(models) == []


def test_the_configured_model_is_a_path_a_name_or_asr_model_path(tmp_path: Path) -> None:
    models = tmp_path / "var" / "models"
    archive = tmp_path / "m.zip"
    archive.write_bytes(_model_zip())
    installed = install_model(archive, models)
    by_name = load_settings({"CALLCENTER_VAR_DIR": str(tmp_path / "var"),
                             "CALLCENTER_ASR_MODEL": installed.name})
    assert resolve_model(by_name, env={}) == installed.resolve()
    missing = load_settings({"CALLCENTER_VAR_DIR": str(tmp_path / "var")})
    with pytest.raises(ModelUnavailable, match=r"callcenter models download vosk-model-small-cn-0\.22"):
        resolve_model(missing, env={})
    assert resolve_model(missing, env={"ASR_MODEL_PATH": str(installed)}) == installed.resolve()
    (installed / "conf" / "model.conf").unlink()
    with pytest.raises(ModelUnavailable, match=r"broken.*conf/model\.conf"):
        resolve_model(by_name, env={})


def test_an_unknown_model_name_is_refused_with_the_known_ones_and_no_download(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["download", "nosuchmodel"], env=env)
    assert result.exit_code != 0
    message = str(result.exception)
    assert "unknown model 'nosuchmodel'" in message and all(name in message for name in download.KNOWN_MODELS)
    assert "downloading" not in result.output and "http" not in message
