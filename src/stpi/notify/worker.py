"""The outbox worker: tells the events read from the store (:func:`stpi.store.notices.sweep`), then sends what is owed.

Started as a thread by ``stpi serve``; ``stpi notify send`` runs one pass (for cron). Nothing is sent inside a
request; a worker killed at any point leaves every undelivered notice in the outbox, sent by the next pass.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from stpi.errors import StpiError
from stpi.notify.channels import DeliveryError, Mail, SmtpConfig, post_robot, robot_payload, send_mail
from stpi.store import outbox
from stpi.store.core import Store
from stpi.store.notices import sweep
from stpi.store.settings import SMTP_PASSWORD, settings

__all__ = ["Pass", "run_once", "start_worker"]

_log = logging.getLogger("stpi.notify")


@dataclass(frozen=True)
class Pass:
    """What one pass did."""

    told: int  # new inbox messages from the sweep
    sent: int
    retried: int  # failed this time, to be tried again
    failed: int  # failed for good


def smtp_config(store: Store) -> SmtpConfig:
    """The SMTP settings, with the password kept apart from the other settings."""
    from stpi.store import models as m

    values = settings(store)
    with store.session() as s:
        row = s.get(m.SettingRow, SMTP_PASSWORD)
    return SmtpConfig(str(values["smtp_host"]), int(values["smtp_port"]), str(values["smtp_tls"]).lower(), str(values["smtp_user"]),  # type: ignore[call-overload]
                      "" if row is None else row.value, str(values["smtp_from"]))


def _absolute(site: str, link: str) -> str:
    return site.rstrip("/") + link if site and link.startswith("/") else link


def _send(store: Store, delivery: outbox.Delivery, config: SmtpConfig, site: str) -> None:
    link = _absolute(site, delivery.link)
    if delivery.channel == "email":
        if not config.host:
            raise DeliveryError("未设置 smtp_host no SMTP server is set (smtp_host)")
        body = delivery.body + (f"\n\n{link}" if link.startswith("http") else "")
        send_mail(config, Mail(delivery.target, delivery.subject, body, f"<stpi-outbox-{delivery.id}@{config.host}>"))
    else:
        secret = outbox.robot_secret(store, name=delivery.label, url=delivery.target) if delivery.channel == "dingtalk" else ""
        post_robot(delivery.channel, delivery.target, robot_payload(delivery.channel, delivery.subject, delivery.body, link), secret=secret)


def run_once(store: Store, *, lease_seconds: int = 120, limit: int = 100, tell: bool = True) -> Pass:
    """One pass: sweep for new events, then claim and send every delivery that is due."""
    told = sweep(store) if tell else 0
    values = settings(store)
    config, site, max_attempts = smtp_config(store), str(values["site_url"]), int(values["notify_max_attempts"])  # type: ignore[call-overload]
    sent = retried = failed = 0
    for delivery in outbox.claim(store, lease_seconds=lease_seconds, limit=limit):
        try:
            _send(store, delivery, config, site)
        except DeliveryError as exc:
            status = outbox.mark_failed(store, delivery, str(exc), max_attempts=max_attempts)
            _log.warning("delivery #%s (%s → %s) failed: %s", delivery.id, delivery.channel, delivery.label, exc)
            retried, failed = retried + (status == "pending"), failed + (status == "failed")
        else:
            outbox.mark_sent(store, delivery)
            sent += 1
    return Pass(told, sent, retried, failed)


def start_worker(store: Store, *, interval: float = 15.0) -> tuple[threading.Thread, threading.Event]:
    """A daemon thread running a pass every ``interval`` seconds until the event is set (``stpi serve``)."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                run_once(store)
            except StpiError as exc:  # the store is busy or unreachable for a moment: the next pass tries again
                _log.warning("notice worker pass failed: %s", exc)
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="stpi-notify", daemon=True)
    thread.start()
    return thread, stop
