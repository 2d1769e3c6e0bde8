"""A real SMTP server (aiosmtpd) and an HTTP receiver for group-robot posts, both on 127.0.0.1 only, for the delivery tests."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.store.conftest import pg_url, sqlite_url  # noqa: F401  (the backends' fixtures)

WAIT = 15.0  # seconds: every wait in these tests is bounded


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    """What the SMTP server accepted; ``hold`` makes the next DATA wait (a sender killed mid-send) and then refuse."""

    accepted: list[Any] = field(default_factory=list)
    hold: bool = False
    entered: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.hold:
            self.hold = False
            self.entered.set()
            deadline = time.monotonic() + WAIT
            while not self.release.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            return "451 4.3.0 try again later"
        msg = message_from_bytes(envelope.content, policy=default_policy)
        self.accepted.append((list(envelope.rcpt_tos), msg))
        return "250 OK"

    def ids(self) -> list[str]:
        return [str(m["Message-ID"]) for _, m in self.accepted]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd), plain (smtp_tls none)."""
    from aiosmtpd.controller import Controller

    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, ready_timeout=WAIT)
    controller.start()
    try:
        yield box, port
    finally:
        box.release.set()
        controller.stop()


# the documented JSON of each robot: 企业微信 (WeCom) and 钉钉 (DingTalk)
def documented(path: str, body: Any) -> bool:
    """Exactly the fields the README documents for the robot at this path (/wecom… or /dingtalk…)."""
    if not isinstance(body, dict) or body.get("msgtype") != "markdown" or set(body) != {"msgtype", "markdown"}:
        return False
    md = body["markdown"]
    if path.startswith("/wecom"):
        return set(md) == {"content"} and isinstance(md["content"], str) and md["content"].startswith("### ")
    return set(md) == {"title", "text"} and all(isinstance(v, str) for v in md.values()) and md["text"].startswith(f"### {md['title']}")


@dataclass
class Receiver:
    """The posts answered 200 (path, JSON); ``fail`` answers the next ones 500; ``hold`` stalls the next one (a sender killed mid-post)."""

    posts: list[tuple[str, Any]] = field(default_factory=list)
    bad: list[tuple[str, Any]] = field(default_factory=list)
    fail: int = 0
    hold: bool = False
    entered: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    """An HTTP server on 127.0.0.1 that checks each post against the documented JSON and answers as the robots do."""
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))).decode("utf-8"))
            with rec.lock:
                hold, rec.hold = rec.hold, False
                fail = rec.fail > 0
                rec.fail -= fail
            if hold:
                rec.entered.set()
                rec.release.wait(WAIT)
                fail = True
            if fail:
                self._answer(500, {"errcode": -1, "errmsg": "busy"})
                return
            with rec.lock:
                (rec.posts if documented(self.path, body) else rec.bad).append((self.path, body))
            self._answer(200, {"errcode": 0, "errmsg": "ok"} if documented(self.path, body) else {"errcode": 40035, "errmsg": "invalid"})

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the sender was killed meanwhile
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield rec, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        rec.release.set()
        server.shutdown()
        server.server_close()
        thread.join(WAIT)
