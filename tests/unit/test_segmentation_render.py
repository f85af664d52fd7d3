"""The Segmentations page's library parts: merge-tree layout, token markup, downloads, chat counts."""
from __future__ import annotations

import re

import pytest

import tokviz
from tokviz import render


def dot_leaf_labels(dot: str) -> list[str]:
    """Labels of the merge tree's leaves, in the left-to-right order the DOT pins them to."""
    labels = dict(re.findall(r'^(n\d+) \[label="((?:[^"\\]|\\.)*)"', dot, flags=re.M))
    chain = re.search(r"\{rank=same; ([^}]*)\}", dot)
    assert chain, "the leaves are pinned to one row"
    order = re.findall(r"n\d+", chain.group(1))
    return [labels[node].split("\\n")[0] for node in order]


@pytest.fixture(scope="module")
def cl100k():
    return tokviz.load_tokenizer("cl100k_base")


class TestMergeTree:
    @pytest.mark.parametrize("word", ["Token", "Hello", " tokenizer", " Mississippi", " letter"])
    def test_leaves_spell_the_token_left_to_right(self, cl100k, word):
        (token_id,) = cl100k.encode(word)
        tree = render.merge_tree_nodes(cl100k.merge_tree(token_id), cl100k.token_bytes(token_id))
        leaves = [node.data for node in tree if not node.children]
        assert b"".join(leaves) == word.encode()
        assert tree[0].data == word.encode(), "the root (first node) is the token itself"

    def test_one_node_per_occurrence(self, cl100k):
        (token_id,) = cl100k.encode("Hello")
        tree = render.merge_tree_nodes(cl100k.merge_tree(token_id), b"Hello")
        leaves = [node.data for node in tree if not node.children]
        assert leaves.count(b"l") == 2, "each l of Hello is its own node"
        assert len({node.node_id for node in tree}) == len(tree)

    def test_children_are_in_text_order(self, cl100k):
        (token_id,) = cl100k.encode("Token")
        tree = {node.node_id: node for node in render.merge_tree_nodes(cl100k.merge_tree(token_id), b"Token")}
        for node in tree.values():
            if node.children:
                assert b"".join(tree[child].data for child in node.children) == node.data

    @pytest.mark.parametrize("word", ["Token", "Hello"])
    def test_dot_pins_the_leaves_in_text_order(self, cl100k, word):
        (token_id,) = cl100k.encode(word)
        dot = render.merge_tree_dot(cl100k.merge_tree(token_id), word.encode())
        assert "".join(dot_leaf_labels(dot)) == word
        assert "ordering=out" in dot

    def test_a_base_unit_is_one_node(self, cl100k):
        tree = render.merge_tree_nodes([], b"T")
        assert [(node.data, node.children) for node in tree] == [(b"T", ())]


class TestTokenView:
    def test_every_token_is_one_box_with_its_span(self, cl100k):
        from tokviz.token_view import TokenRow, token_rows_html

        segmentation = cl100k.segment("naïve café 👋🏽 ok")
        html = token_rows_html([TokenRow("GPT-4", segmentation)])
        assert html.count('class="tv-tok') == len(segmentation)
        spans = re.findall(r'data-s="(\d+)" data-e="(\d+)"', html)
        assert spans == [(str(s), str(e)) for s, e in zip(segmentation.starts, segmentation.ends, strict=True)]

    def test_a_split_character_is_drawn_once(self, cl100k):
        from tokviz.token_view import TokenRow, token_rows_html

        html = token_rows_html([TokenRow("GPT-4", cl100k.segment("hi 👋"))])
        assert html.count('<span class="tv-char">·👋</span>') == 1
        assert 'data-text="b&#x27;\\x8b&#x27;"' in html, "a partial token's text reads b'\\x8b'"

    def test_hostile_text_is_escaped(self, cl100k):
        from tokviz.token_view import TokenRow, token_rows_html

        hostile = '<script>alert(1)</script><img src=x onerror=alert(2)> "quoted"'
        html = token_rows_html([TokenRow("<b>name</b>", cl100k.segment(hostile), note="<i>note</i>")])
        assert "<script" not in html and "<img" not in html and "<b>name" not in html and "<i>" not in html

    def test_groups_follow_shared_characters(self):
        import numpy as np

        from tokviz.token_view import token_groups

        # BOS (0,0), "a" (0,1), two halves of one character (1,2) (1,2), EOS (2,2)
        starts, ends = np.array([0, 0, 1, 1, 2]), np.array([0, 1, 2, 2, 2])
        assert token_groups(starts, ends).tolist() == [0, 1, 2, 4]

    def test_ids_and_bytes_are_small_lines_under_the_text(self, cl100k):
        from tokviz.token_view import TokenRow, ViewOptions, token_rows_html

        html = token_rows_html([TokenRow("GPT-4", cl100k.segment("hello"))], ViewOptions(True, True, True))
        assert ('<span class="tv-t">hello</span><span class="tv-id">15339</span>'
                '<span class="tv-hex">68 65 6C 6C 6F</span>') in html


class TestAgreementAndDownloads:
    def test_pairwise_agreement_equals_set_jaccard(self):
        texts = "Tokenizers don't see words: they see pieces. 12345 naïve 👋"
        segs = [tokviz.load_tokenizer(name).segment(texts) for name in ("cl100k_base", "llama3", "mistral-7b")]
        table = render.pairwise_agreement(segs)
        for i, a in enumerate(segs):
            for j, b in enumerate(segs):
                union = a.boundaries() | b.boundaries()
                assert table.iloc[i, j] == pytest.approx(len(a.boundaries() & b.boundaries()) / len(union))

    def test_downloads_hold_every_token(self, cl100k):
        import json

        from tokviz.segment import segmentations_csv, segmentations_json

        seg = cl100k.segment("hi 👋 there")
        csv = segmentations_csv([seg]).decode()
        assert len(csv.strip().splitlines()) == len(seg) + 1
        (payload,) = json.loads(segmentations_json([seg]))
        assert payload["ids"] == seg.ids and len(payload["tokens"]) == len(seg)

    def test_markdown_is_escaped(self):
        from tokviz.render import markdown_escape

        assert "](" not in markdown_escape("[log in](https://evil.example)")
        assert markdown_escape(":red[alert]").startswith("\\:red\\[")

    def test_strip_is_labelled_with_characters_and_names(self):
        from tokviz.charts.segmentation import boundary_strip

        segs = [tokviz.load_tokenizer(name).segment("hello world") for name in ("cl100k_base", "mistral-7b")]
        names = {"cl100k_base": "GPT-4", "mistral-7b": "Mistral"}
        agreement = render.boundary_agreement(segs).rename(columns=names)
        figure = boundary_strip(agreement, "hello world", ["GPT-4", "Mistral"])
        assert list(figure.data[0].y) == ["GPT-4", "Mistral"]
        assert list(figure.layout.xaxis.ticktext)[:6] == ["h", "e", "l", "l", "o", "·"]
        assert figure.data[0].z[0][5] == 1, "GPT-4 cuts before the space"


class TestChatCounts:
    CONVERSATION = [("system", "You are brief."), ("user", "Count me."), ("assistant", "Done.")]

    @pytest.mark.parametrize("name", ["mistral-7b", "mistral-tekken"])
    def test_mistral_counts_through_its_template(self, name):
        from tokviz import chat

        count = chat.count_conversation(tokviz.load_tokenizer(name), [chat.Message(*m) for m in self.CONVERSATION])
        assert count.templated is not None and count.templated > count.plain
        assert count.source.startswith("mistral-common")

    def test_no_template_is_said_not_guessed(self, cl100k):
        from tokviz import chat

        count = chat.count_conversation(cl100k, [chat.Message(*m) for m in self.CONVERSATION])
        assert count.templated is None and "no template" in count.source
        assert count.plain == sum(len(cl100k.encode(text)) for _, text in self.CONVERSATION)

    def test_unknown_role_is_a_clear_error(self, cl100k):
        from tokviz import chat

        with pytest.raises(ValueError, match="unknown chat role"):
            chat.count_conversation(cl100k, [chat.Message("wizard", "hi")])
