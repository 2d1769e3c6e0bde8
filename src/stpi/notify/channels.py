"""One delivery: an e-mail over SMTP, or a post to a 企业微信 or 钉钉 group robot (their documented markdown messages)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

__all__ = ["DeliveryError", "Mail", "SmtpConfig", "dingtalk_sign", "post_robot", "robot_payload", "send_mail", "signed_url"]

TIMEOUT = 20.0  # seconds for one SMTP conversation or one robot post


class DeliveryError(Exception):
    """A delivery that failed; its text is kept on the outbox row for the admin (never the password)."""


@dataclass(frozen=True)
class SmtpConfig:
    """The SMTP settings: host, port, tls (ssl / starttls / none), account, password, sender."""

    host: str
    port: int
    tls: str
    user: str
    password: str
    sender: str


@dataclass(frozen=True)
class Mail:
    """One e-mail: its Message-ID names the outbox row, so a receiver can tell a resend from a new notice."""

    to: str
    subject: str
    body: str
    message_id: str


def send_mail(config: SmtpConfig, mail: Mail) -> None:
    """Send one e-mail; DeliveryError when the server refuses it or cannot be reached."""
    if config.tls not in ("ssl", "starttls", "none"):
        raise DeliveryError(f"smtp_tls 应为 ssl、starttls 或 none（现为 {config.tls!r}） smtp_tls must be ssl, starttls or none")
    msg = EmailMessage()
    msg["From"] = config.sender or config.user
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = mail.message_id
    msg.set_content(mail.body)
    try:
        if config.tls == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=TIMEOUT, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=TIMEOUT)
        with client:
            if config.tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if config.user and config.password:
                client.login(config.user, config.password)
            refused = client.send_message(msg)
        if refused:
            raise DeliveryError(f"收件人被拒 recipient refused: {refused}")
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from None


def robot_payload(kind: str, subject: str, body: str, link: str) -> dict[str, object]:
    """The JSON a group robot takes: 企业微信 ``{"msgtype": "markdown", "markdown": {"content"}}``, 钉钉 ``{"msgtype": "markdown", "markdown": {"title", "text"}}``."""
    text = f"### {subject}\n{body}" + (f"\n[打开 stpi]({link})" if link.startswith("http") else "")
    if kind == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": text}}
    if kind == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": subject, "text": text}}
    raise DeliveryError(f"未知群机器人类型 unknown robot kind {kind!r}; 可选 valid: wecom, dingtalk")


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's custom-robot signature (安全设置 · 加签): base64(HMAC-SHA256(secret, f"{timestamp}\n{secret}")), not yet URL-encoded."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """The webhook URL with ``timestamp`` (milliseconds) and the URL-encoded ``sign`` appended; DingTalk refuses a timestamp over an hour old."""
    stamp = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={stamp}&sign={urllib.parse.quote_plus(dingtalk_sign(secret, stamp))}"


def post_robot(kind: str, url: str, payload: dict[str, object], *, secret: str = "") -> None:
    """Post to a robot's webhook (a DingTalk robot with a secret: signed at the moment of sending); both answer ``{"errcode": 0, "errmsg": "ok"}`` when they took it."""
    if secret and kind == "dingtalk":
        url = signed_url(url, secret)
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:  # noqa: S310  (the admin's configured https webhook)
            answer = resp.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}") from None
    try:
        code = json.loads(answer.decode("utf-8")).get("errcode", 0)
    except (ValueError, AttributeError):
        raise DeliveryError(f"应答不是 JSON the robot answered no JSON: {answer[:80]!r}") from None
    if code != 0:
        raise DeliveryError(f"errcode {code}: {answer[:200].decode('utf-8', 'replace')}")
