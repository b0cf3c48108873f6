"""The gunicorn worker of `recoupe serve`: gthread, with slow clients kept off the request threads.

gunicorn's gthread worker hands a connection to one of its few threads as
soon as the first byte arrives; the thread then blocks until the client has
sent the whole request. Four clients sending a byte every five seconds hold
four threads, and `/v1/health` stops answering (issue 12). This worker reads
each request in its event loop instead, without a thread:

- the request head and a body of known length (or a chunked body up to its
  last chunk) are gathered from the socket as they arrive; only a complete
  request is handed to a thread, which then never waits on the client;
- a head must be complete within `HEAD_TIMEOUT_S` and the whole request
  within `REQUEST_TIMEOUT_S` of its first byte; past either the client gets
  a 408 problem and the connection is closed;
- at most `MAX_BUFFERED_BYTES` are gathered per connection: a larger body is
  handed over as it is, and the app answers 413 without reading it.

Errors gunicorn answers itself (a malformed request line, headers too large,
a bad chunk) come back as application/problem+json like every other error.

Behind a reverse proxy that buffers requests (nginx does by default), none of
this is reached; the proxy set-up is in the README.
"""

from __future__ import annotations

import errno
import json
import re
import selectors
import time
from functools import partial

from gunicorn.workers.gthread import TConn, ThreadWorker

from service.limits import MAX_BODY_BYTES

HEAD_TIMEOUT_S = 10.0
REQUEST_TIMEOUT_S = 30.0
MAX_BUFFERED_BYTES = MAX_BODY_BYTES + 64 * 1024
_HEAD_END = b"\r\n\r\n"
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length[ \t]*:[ \t]*([0-9]{1,19})[ \t]*\r\n", re.IGNORECASE)
_CHUNKED = re.compile(rb"\r\ntransfer-encoding[ \t]*:[^\r\n]*chunked", re.IGNORECASE)
_EXPECT_CONTINUE = re.compile(rb"\r\nexpect[ \t]*:[ \t]*100-continue", re.IGNORECASE)
_LAST_CHUNK = re.compile(rb"(?:^|\r\n)0+(?:;[^\r\n]*)?\r\n(?:[^\r\n]+\r\n)*\r\n$")

_TITLES = {
    400: "the request is not valid HTTP",
    403: "the request was refused",
    408: "the request was not received in time; send it again, all at once",
    413: "the request body is too large",
    414: "the request URL is too long",
    417: "the Expect header cannot be met",
    431: "the request headers are too large",
    500: "an unexpected error occurred while reading the request",
    501: "the request uses a transfer coding this server does not support",
}


class BufferedConn(TConn):
    """A connection whose request was (partly) read by the event loop: the bytes go to the parser first."""

    def __init__(self, cfg, sock, client, server):
        super().__init__(cfg, sock, client, server)
        self.buffer = bytearray()
        self.started = time.monotonic()
        self.first_byte = None
        self.continued = False  # "100 Continue" sent for this request

    def init(self):
        super().init()  # a no-op on a kept-alive connection: its parser is already there
        if self.buffer and self.parser is not None:
            self.parser.unreader.unread(bytes(self.buffer))
            self.buffer.clear()
        self.continued = False


class RecoupeWorker(ThreadWorker):
    """gthread, with each request read whole in the event loop before a thread runs it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reading: dict[int, BufferedConn] = {}

    def _buffering(self) -> bool:
        # TLS and HTTP/2 are read by gunicorn itself (Recoupe serves neither by default).
        return not self.cfg.is_ssl and not getattr(self.cfg, "http2", False)

    # ------------------------------------------------------------ reading requests

    def accept(self, listener):
        if not self._buffering():
            return super().accept(listener)
        try:
            client_sock, client_addr = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = BufferedConn(self.cfg, client_sock, client_addr, listener.getsockname())  # non-blocking
        self._read_on(conn)

    def on_client_socket_readable(self, conn, client):
        """A kept-alive connection has a new request coming: read it here too, not in a thread."""
        if not self._buffering() or not isinstance(conn, BufferedConn):
            return super().on_client_socket_readable(conn, client)
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        conn.started, conn.first_byte = time.monotonic(), None
        self._read_on(conn)
        self._on_readable(conn, client)

    def _read_on(self, conn: BufferedConn) -> None:
        self.reading[conn.sock.fileno()] = conn
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))

    def _on_readable(self, conn: BufferedConn, client) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away
            self._drop(conn)
            return
        if conn.first_byte is None:
            conn.first_byte = time.monotonic()
        conn.buffer += data
        if self._complete(conn.buffer):
            self._stop_reading(conn)
            conn.data_ready = True  # the thread must not wait for the socket: the request is here
            self.enqueue_req(conn)
        elif not conn.continued and _waits_for_continue(conn.buffer):
            # The client sends its body only once told to: tell it now, from here.
            conn.continued = True
            try:
                conn.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            except OSError:
                self._drop(conn)

    @staticmethod
    def _complete(buffer: bytearray) -> bool:
        """Whether a thread can run this request without waiting on the client."""
        if len(buffer) >= MAX_BUFFERED_BYTES:
            return True  # over any limit: gunicorn or the app refuses it without reading the rest
        head_end = buffer.find(_HEAD_END)
        if head_end < 0:
            return False
        head = bytes(buffer[: head_end + 2])
        body = len(buffer) - head_end - 4
        if _CHUNKED.search(head):
            tail = bytes(buffer[max(head_end + 2, len(buffer) - 4096) :])
            return bool(_LAST_CHUNK.search(tail)) if body else False
        length = _CONTENT_LENGTH.search(head)
        if length is None:
            return True
        wanted = int(length.group(1))
        return wanted > MAX_BODY_BYTES or body >= wanted

    def _stop_reading(self, conn: BufferedConn) -> None:
        self.reading.pop(conn.sock.fileno(), None)
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass

    def _drop(self, conn: BufferedConn) -> None:
        self._stop_reading(conn)
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self):
        super().murder_pending()
        now = time.monotonic()
        for conn in list(self.reading.values()):
            head_done = _HEAD_END in conn.buffer
            since = conn.first_byte or conn.started
            if not conn.buffer and now - conn.started > self.cfg.keepalive + HEAD_TIMEOUT_S:
                self._drop(conn)  # connected and silent: nothing to answer
            elif (not head_done and now - since > HEAD_TIMEOUT_S) or now - since > REQUEST_TIMEOUT_S:
                self.log.warning("Slow client %s: request not received within %.0f s, closed",
                                 conn.client[0] if conn.client else "-",
                                 REQUEST_TIMEOUT_S if head_done else HEAD_TIMEOUT_S)
                _send_problem(conn.sock, 408)
                self._drop(conn)

    def run(self):
        try:
            super().run()
        finally:
            for conn in list(self.reading.values()):
                self._drop(conn)

    # ------------------------------------------------------------ errors gunicorn answers itself

    def handle_error(self, req, client, addr, exc):
        capture = _StatusCapture()
        super().handle_error(req, capture, addr, exc)
        if capture.status:
            _send_problem(client, capture.status)


def _waits_for_continue(buffer: bytearray) -> bool:
    head_end = buffer.find(_HEAD_END)
    return head_end >= 0 and len(buffer) == head_end + 4 and bool(_EXPECT_CONTINUE.search(bytes(buffer[:head_end + 2])))


class _StatusCapture:
    """Stands in for the client socket while gunicorn writes its HTML error page; keeps the status."""

    def __init__(self):
        self.status = None

    def gettimeout(self):
        return 0.0

    def setblocking(self, flag):
        pass

    def sendall(self, data: bytes):
        m = re.match(rb"HTTP/1\.[01] ([0-9]{3})", data)
        if m and self.status is None:
            self.status = int(m.group(1))

    send = sendall


def _send_problem(sock, status: int) -> None:
    title = _TITLES.get(status, "the request could not be read")
    kind = {408: "request-timeout", 413: "too-large", 414: "uri-too-long", 431: "headers-too-large"}.get(
        status, "bad-request" if status < 500 else "internal-error")
    body = json.dumps({"type": kind, "title": title, "status": status}).encode()
    reason = {400: "Bad Request", 403: "Forbidden", 408: "Request Timeout", 413: "Content Too Large",
              414: "URI Too Long", 417: "Expectation Failed", 431: "Request Header Fields Too Large",
              500: "Internal Server Error", 501: "Not Implemented"}.get(status, "Error")
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
    try:
        sock.setblocking(False)
        sock.send(head + body)
    except OSError:
        pass
