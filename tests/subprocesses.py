"""Stopping the servers and browsers the tests start (they never outlive a test)."""

from __future__ import annotations

import subprocess


def stop(proc: subprocess.Popen, timeout: float) -> None:
    """Ask ``proc`` to end, wait up to ``timeout`` seconds, then kill it."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
