"""The foundation: packaging, environment files, Makefile and the CLI exit-code contract."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import pytest
import yaml

from tests.conftest import REPO_ROOT

DESIGN_TARGETS = ("help", "setup", "data", "process", "report", "demo", "lab", "test", "lint",
                  "format", "bench", "clean")


def _pyproject() -> dict:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_environment_yml_agrees_with_pyproject() -> None:
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text(encoding="utf-8"))
    project = _pyproject()["project"]
    deps = env["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    # the conda file only wraps pyproject: python, pip, the lock and an editable install with
    # the dev extra (whose ranges the lock's pins satisfy, so nothing else is resolved)
    assert pip_sections == [["-r requirements.lock", "-e .[dev]"]]
    assert "dev" in project["optional-dependencies"]
    names = {re.split(r"[<>=!~ ]", d, maxsplit=1)[0] for d in conda}
    assert names == {"python", "pip"}, f"conda deps must live in pyproject.toml: {names}"
    python_spec = next(d for d in conda if d.startswith("python"))
    assert python_spec.removeprefix("python") == project["requires-python"]


def _lock() -> list:
    from packaging.requirements import Requirement

    lines = (REPO_ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
    return [Requirement(line) for line in lines if line and not line.startswith((" ", "#"))]


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~ \[;]", text, maxsplit=1)[0]).lower()


def test_lock_pins_every_dependency_exactly() -> None:
    """requirements.lock (``make lock``) pins every dependency of pyproject.toml, dev extra
    included, to one version per Python; a new dependency needs a new lock."""
    locked = _lock()
    assert locked and all(len(r.specifier) == 1 and next(iter(r.specifier)).operator == "=="
                          for r in locked)
    names = {_name(r.name) for r in locked}
    project = _pyproject()["project"]
    wanted = {_name(d) for d in [*project["dependencies"],
                                 *project["optional-dependencies"]["dev"]]}
    assert wanted <= names, f"not in requirements.lock (run `make lock`): {wanted - names}"


def test_installed_versions_are_the_locked_ones() -> None:
    """`make setup` installs the lock: every pin that applies to this Python and platform is
    the installed version."""
    import importlib.metadata as md

    wrong = {}
    for req in _lock():
        if req.marker is not None and not req.marker.evaluate():
            continue
        pinned = next(iter(req.specifier)).version
        try:
            have = md.version(req.name)
        except md.PackageNotFoundError:
            have = None
        if have != pinned:
            wrong[req.name] = (pinned, have)
    assert not wrong, f"installed versions differ from requirements.lock (run make setup): {wrong}"


def test_every_runtime_dependency_is_importable() -> None:
    import importlib.metadata as md

    for req in _pyproject()["project"]["dependencies"]:
        name = re.split(r"[<>=!~ \[]", req, maxsplit=1)[0]
        assert md.version(name), name


def test_make_help_lists_every_target() -> None:
    out = subprocess.run(["make", "-s", "help"], cwd=REPO_ROOT, capture_output=True, text=True,
                         check=True).stdout
    listed = {line.split()[0] for line in out.splitlines()[1:] if line.strip()}
    assert set(DESIGN_TARGETS) <= listed, set(DESIGN_TARGETS) - listed


def test_make_setup_is_a_noop_when_pyproject_unchanged() -> None:
    # `make -q` exits 0 only when the target is up to date, i.e. nothing would be reinstalled
    res = subprocess.run(["make", "-q", "setup"], cwd=REPO_ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "benchmark", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["compare", "--kommun", "12345", "--year", "2024"], "'12345'"),
        (["compare", "--kommun", "180", "--year", "2024"], "0180"),
        (["compare", "--kommun", "abc", "--year", "2024"], "'abc'"),
        (["compare", "--kommun", "2482", "--year", "1999"], "1999"),
        (["compare", "--kommun", "2482", "--year", "20x4"], "20x4"),
        (["screen", "--year", "2024", "--format", "xml"], "xml"),
        (["fetch", "--years", "2024-2015"], "backwards"),
        (["report", "--kommun", "2482", "--year", "2024", "--lang", "de"], "'de'"),
        (["frobnicate"], "frobnicate"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(args: list[str], needle: str) -> None:
    res = _cli(*args)
    assert res.returncode == 2, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert needle in lines[0]
    assert "Traceback" not in res.stderr


def test_help_on_every_subcommand() -> None:
    for cmd in ("fetch", "process", "compare", "screen", "report", "demo", "doctor"):
        res = _cli(cmd, "--help")
        assert res.returncode == 0
        assert "usage:" in res.stdout
