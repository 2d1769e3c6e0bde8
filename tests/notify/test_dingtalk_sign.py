"""DingTalk robot signing (加签): a signed robot's posts carry timestamp and sign that a local receiver verifies; the secret is never shown."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from stpi.notify.channels import dingtalk_sign, signed_url
from stpi.notify.worker import run_once
from stpi.store import Store
from stpi.store import outbox
from stpi.store import supervision as sv

SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"


class Receiver:
    """A local DingTalk stand-in: checks each post's signature as DingTalk documents it, answers errcode 0 or 310000."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  (http.server's name)
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
                expected = base64.b64encode(hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256).digest()).decode()
                fresh = stamp.isdigit() and abs(int(stamp) - time.time() * 1000) < 3600_000
                ok = fresh and hmac.compare_digest(sign, expected)
                receiver.posts.append({"path": url.path, "ok": ok, "body": body, "access_token": query.get("access_token", [""])[0]})
                answer = {"errcode": 0, "errmsg": "ok"} if ok else {"errcode": 310000, "errmsg": "sign not match"}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    thread = threading.Thread(target=rec.server.serve_forever, daemon=True)
    thread.start()
    yield rec
    rec.server.shutdown()
    rec.server.server_close()


def test_the_signature_is_dingtalks_documented_one() -> None:
    # DingTalk: string_to_sign = timestamp + "\n" + secret; HMAC-SHA256 keyed by the secret; base64; then URL-encoded
    stamp = 1577262236757
    digest = hmac.new(b"SECabc", f"{stamp}\nSECabc".encode(), hashlib.sha256).digest()
    assert dingtalk_sign("SECabc", stamp) == base64.b64encode(digest).decode()
    url = signed_url("https://oapi.dingtalk.com/robot/send?access_token=XYZ", "SECabc", stamp)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query == {"access_token": ["XYZ"], "timestamp": [str(stamp)], "sign": [base64.b64encode(digest).decode()]}
    assert "+" not in url.split("sign=")[1] and "/" not in url.split("sign=")[1]  # URL-encoded


def _issue(store: Store) -> None:
    sv.issue(store, department_code="sci", subject="R&D经费投入强度进度滞后", request="说明原因并提出整改措施", deadline=date.today() + timedelta(days=10), actor="admin")


def test_a_signed_dingtalk_robot_gets_posts_its_receiver_accepts(receiver: Receiver, tmp_path: Any) -> None:
    store = Store(f"sqlite:///{tmp_path / 'sign.db'}")
    outbox.webhook_add(store, name="科技局钉钉群", kind="dingtalk", url=f"{receiver.base}/robot/send?access_token=tok1", party="sci", secret=SECRET, actor="admin")
    outbox.webhook_add(store, name="科技局钉钉群(未加签)", kind="dingtalk", url=f"{receiver.base}/robot/unsigned?access_token=tok2", party="sci", actor="admin")
    _issue(store)
    run_once(store, tell=False)
    by_path = {p["path"]: p for p in receiver.posts}
    assert set(by_path) == {"/robot/send", "/robot/unsigned"}
    assert by_path["/robot/send"]["ok"] and by_path["/robot/send"]["access_token"] == "tok1"
    assert by_path["/robot/send"]["body"]["msgtype"] == "markdown" and "R&D经费投入强度进度滞后" in by_path["/robot/send"]["body"]["markdown"]["text"]
    assert not by_path["/robot/unsigned"]["ok"]  # no sign: the receiver refuses, as DingTalk does for a robot set to 加签
    states = {d.label: d.status for d in outbox.deliveries(store)}
    assert states["科技局钉钉群"] == "sent" and states["科技局钉钉群(未加签)"] == "pending"  # refused: retried later
    assert all(SECRET not in d.target and SECRET not in d.body for d in outbox.deliveries(store))  # the secret is not copied into the outbox
    listed = {w.name: w for w in outbox.webhook_list(store)}
    assert listed["科技局钉钉群"].signed and listed["科技局钉钉群"].secret_hint == "…" + SECRET[-4:]
    assert "tok1" not in listed["科技局钉钉群"].address
    store.close()


def test_only_a_dingtalk_robot_takes_a_secret(tmp_path: Any) -> None:
    from stpi.errors import InputError

    store = Store(f"sqlite:///{tmp_path / 'wecom.db'}")
    with pytest.raises(InputError) as err:
        outbox.webhook_add(store, name="企业微信群", kind="wecom", url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", secret="SECx", actor="admin")
    assert [p.field for p in err.value.problems] == ["secret"]
    store.close()
