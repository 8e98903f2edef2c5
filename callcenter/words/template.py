"""``python -m callcenter.words.template``: write ``messages.pot``, the template translators start
a new language from (``pybabel init``) and ``pybabel update`` merges into the ``.po`` files.

Keys come from three places: what ``babel.cfg`` finds in the code and the templates (``_()``,
``ngettext()``, ``gettext(lang, key)``), the keys the program builds (``enums.ENUMS``, the
``<kind>.<value>`` words), and the reference catalogue (zh_CN, for keys built elsewhere at run
time); each key carries its Chinese text as a comment, so a translator sees what it says."""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from callcenter.words.catalogue import msgids, po_path
from callcenter.words.enums import enum_keys

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Path(__file__).with_name("messages.pot")
KEYWORDS = {"_": None, "gettext": (2,), "ngettext": (1, 2), "N_": None, "both": None}


def used_keys(root: Path = ROOT) -> set[str]:
    """Keys written literally in the code and the templates."""
    with (root / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)  # type: ignore[no-untyped-call]
    found: set[str] = set()
    # Keys built at run time (f"figure.{name}") are listed in enums.ENUMS; the extractor's notes
    # about them are not news.
    with contextlib.redirect_stderr(io.StringIO()):
        for _file, _line, message, _comments, _context in extract_from_dir(
                root, method_map, options_map, keywords=KEYWORDS):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def template(root: Path = ROOT) -> Catalog:
    with po_path("zh").open("rb") as po:
        reference = read_po(po, locale="zh_CN")
    out = Catalog(project="callcenter", fuzzy=False)
    for key in sorted(used_keys(root) | set(enum_keys()) | msgids()):
        known = reference.get(key)
        chinese = known.string if known is not None else ""
        plural = known.id[1] if known is not None and isinstance(known.id, tuple) else None
        msgid = (key, plural) if plural else key
        text = chinese[0] if isinstance(chinese, tuple) else chinese
        out.add(msgid, "", auto_comments=[f"zh_CN: {text}"] if text else [])
    return out


def _undated(text: bytes) -> bytes:
    return b"".join(line for line in text.splitlines(keepends=True)
                    if not line.startswith(b'"POT-Creation-Date:'))


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATE
    catalog = template()
    out = io.BytesIO()
    write_po(out, catalog, width=0, sort_output=True)
    # Only the date would change when no key did: keep the file (and the .po headers pybabel
    # update copies it into) as they are, so a refresh without news leaves no diff behind.
    if target.exists() and _undated(target.read_bytes()) == _undated(out.getvalue()):
        print(f"{target}: {len(catalog)} keys, unchanged")
        return
    target.write_bytes(out.getvalue())
    print(f"{target}: {len(catalog)} keys")


if __name__ == "__main__":
    main()
