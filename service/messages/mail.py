"""Sending one e-mail through the configured SMTP server (standard library only)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any


def configured(config: Mapping[str, Any]) -> bool:
    return bool(config["SMTP_HOST"])


def send(config: Mapping[str, Any], to: str, subject: str, text: str) -> None:
    """Raises on any failure, so the job outbox retries it with back-off."""
    message = EmailMessage()
    message["From"] = config["SMTP_FROM"]
    message["To"] = to
    message["Subject"] = subject  # non-ASCII headers are RFC 2047 encoded as UTF-8
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=config["SMTP_FROM"].rpartition("@")[2] or None)
    message.set_content(text)  # UTF-8
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT_SECONDS"]) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(message)
