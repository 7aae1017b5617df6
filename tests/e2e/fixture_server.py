"""The fixture server: Asana, Jira and Trello pages over TLS at their real host names.

One port on 127.0.0.1 serves both ways the browsers arrive:

- Chromium maps the real host names onto this port (``--host-resolver-rules``) and opens
  TLS directly; the first byte of such a connection is a TLS handshake record (0x16).
- Firefox has no resolver rules, so its manual proxy prefs point here and it sends
  ``CONNECT app.asana.com:443``; the server answers only for fixture hosts, then speaks
  TLS inside the tunnel. Any other host is refused, so nothing leaves the machine.

Pages come from ``tests/fixtures/sites/<site>/*.html``. Each page names the URL(s) it
stands for in ``<meta name="taskclock-fixture-url" content="/path?query">``, so the
routing table lives beside the HTML and a test can read a page's URL from its file.
"""

from __future__ import annotations

import http.server
import re
import socket
import socketserver
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sites"

# The host each site's fixtures are served at. Jira answers on any *.atlassian.net name.
SITE_HOSTS = {"asana": "app.asana.com", "jira": "acme.atlassian.net", "trello": "trello.com"}

_META_URL = re.compile(
    r'<meta\s+name="taskclock-fixture-url"\s+content="([^"]+)"', re.IGNORECASE
)


def site_for_host(host: str) -> str | None:
    """The fixture site served at *host*, or None for a host the server refuses."""
    host = host.lower().rstrip(".")
    for site, site_host in SITE_HOSTS.items():
        if host == site_host:
            return site
    if host.endswith(".atlassian.net"):
        return "jira"
    return None


@dataclass
class Routes:
    """Maps (site, path-with-query) to a fixture file; built once from the meta tags."""

    table: dict[tuple[str, str], Path] = field(default_factory=dict)

    @classmethod
    def scan(cls, root: Path = FIXTURES) -> Routes:
        """Read every fixture page's declared URLs. Call once when the server starts."""
        routes = cls()
        for page in sorted(root.glob("*/*.html")):
            for url in _META_URL.findall(page.read_text(encoding="utf-8")):
                routes.table[(page.parent.name, url)] = page
        return routes

    def find(self, site: str, target: str) -> Path | None:
        """The page for a request target: exact path and query first, then the path."""
        parts = urlsplit(target)
        with_query = parts.path + ("?" + parts.query if parts.query else "")
        return self.table.get((site, with_query)) or self.table.get((site, parts.path))


def page_url(site: str, view: str) -> str:
    """The https URL of fixture ``<site>/<view>.html`` (its first declared URL)."""
    text = (FIXTURES / site / f"{view}.html").read_text(encoding="utf-8")
    urls = _META_URL.findall(text)
    if not urls:
        raise LookupError(f"{site}/{view}.html declares no taskclock-fixture-url")
    return f"https://{SITE_HOSTS[site]}{urls[0]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        # A direct TLS client (Chromium) starts with a handshake record; a proxy client
        # (Firefox) starts with "CONNECT". Peek to tell them apart before buffering.
        self.request.settimeout(30)
        try:
            first = self.request.recv(1, socket.MSG_PEEK)
            if first == b"\x16":
                self.request = self.server.tls.wrap_socket(self.request, server_side=True)
        except (OSError, ssl.SSLError):
            self.close_connection = True
        super().setup()

    def do_CONNECT(self) -> None:  # noqa: N802 (http.server naming)
        host, _, port = self.path.rpartition(":")
        if site_for_host(host) is None or port != "443":
            self.send_error(403, "not a fixture host")
            self.close_connection = True
            return
        self.send_response(200, "Connection Established")
        self.end_headers()
        self.wfile.flush()
        try:
            tls = self.server.tls.wrap_socket(self.connection, server_side=True)
        except (OSError, ssl.SSLError):
            self.close_connection = True
            return
        # Keep serving requests, now read from inside the tunnel.
        self.connection = self.request = tls
        self.rfile = tls.makefile("rb", self.rbufsize)
        self.wfile = socketserver._SocketWriter(tls)  # type: ignore[attr-defined]
        self.close_connection = False

    def do_GET(self) -> None:  # noqa: N802
        target = self.path
        host = self.headers.get("Host", "")
        if target.startswith("http"):  # absolute form, from a proxy client
            parts = urlsplit(target)
            host, target = parts.netloc, parts.path + ("?" + parts.query if parts.query else "")
        site = site_for_host(host.partition(":")[0])
        page = self.server.routes.find(site, target) if site else None
        self.server.requests.append((host, target))
        if page is None:
            self._send(404, b"<!doctype html><title>not a fixture</title>", "text/html")
            return
        self._send(200, page.read_bytes(), "text/html; charset=utf-8")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return  # the request list is the log; stderr noise hides real failures


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, tls: ssl.SSLContext, routes: Routes) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tls = tls
        self.routes = routes
        self.requests: list[tuple[str, str]] = []

    def handle_error(self, request: object, client_address: object) -> None:
        return  # browsers drop connections mid-request all the time


class FixtureServer:
    """Runs the server in a daemon thread. Start once per session; stop at its end."""

    def __init__(self, cert: Path, key: Path) -> None:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(cert, key)
        self._server = _Server(tls, Routes.scan())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        """The port on 127.0.0.1 that serves TLS and answers CONNECT."""
        return self._server.server_address[1]

    @property
    def requests(self) -> list[tuple[str, str]]:
        """Every (host, path) the browsers fetched, in order; for asserting routing."""
        return self._server.requests

    def reload_routes(self) -> None:
        """Re-read the fixture pages' URLs; call after a test writes a new page."""
        self._server.routes = Routes.scan()

    def start(self) -> FixtureServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
