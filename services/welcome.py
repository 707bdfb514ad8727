"""The welcome message (B3): from what the head types to the HTML families see, and back.

The head types text where line breaks are kept and links are written `<a href="URL">text</a>`
(the screen's link button writes them). Everything goes through nh3 with an allow-list (links
with http, https or mailto, line breaks), then through our own serialiser, so the stored HTML
has only text, `<br>` and `<a href rel target>`: nothing typed or pasted can run script.
The length that counts is what the reader sees: text, one character per line break.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import nh3

ALLOWED_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"


@dataclass
class _Node:
    kind: str  # "text", "br", "a"
    text: str = ""
    href: str = ""
    children: list[_Node] = field(default_factory=list)


class _Reader(HTMLParser):
    """Reads nh3's output (only text, br and a) into a small tree, dropping anything else."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.stack[-1].children.append(_Node("br"))
        elif tag == "a" and len(self.stack) == 1:
            href = dict(attrs).get("href") or ""
            scheme = href.split(":", 1)[0].lower() if ":" in href else ""
            node = _Node("a", href=href if scheme in ALLOWED_SCHEMES else "")
            self.stack[-1].children.append(node)
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "a" and len(self.stack) > 1:
            self.stack.pop()

    def handle_data(self, data):
        self.stack[-1].children.append(_Node("text", text=data))


def _tree(clean_html: str) -> _Node:
    reader = _Reader()
    reader.feed(clean_html)
    reader.close()
    return reader.root


def _nh3(fragment: str) -> str:
    return nh3.clean(
        fragment,
        tags={"a", "br"},
        attributes={"a": {"href"}},
        url_schemes=ALLOWED_SCHEMES,
        url_relative="deny",
        link_rel=None,
        strip_comments=True,
    )


def _render(node: _Node) -> str:
    out = []
    for child in node.children:
        if child.kind == "text":
            out.append(html.escape(child.text, quote=False))
        elif child.kind == "br":
            out.append("<br>")
        elif child.href:
            href = html.escape(child.href, quote=True)
            out.append(f'<a href="{href}" rel="{LINK_REL}" target="_blank">{_render(child)}</a>')
        else:
            out.append(_render(child))
    return "".join(out)


def _visible(node: _Node) -> str:
    return "".join(c.text if c.kind == "text" else "\n" if c.kind == "br" else _visible(c) for c in node.children)


def _escape_source_text(text: str) -> str:
    # Keep the text as typed ("3 < 5 & 7 > 2"): escape "&" only where it would start an entity
    # and "<" only where it would start a tag or a comment, so it reads back as the same text.
    text = re.sub(r"&(?=#?\w+;)", "&amp;", text)
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)


def _source(node: _Node) -> str:
    out = []
    for child in node.children:
        if child.kind == "text":
            out.append(_escape_source_text(child.text))
        elif child.kind == "br":
            out.append("\n")
        elif child.href:
            out.append(f'<a href="{html.escape(child.href, quote=True)}">{_source(child)}</a>')
        else:
            out.append(_source(child))
    return "".join(out)


def sanitize(source: str) -> str:
    """The safe HTML families will see, from what the head typed (line breaks become `<br>`)."""
    text = (source or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    text = text.replace("\n", "<br>")
    return _render(_tree(_nh3(text)))


def visible_text(clean_html: str) -> str:
    """What the reader sees, line breaks as "\\n"."""
    return _visible(_tree(_nh3(clean_html)))


def visible_length(clean_html: str) -> int:
    return len(visible_text(clean_html))


def to_source(clean_html: str) -> str:
    """The stored HTML back into what the editing box shows (links kept, `<br>` as new lines)."""
    return _source(_tree(_nh3(clean_html)))


def safe_html(stored: str) -> str:
    """The stored message, cleaned again on the way out (defence in depth)."""
    return _render(_tree(_nh3(stored or "")))
