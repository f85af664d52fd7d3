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
