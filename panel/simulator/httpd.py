"""HTTP/1.1 front end: a threading server with keep-alive around ``Simulator.handle``.

Written on the standard library's http.server so that the simulator needs nothing installed;
each response goes out in one write (status line, headers and body) with Nagle off, which keeps
keep-alive clients away from the 40 ms delayed-ACK stall.
"""

from __future__ import annotations

import socket
import sys
import threading
import traceback
from http.client import responses as reasons
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .simulator import Simulator
from .wire import Response, json_response, text

_MAX_BODY = 16 * 1024 * 1024  # more than any API body; a chunked body may not exceed it


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    # An idle keep-alive connection hands its thread back after this many seconds.
    timeout = 60
    server: SimulatorHTTPServer

    def _read_chunked(self) -> bytes | None:
        """A ``Transfer-Encoding: chunked`` request body (nginx accepts one; clients that
        stream a body send it), or None if it is malformed."""
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                return None
            total += size
            if size < 0 or total > _MAX_BODY:
                return None
            if size == 0:
                while self.rfile.readline(1024).strip():  # trailers, up to the blank line
                    pass
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)  # the CRLF after the chunk

    def _serve(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunked = self._read_chunked()
            if chunked is None:
                self.close_connection = True
                self._send(text(400, "Bad chunked body"))
                return
            body = chunked
        else:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0:
                self.close_connection = True
                self._send(text(400, "Bad Content-Length"))
                return
            if length > _MAX_BODY:  # nginx's answer to a body over its limit
                self.close_connection = True
                self._send(text(413, "Request Entity Too Large"))
                return
            body = self.rfile.read(length) if length else b""
        try:
            response = self.server.simulator.handle(
                # HEAD is answered as GET without the body, like nginx does.
                "GET" if self.command == "HEAD" else self.command,
                self.path,
                body,
                self.headers.get("API-Key"),
                self.client_address[0],
                self.headers.get("Authorization"),
            )
        except Exception:  # a simulator bug: say so, like v1's own 500, and keep serving
            traceback.print_exc(file=sys.stderr)
            if self.path.startswith("/v2"):
                response = json_response({"error": "Internal server error.", "status": 500}, 500)
            else:
                response = text(500, "Internal server error. Try again at a later time")
        if response.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._send(response)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

    def __getattr__(self, name: str) -> object:
        # Any other method (OPTIONS, TRACE, ...) goes through the simulator too, which answers
        # it as the API does (v1: 405 in plain text; v2: a JSON 405 or 404), rather than
        # http.server's own 501 HTML page.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _send(self, response: Response) -> None:
        body = response.body
        head = (
            f"HTTP/1.1 {response.status} {reasons.get(response.status, '')}\r\n"
            f"Date: {self.date_time_string()}\r\n"
            "Server: nginx\r\n"  # what v1 answered with (reference §1)
            f"Content-Type: {response.content_type}\r\n"
            # RFC 9110 §8.6: no Content-Length on a 204 (nor any body).
            + ("" if response.status == 204 else f"Content-Length: {len(body)}\r\n")
            + "Cache-Control: no-cache\r\n"
            + "".join(f"{name}: {value}\r\n" for name, value in response.headers)
            + ("Connection: close\r\n" if self.close_connection else "")
            + "\r\n"
        )
        self.wfile.write(head.encode("latin-1") + (b"" if self.command == "HEAD" else body))
        if self.server.verbose:
            self.log_message('"%s" %d %d', self.requestline, response.status, len(body))

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Idle keep-alive threads must not hold up server_close().
    block_on_close = False
    request_queue_size = 128

    def __init__(self, simulator: Simulator, host: str, port: int, verbose: bool = False):
        self.simulator = simulator
        self.verbose = verbose
        super().__init__((host, port), _Handler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.server_address[0]}:{self.port}"


class Served:
    """A simulator served from a background thread."""

    def __init__(self, httpd: SimulatorHTTPServer) -> None:
        self.httpd = httpd
        self.url = httpd.url
        self.port = httpd.port
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()

    def shutdown(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join()


def serve(
    simulator: Simulator, host: str = "127.0.0.1", port: int = 0, verbose: bool = False
) -> Served:
    """Serve ``simulator`` on ``host:port`` (0 picks a free port) from a background thread."""
    return Served(SimulatorHTTPServer(simulator, host, port, verbose))
