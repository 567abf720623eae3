"""A throw-away JupyterLab server for the browser tests, as `make lab` would start it.

:func:`jupyterlab` runs the project's ``jupyter lab`` (the venv's, with the settings
override `make setup` installs) on a loopback port chosen by the OS, with fresh user
settings, workspaces, config and runtime folders, so nothing a developer set globally
changes what a first-time user sees, and nothing the test does reaches their settings.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.subprocesses import stop


@dataclass
class Lab:
    """A running JupyterLab: base URL, token and the server log so far."""

    url: str
    token: str
    log: list[str] = field(default_factory=list)

    def page(self, path: str) -> str:
        """The URL of ``path`` (e.g. ``lab/tree/01-utforska.ipynb``) with the token."""
        return f"{self.url}{path}?token={self.token}"


@contextmanager
def jupyterlab(root: Path, home: Path, env: dict[str, str] | None = None) -> Iterator[Lab]:
    """Start ``jupyter lab`` serving ``root``; user folders under ``home``."""
    token = secrets.token_hex(16)
    dirs = {"JUPYTERLAB_SETTINGS_DIR": "settings", "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
            "JUPYTER_CONFIG_DIR": "config", "JUPYTER_RUNTIME_DIR": "runtime",
            "JUPYTER_DATA_DIR": "data", "IPYTHONDIR": "ipython"}
    # a KOMMUN the developer's shell may carry would change where the notebooks start
    full_env = {k: v for k, v in os.environ.items() if k != "BENCHMARK_KOMMUN"}
    full_env.update({"BROWSER": "true", **(env or {})})
    for var, name in dirs.items():
        (home / name).mkdir(parents=True, exist_ok=True)
        full_env[var] = str(home / name)
    jupyter = Path(sys.executable).parent / "jupyter"
    proc = subprocess.Popen(
        [str(jupyter), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         "--ServerApp.port=0", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--LabApp.expose_app_in_browser=True", "--allow-root"],
        cwd=root, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lab = Lab("", token)
    found = threading.Event()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lab.log.append(line)
            m = re.search(r"(http://127\.0\.0\.1:\d+/)lab", line)
            if m and not found.is_set():
                lab.url = m.group(1)
                found.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        deadline = time.monotonic() + 90
        while not found.wait(0.2):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("JupyterLab did not start:\n" + "".join(lab.log[-30:]))
        yield lab
    finally:
        stop(proc, 20)
