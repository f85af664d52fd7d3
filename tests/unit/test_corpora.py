"""The shipped UDHR corpus and FLORES-200 style folders (tokviz.corpora)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tokviz import corpora

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
FLORES = SHARED / "flores200"


def write_flores(root: Path, languages: dict[str, tuple[str, str]], names: dict[str, str] | None = None) -> Path:
    """A FLORES-200 style folder: languages maps code -> (dev file text, devtest file text)."""
    (root / "dev").mkdir(parents=True)
    (root / "devtest").mkdir()
    for code, (dev, devtest) in languages.items():
        (root / "dev" / f"{code}.dev").write_text(dev, encoding="utf-8")
        (root / "devtest" / f"{code}.devtest").write_text(devtest, encoding="utf-8")
    if names:
        lines = ["Language, FLORES-200 code"] + [f"{name}, {code}" for code, name in names.items()]
        (root / "language_names.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


class TestUdhrFile:
    def test_parquet_is_zstd_and_text_has_no_dictionary(self):
        metadata = pq.ParquetFile(corpora.UDHR_PATH).metadata
        schema = [metadata.schema.column(i).name for i in range(metadata.num_columns)]
        assert schema == ["code", "iso639_3", "bcp47", "name", "script", "direction", "latitude", "longitude",
                          "stage", "section", "text"]
        for group in range(metadata.num_row_groups):
            for index, column in enumerate(schema):
                chunk = metadata.row_group(group).column(index)
                assert chunk.compression == "ZSTD", column
                if column == "text":
                    assert not any("DICTIONARY" in encoding for encoding in chunk.encodings), chunk.encodings
        assert corpora.UDHR_PATH.stat().st_size < 3_000_000

    def test_build_script_parses_sections_like_the_shipped_file(self):
        from data.build_udhr import DeclarationParser, clean_block

        html = """<html><body><h1>Title</h1><header><h2>Preamble</h2><p>Whereas a,</p>
        <p>Whereas
           b.</p></header><article data-number="1"><h2>Article 1</h2><ol><li><p>One.</p></li>
        <li>Two &amp; three.</li></ol></article></body></html>"""
        parser = DeclarationParser()
        parser.feed(html)
        assert parser.sections == {"preamble": ["Whereas a,", "Whereas b."], "1": ["One.", "Two & three."]}
        assert clean_block("旨在\n   破坏") == "旨在破坏"


class TestUdhr:
    def test_one_row_per_language_and_section(self):
        udhr = corpora.load_udhr()
        assert udhr["code"].nunique() >= 500
        assert not udhr.duplicated(["code", "section"]).any()
        assert (udhr["text"].str.len() > 0).all()
        assert list(udhr["section"].cat.categories) == corpora.UDHR_SECTIONS

    def test_english_has_all_31_sections_in_document_order(self):
        english = corpora.load_udhr().query("code == 'eng'")
        assert english["section"].astype(str).tolist() == corpora.UDHR_SECTIONS
        assert english.iloc[0]["text"].startswith("Whereas recognition of the inherent dignity")

    def test_languages_table(self):
        languages = corpora.udhr_languages()
        assert languages["code"].is_unique and len(languages) >= 500
        assert {"code", "iso639_3", "bcp47", "name", "script", "direction", "latitude", "longitude", "stage",
                "region", "sections"} <= set(languages.columns)
        by_code = languages.set_index("code")
        assert by_code.loc["eng", ["iso639_3", "bcp47", "sections"]].tolist() == ["eng", "en", 31]
        assert by_code.loc["arb", "direction"] == "rtl"
        assert set(languages["region"]) <= {"Africa", "Americas", "Asia", "Europe", "Oceania", "unknown"}

    @pytest.mark.parametrize("code, script", [
        ("eng", "Latn"), ("rus", "Cyrl"), ("amh", "Ethi"), ("arb", "Arab"), ("cmn_hans", "Hans"),
        ("cmn_hant", "Hant"), ("jpn", "Jpan"), ("kor", "Hang"), ("ell_monotonic", "Grek"), ("hin", "Deva"),
        ("tzm_tfng", "Tfng"), ("srp_cyrl", "Cyrl"), ("srp_latn", "Latn"),
    ])
    def test_dominant_script(self, code, script):
        assert corpora.udhr_languages().set_index("code").loc[code, "script"] == script

    @pytest.mark.parametrize("code, region", [
        ("eng", "Europe"), ("amh", "Africa"), ("tir", "Africa"), ("jpn", "Asia"), ("heb", "Asia"), ("mri", "Oceania"),
        ("haw", "Oceania"), ("que", "Americas"), ("mlt", "Europe"), ("013", "unknown"),
    ])
    def test_region_from_coordinates(self, code, region):
        languages = corpora.udhr_languages().set_index("code")
        if code == "que":  # Quechua comes in several varieties; any of them is in the Americas
            assert set(languages[languages["iso639_3"].str.startswith("qu")]["region"]) == {"Americas"}
        else:
            assert languages.loc[code, "region"] == region

    def test_text_joins_sections_in_order(self):
        udhr = corpora.load_udhr().query("code == 'fra'")
        assert corpora.udhr_text("fra") == "\n".join(udhr["text"])
        assert corpora.udhr_text("fra", [3, "preamble"]) == "\n".join(udhr["text"].iloc[[0, 3]])

    def test_article(self):
        assert corpora.udhr_article("eng", 1).startswith("All human beings are born free and equal")
        assert corpora.udhr_article("eng", "preamble") == corpora.udhr_text("eng", ["preamble"])
        assert corpora.udhr_article("deu_1996", "30").startswith("Keine Bestimmung")

    def test_unknown_code_suggests(self):
        with pytest.raises(ValueError, match="deu_1901, deu_1996"):
            corpora.udhr_text("deu")
        with pytest.raises(ValueError, match="Unknown UDHR language code 'klingon'"):
            corpora.udhr_article("klingon", 1)

    def test_unknown_and_missing_sections(self):
        with pytest.raises(ValueError, match="sections are 'preamble' and '1'"):
            corpora.udhr_article("eng", 31)
        incomplete = corpora.udhr_languages().query("sections < 31").iloc[0]["code"]
        have = set(corpora.load_udhr().query("code == @incomplete")["section"].astype(str))
        missing = next(section for section in corpora.UDHR_SECTIONS if section not in have)
        with pytest.raises(ValueError, match="no section"):
            corpora.udhr_article(incomplete, missing)

    def test_region_of_is_vectorised(self):
        assert corpora.region_of([48.0, -75.0], [2.0, 30.0]).tolist() == ["Europe", "unknown"]


class TestFlores:
    def test_text_is_dev_then_devtest_lines_joined_by_spaces(self, tmp_path):
        root = write_flores(tmp_path / "f", {"eng_Latn": ("a b\nc\n", "d\n"), "deu_Latn": ("x\ny\n", "z\n")},
                            names={"eng_Latn": "English", "deu_Latn": "German"})
        frame = corpora.load_flores(root).set_index("code")
        # each file split on "\n": the trailing newline is an empty sentence, as Petrov et al. counted
        assert frame.loc["eng_Latn", "text"] == " ".join(["a b", "c", "", "d", ""])
        assert frame.loc["deu_Latn", "lines"] == 5
        assert frame.loc["deu_Latn", ["name", "iso639_3", "script"]].tolist() == ["German", "deu", "Latn"]

    def test_names_default_to_codes(self, tmp_path):
        root = write_flores(tmp_path / "f", {"eng_Latn": ("a\n", "b\n")})
        assert corpora.load_flores(root)["name"].tolist() == ["eng_Latn"]

    def test_real_flores_folder(self):
        frame = corpora.load_flores(FLORES)
        assert len(frame) == 204
        assert (frame["lines"] == 997 + 1 + 1012 + 1).all()
        assert frame.set_index("code").loc["eng_Latn", "name"] == "English"

    def test_identity_follows_content(self, tmp_path):
        root = write_flores(tmp_path / "f", {"eng_Latn": ("a\n", "b\n")})
        before = corpora.flores_identity(root)
        (root / "dev" / "eng_Latn.dev").write_text("a changed\n", encoding="utf-8")
        assert corpora.flores_identity(root) != before
        assert corpora.load_flores(root)["text"].iloc[0].startswith("a changed")

    def test_missing_folder(self, tmp_path):
        with pytest.raises(ValueError, match="does not exist or is not a folder"):
            corpora.load_flores(tmp_path / "nowhere")

    def test_missing_split_folder(self, tmp_path):
        (tmp_path / "f" / "dev").mkdir(parents=True)
        with pytest.raises(ValueError, match="has no devtest/ subfolder"):
            corpora.load_flores(tmp_path / "f")

    def test_empty_folder(self, tmp_path):
        (tmp_path / "f" / "dev").mkdir(parents=True)
        (tmp_path / "f" / "devtest").mkdir()
        with pytest.raises(ValueError, match="has no dev/<code>.dev"):
            corpora.load_flores(tmp_path / "f")

    def test_language_with_one_split(self, tmp_path):
        root = write_flores(tmp_path / "f", {"eng_Latn": ("a\n", "b\n")})
        (root / "dev" / "fra_Latn.dev").write_text("x\n", encoding="utf-8")
        with pytest.raises(ValueError, match="lack a dev or devtest file .*fra_Latn"):
            corpora.load_flores(root)

    def test_misaligned_line_counts(self, tmp_path):
        root = write_flores(tmp_path / "f", {"eng_Latn": ("a\nb\n", "c\n"), "deu_Latn": ("a\nb\n", "c\n"),
                                              "fra_Latn": ("a\n", "c\n")})
        with pytest.raises(ValueError, match="not parallel.*fra_Latn"):
            corpora.load_flores(root)

    def test_not_utf8(self, tmp_path):
        root = write_flores(tmp_path / "f", {"eng_Latn": ("a\n", "b\n")})
        (root / "dev" / "eng_Latn.dev").write_bytes(b"caf\xe9\n")
        with pytest.raises(ValueError, match="is not UTF-8"):
            corpora.load_flores(root)

    def test_read_only_result(self, tmp_path):
        root = write_flores(tmp_path / "f", {"eng_Latn": ("a\n", "b\n")})
        first = corpora.load_flores(root)
        first.loc[0, "text"] = "mutated"
        assert corpora.load_flores(root).loc[0, "text"] == "a  b "
        assert isinstance(first, pd.DataFrame)
