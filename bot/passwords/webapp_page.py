"""Serving the password check page (the Mini App) that `make` builds into webapp/dist/.

The page is one self-contained HTML file; it is read once at start, gzipped once, and served
from memory with the Content-Security-Policy the build wrote for it (its own inline script and
style only, connect-src 'none': nothing is fetched or sent after it loads).
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from aiohttp import web

DIST = Path(__file__).resolve().parent / "webapp" / "dist"


class PageNotBuiltError(RuntimeError):
    """webapp/dist/ has no page: `make webapp` (node and npm) was not run."""


@dataclass(frozen=True)
class Page:
    html: bytes
    gzipped: bytes
    csp: str
    etag: str

    @classmethod
    def load(cls, dist: Path | None = None) -> Page:
        dist = dist or DIST
        try:
            html = (dist / "index.html").read_bytes()
            csp = (dist / "csp.txt").read_text(encoding="utf-8").strip()
        except OSError:
            raise PageNotBuiltError(
                f"the password check page is not built ({dist}): run `make webapp` "
                "(it needs node and npm)"
            ) from None
        etag = '"' + hashlib.sha256(html).hexdigest()[:32] + '"'
        return cls(html, gzip.compress(html, compresslevel=9, mtime=0), csp, etag)

    def response(self, request: web.Request) -> web.Response:
        headers = {
            "Content-Security-Policy": self.csp,
            # Revalidated on each opening (the ETag makes that a 304), never stored by proxies.
            "Cache-Control": "no-cache, private",
            "ETag": self.etag,
            "Vary": "Accept-Encoding",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        }
        if self.etag in request.headers.get("If-None-Match", ""):
            return web.Response(status=304, headers=headers)
        body = self.html
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            body = self.gzipped
            headers["Content-Encoding"] = "gzip"
        return web.Response(body=body, content_type="text/html", charset="utf-8", headers=headers)


def routes(page: Page, path: str) -> list[web.RouteDef]:
    async def serve(request: web.Request) -> web.Response:
        return page.response(request)

    return [web.get(path, serve)]


def page_url(base: str, lang: str) -> str:
    """The address a button opens: WEBAPP_URL with the person's language."""
    parts = urlsplit(base)
    return urlunsplit(parts._replace(query=urlencode({"lang": lang})))
