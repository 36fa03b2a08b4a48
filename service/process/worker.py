"""The in-process dispatcher (``crane serve``) and the worker loop (``crane worker``)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from flask import Flask

from ..attachments.operations import sweep_orphans
from ..extensions import db
from ..registry import registry
from .jobs import run_due_jobs
from .timers import fire_due_timers

log = logging.getLogger(__name__)


def run_once(worker_id: str) -> int:
    """One pass: due jobs, then due timers. Returns the amount of work done."""
    done = run_due_jobs(worker_id)
    done += fire_due_timers()
    db.session.commit()
    return done


#: how often a worker looks for stored files no record names, and runs the registry's periodic checks
SWEEP_EVERY_SECONDS = 3600


def run_periodic() -> int:
    """The periodic checks higher packages registered (e.g. overdue reminders), each committed on its own."""
    done = 0
    for check in registry().periodic:
        done += check()
        db.session.commit()
    return done


def worker_loop(app: Flask, stop: threading.Event) -> None:
    worker_id = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
    next_sweep = time.monotonic() + 60  # not at start: a restart loop must not sweep each time
    while not stop.is_set():
        with app.app_context():
            try:
                busy = run_once(worker_id)
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + SWEEP_EVERY_SECONDS
                    if removed := sweep_orphans():
                        log.info("removed %s stored files no record names", removed)
                    run_periodic()
            except Exception:  # keep polling: the rows stay the truth, a later pass retries
                log.exception("background pass failed")
                db.session.rollback()
                busy = 0
            finally:
                db.session.remove()
        if not busy:
            stop.wait(app.config["WORKER_POLL_SECONDS"])


def start_in_process(app: Flask) -> threading.Event:
    stop = threading.Event()
    threading.Thread(target=worker_loop, args=(app, stop), name="crane-worker", daemon=True).start()
    return stop
