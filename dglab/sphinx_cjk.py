"""A Sphinx extension that marks runs of Chinese text with ``lang="zh-Hans"``.

Each lab quotes the seed's question in Chinese. Without a language tag a browser picks whichever
CJK font its fallback finds first (often Japanese glyph shapes); with it, the site's CSS
(``:lang(zh-Hans)``) names Simplified Chinese fonts first. docutils writes a node's
``language-xx`` class as the ``lang`` attribute, so a run becomes ``<span lang="zh-Hans">``.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from docutils.transforms import Transform
from sphinx.application import Sphinx

LANGUAGE_CLASS = "language-zh-Hans"
QUESTION_CLASS = "seed-question"  # a quote that opens with 题目 ("question"): the seed's question and its translation
QUESTION_MARK = "题目"
# CJK punctuation, Han ideographs (with extension A and compatibility forms) and fullwidth forms.
CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
_SKIP = (nodes.literal_block, nodes.literal, nodes.raw, nodes.math, nodes.math_block, nodes.comment)


def split_cjk(text: str) -> list[tuple[str, bool]]:
    """Split ``text`` into (piece, is_chinese) runs, in order, losing nothing.

    Args:
        text: any string.

    Returns:
        Consecutive pieces whose concatenation is ``text``; ``is_chinese`` marks CJK runs.
    """
    pieces, last = [], 0
    for match in CJK_RUN.finditer(text):
        if match.start() > last:
            pieces.append((text[last : match.start()], False))
        pieces.append((match.group(), True))
        last = match.end()
    if last < len(text):
        pieces.append((text[last:], False))
    return pieces


def _inside_code(node: nodes.Node) -> bool:
    """True when ``node`` sits in code, math or raw output, which keep their own fonts."""
    parent = node.parent
    while parent is not None:
        if isinstance(parent, _SKIP):
            return True
        parent = parent.parent
    return False


class MarkChinese(Transform):
    """Wrap each run of CJK characters in prose in an inline node tagged ``language-zh-Hans``.

    A block quote that opens with 题目 (the seed's question and its translation) gets the class
    ``seed-question``, which the site's CSS lays out as two columns, Chinese beside English.
    """

    default_priority = 900

    def apply(self, **kwargs: Any) -> None:
        """Mark Chinese runs in prose, and the quotes that hold the seed's question."""
        for text in list(self.document.findall(nodes.Text)):
            if not CJK_RUN.search(text) or _inside_code(text):
                continue
            parts = [
                nodes.inline(piece, piece, classes=[LANGUAGE_CLASS]) if chinese else nodes.Text(piece)
                for piece, chinese in split_cjk(str(text))
            ]
            text.parent.replace(text, parts)
        for quote in self.document.findall(nodes.block_quote):
            if quote.astext().lstrip().startswith(QUESTION_MARK):
                quote["classes"].append(QUESTION_CLASS)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the transform with Sphinx."""
    app.add_transform(MarkChinese)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
