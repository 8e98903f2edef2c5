"""Where the Vosk model lives: resolving the configured one, checking a model's layout,
listing and installing models in the models directory.

The model is configuration (``settings.asr_model``: a directory, or a name under
``settings.models_dir``; ``ASR_MODEL_PATH`` overrides both). Nothing here ever downloads:
Vosk's own ``lang=``/``model_name=`` paths reach the network and may exit the process.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from callcenter.config import Settings
from callcenter.speech.errors import ModelUnavailable

# Other places operators commonly unpack Vosk models, searched after the models directory.
_SYSTEM_DIRS = (Path("/usr/share/vosk"), Path.home() / ".cache" / "vosk")


@dataclass(frozen=True)
class InstalledModel:
    name: str
    path: Path
    size_bytes: int
    problem: str | None  # None when the layout is complete


def layout_problem(path: Path) -> str | None:
    """What is missing for Vosk to load this directory, or None if the layout is complete."""
    if not path.is_dir():
        return f"{path} is not a directory"
    missing = [p for p in ("am/final.mdl", "conf/model.conf") if not (path / p).is_file()]
    graph = path / "graph"
    static_graph = (graph / "HCLG.fst").is_file()
    if not static_graph and not ((graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()):
        missing.append("graph/HCLG.fst (or graph/HCLr.fst + graph/Gr.fst)")
    return f"{path} lacks {', '.join(missing)}" if missing else None


def resolve_model(settings: Settings, env: Mapping[str, str] | None = None) -> Path:
    """The directory of the configured model, checked; raises ModelUnavailable saying why."""
    env = os.environ if env is None else env
    wanted = env.get("ASR_MODEL_PATH") or settings.asr_model
    if not wanted:
        raise ModelUnavailable("no model configured (CALLCENTER_ASR_MODEL is empty)")
    candidate = Path(wanted).expanduser()
    if candidate.is_absolute() or os.sep in wanted or candidate.exists():
        candidates = [candidate]
    else:
        candidates = [settings.models_dir / wanted, *(d / wanted for d in _SYSTEM_DIRS)]
    for path in candidates:
        if path.exists():
            problem = layout_problem(path)
            if problem:
                raise ModelUnavailable(f"model {wanted!r} is broken: {problem}")
            return path.resolve()
    raise ModelUnavailable(f"model {wanted!r} not found (looked in {', '.join(str(p) for p in candidates)})")


def list_models(models_dir: Path) -> list[InstalledModel]:
    if not models_dir.is_dir():
        return []
    found = []
    for path in sorted(p for p in models_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        found.append(InstalledModel(path.name, path, size, layout_problem(path)))
    return found


def install_model(source: Path, models_dir: Path, name: str | None = None, *, replace: bool = False) -> Path:
    """Copy a model directory, or unpack a model zip, into the models directory after
    checking its layout. Returns the installed directory."""
    if not source.exists():
        raise ModelUnavailable(f"{source} does not exist")
    models_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".install-", dir=models_dir))
    try:
        if source.is_dir():
            root = source
        elif zipfile.is_zipfile(source):
            _safe_extract(source, staging)
            root = _model_root(staging)
        else:
            raise ModelUnavailable(f"{source} is neither a model directory nor a zip archive")
        problem = layout_problem(root)
        if problem:
            raise ModelUnavailable(f"not a Vosk model: {problem}")
        target = models_dir / (name or _default_name(source, root, staging))
        if target.exists():
            if not replace:
                raise ModelUnavailable(f"{target} already exists (pass --replace to overwrite it)")
            shutil.rmtree(target)
        if root == source:
            shutil.copytree(source, target)
        else:
            root.rename(target)
        return target
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _default_name(source: Path, root: Path, staging: Path) -> str:
    if root != staging and root != source:
        return root.name  # the archive's own top directory, e.g. vosk-model-small-cn-0.22
    return source.stem if source.is_file() else source.name


def _model_root(unpacked: Path) -> Path:
    """Model zips from the Vosk site hold one top directory; accept a bare layout too."""
    if (unpacked / "am").is_dir():
        return unpacked
    entries = [p for p in unpacked.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return unpacked


# What a Vosk model archive can hold: the big Chinese model unpacks to about 2 GB in a few
# hundred files; its graphs compress perhaps 3:1. A zip bomb (292 KB -> 287 MB) is far outside.
MAX_MEMBERS = 20_000
MAX_UNPACKED_BYTES = 8 * 1024**3
MAX_RATIO = 100  # unpacked bytes per archive byte


def archive_problem(archive: Path, zf: zipfile.ZipFile, target: Path) -> str | None:
    """Why this archive must not be unpacked (checked from its directory, before a byte is
    written): too many members, too big unpacked, a bomb's ratio, paths leaving the target,
    links. zipfile never inflates a member past its declared size, so the sizes are bounds."""
    members = zf.infolist()
    if len(members) > MAX_MEMBERS:
        return f"{len(members)} members (a model has at most {MAX_MEMBERS})"
    total = sum(m.file_size for m in members)
    if total > MAX_UNPACKED_BYTES:
        return f"it unpacks to {total / 1024**3:.1f} GiB (at most {MAX_UNPACKED_BYTES // 1024**3} GiB)"
    packed = max(archive.stat().st_size, 1)
    if total > MAX_RATIO * packed and total > 1024**2:
        return (f"it unpacks to {total:,} bytes from {packed:,} ({total // packed}x; a zip bomb? "
                f"models compress far less than {MAX_RATIO}x)")
    root = target.resolve()
    for member in members:
        if not (target / member.filename).resolve().is_relative_to(root) or member.filename.startswith("/"):
            return f"an unsafe path {member.filename!r}"
        if stat.S_ISLNK(member.external_attr >> 16):
            return f"a symbolic link {member.filename!r}"
    return None


def _safe_extract(archive: Path, target: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            problem = archive_problem(archive, zf, target)
            if problem:
                raise ModelUnavailable(f"{archive} is refused: {problem}")
            zf.extractall(target)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise ModelUnavailable(f"{archive} could not be unpacked: {exc}") from None
