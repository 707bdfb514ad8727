"""Safe HTML-to-PDF rendering with WeasyPrint, shared by the letters and the families' portal.

Every text printed comes from imports, from staff or from the replication, and Django escapes
it; on top of that, `StaticOnlyFetcher` lets WeasyPrint read only files of the project's static
folder and refuses every other URL (http, https, ftp, data, files elsewhere), so nothing in a
document can make the renderer call a server or embed a file of the machine.

This module sits at the bottom layer (`tsadmin`): `notifications` and `portal` both import it,
neither imports the other.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from weasyprint import HTML
from weasyprint.urls import URLFetcher


class FetchRefused(ValueError):
    """WeasyPrint was asked for a resource outside the static folder."""


def static_root() -> Path:
    return Path(settings.STATICFILES_DIRS[0]).resolve()


class StaticOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves files of the static folder and nothing else."""

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise FetchRefused(f"refused URL scheme or host: {parts.scheme}")
        root = static_root()
        path = Path(unquote(parts.path)).resolve()
        if root not in path.parents or not path.is_file():
            raise FetchRefused("refused file outside the static folder")
        return super().fetch(path.as_uri(), headers)


def html_document(html: str):
    """The WeasyPrint document of `html` (relative URLs resolve in the static folder, and only there)."""
    return HTML(string=html, base_url=static_root().as_uri() + "/", url_fetcher=StaticOnlyFetcher()).render()


def html_to_pdf(html: str) -> bytes:
    """The PDF of `html`, rendered under the static-only fetcher."""
    return html_document(html).write_pdf()
