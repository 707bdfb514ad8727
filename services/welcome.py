"""The welcome message (B3): from what the head types to the HTML families see, and back.

The head types text where line breaks are kept and links are written `<a href="URL">text</a>`
(the screen's link button writes them). Everything goes through nh3 with an allow-list (links
with https or mailto, line breaks), then through our own serialiser, so the stored HTML
has only text, `<br>` and `<a href rel target>`: nothing typed or pasted can run script.
The length that counts is what the reader sees: text, one character per line break.

Links (`link_refusal`): a complete https:// address, or mailto:. http:, javascript:, data: and
relative addresses are refused; so is a site outside the academy's allow-list of domains
(`Academy.welcome_link_domains`; a subdomain of a listed domain is accepted; an empty list
accepts any https site; mailto: addresses are not concerned). The service refuses a message
with such a link and says which (`refused_links`); `sanitize` and `safe_html` drop any that
got through anyway, so the stored and the shown HTML hold allowed links only.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

from siecle.models import link_domain_normalised

ALLOWED_SCHEMES = {"https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


def link_refusal(href: str, *, domains: Sequence[str] | None = None) -> str:
    """Why `href` may not be linked from a welcome message (French), or "" when it may.

    `domains`: the academy's allow-list (None: any https site; a subdomain of a listed domain
    is accepted).
    """
    href = (href or "").strip()
    scheme, colon, _rest = href.partition(":")
    if not colon or not _SCHEME.fullmatch(scheme):
        return "une adresse complète commençant par https:// est attendue"
    scheme = scheme.lower()
    if scheme == "mailto":
        return ""
    if scheme != "https":
        return f"les liens « {scheme}: » ne sont pas acceptés, seuls https:// et mailto: le sont"
    try:
        netloc = urlsplit(href).netloc
        host = link_domain_normalised(urlsplit(href).hostname or "")
    except ValueError:
        netloc, host = "", ""
    # A backslash or a user name ("https://ac.fr\\@evil.example") would let a browser go to
    # another host than the one read here.
    if not host or "\\" in href or "@" in netloc:
        return "l'adresse du site n'est pas valide"
    if domains is None or any(host == d or host.endswith(f".{d}") for d in domains):
        return ""
    listed = ", ".join(domains) if domains else "aucun"
    return f"le site {host} n'est pas parmi les domaines autorisés par l'académie, {listed}"


class _LinkCollector(HTMLParser):
    """Every address of every `<a>` of what the head typed, before any cleaning."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.extend(value or "" for name, value in attrs if name == "href")


def link_addresses(source: str) -> list[str]:
    """The address of every link of `source` (typed or stored HTML), in order, repeats kept."""
    collector = _LinkCollector()
    collector.feed(source or "")
    collector.close()
    return collector.hrefs


def refused_links(source: str, *, domains: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """The links of `source` a welcome message may not hold, with the reason of each (French)."""
    refused = []
    for href in link_addresses(source):
        reason = link_refusal(href, domains=domains)
        if reason and (href, reason) not in refused:
            refused.append((href, reason))
    return refused


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


def _render(node: _Node, domains: Sequence[str] | None) -> str:
    out = []
    for child in node.children:
        if child.kind == "text":
            out.append(html.escape(child.text, quote=False))
        elif child.kind == "br":
            out.append("<br>")
        elif child.href and not link_refusal(child.href, domains=domains):
            href = html.escape(child.href, quote=True)
            out.append(f'<a href="{href}" rel="{LINK_REL}" target="_blank">{_render(child, domains)}</a>')
        else:
            out.append(_render(child, domains))
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


def sanitize(source: str, *, domains: Sequence[str] | None = None) -> str:
    """The safe HTML families will see, from what the head typed (line breaks become `<br>`).

    A link that `link_refusal` refuses keeps its text and loses its address.
    """
    text = (source or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    text = text.replace("\n", "<br>")
    return _render(_tree(_nh3(text)), domains)


def visible_text(clean_html: str) -> str:
    """What the reader sees, line breaks as "\\n"."""
    return _visible(_tree(_nh3(clean_html)))


def visible_length(clean_html: str) -> int:
    return len(visible_text(clean_html))


def to_source(clean_html: str) -> str:
    """The stored HTML back into what the editing box shows (links kept, `<br>` as new lines)."""
    return _source(_tree(_nh3(clean_html)))


def safe_html(stored: str, *, domains: Sequence[str] | None = None) -> str:
    """The stored message, cleaned again on the way out (defence in depth)."""
    return _render(_tree(_nh3(stored or "")), domains)
