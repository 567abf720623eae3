"""Issue #18, cases 3 and 8: bounded HTTP against hostile loopback servers, settings
checked at start, credentials never shown.

* A ``Content-Length`` of 2 GB is refused before the body is read; an endless chunked body is
  cut off at ``Settings.max_response_bytes`` (64 MB). Both run in a subprocess with the
  default settings, whose peak RSS must stay under 500 MB.
* A server dripping one byte at a time (in the body or in the headers, faster than the
  per-read timeout) fails within ``Settings.request_deadline_s`` (2 s here instead of the
  default 300 s, so the suite stays fast); ``fetch_deadline_s`` bounds a whole fetch.
* Each failure is a :class:`FetchError` naming the URL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmark.config import MAX_RESPONSE_BYTES, get_settings
from benchmark.errors import FetchError
from benchmark.fetch import fetch
from benchmark.sources.emulator import ApiEmulator
from benchmark.sources.http import HttpClient, RetryPolicy
from benchmark.store import iter_snapshots, plan_records
from tests.apidata import fast_client, small_dataset
from tests.hostile import HostileServer
from tests.loopback import LoopbackServer

REPO = Path(__file__).resolve().parents[1]
MB = 1024 * 1024

# Peak memory: VmHWM of this process (ru_maxrss would include the RSS of the pytest process
# that forked it, which Linux carries across exec).
_MEASURE = """
import json, sys, time
from benchmark.config import get_settings
from benchmark.errors import FetchError
from benchmark.sources.http import HttpClient
settings = get_settings(data_dir=sys.argv[2])  # the defaults: 64 MB cap, 300 s deadline
client = HttpClient(settings)
start = time.monotonic()
try:
    client.request("Kolada", "GET", sys.argv[1])
    error = None
except FetchError as exc:
    error = str(exc)
status = open("/proc/self/status").read()
peak_kb = int(status.split("VmHWM:")[1].split()[0])
print(json.dumps({"error": error, "elapsed_s": time.monotonic() - start,
                  "peak_rss_mb": peak_kb / 1024}))
"""


def _measured_request(url: str, tmp_path: Path) -> dict:
    res = subprocess.run([sys.executable, "-c", _MEASURE, url, str(tmp_path)], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_huge_content_length_is_refused_before_reading(tmp_path: Path) -> None:
    with HostileServer("huge-length") as srv:
        out = _measured_request(srv.url, tmp_path)
    assert out["error"] is not None and srv.url in out["error"]
    assert "Content-Length 2147483648" in out["error"]
    assert f"limit of {MAX_RESPONSE_BYTES} bytes" in out["error"]
    assert srv.connections == 1  # refused, not retried
    assert out["peak_rss_mb"] < 500
    assert out["elapsed_s"] < 5


def test_endless_chunked_body_is_cut_at_the_cap(tmp_path: Path) -> None:
    with HostileServer("endless-chunked") as srv:
        out = _measured_request(srv.url, tmp_path)
    assert out["error"] is not None and srv.url in out["error"]
    assert f"more than {MAX_RESPONSE_BYTES} bytes received" in out["error"]
    assert srv.sent >= MAX_RESPONSE_BYTES  # it really streamed up to the cap
    assert srv.connections == 1
    assert out["peak_rss_mb"] < 500


@pytest.mark.parametrize(("behaviour", "interval_s"), [
    ("drip-body", 0.2), ("drip-headers", 0.2), ("drip-body", 5.0)])
def test_drip_fails_within_the_request_deadline(behaviour: str, interval_s: float,
                                                tmp_path: Path) -> None:
    """One byte every 0.2 s never trips the 1 s per-read timeout; the 2 s deadline does
    (in the headers too). With 5 s between bytes the clamped read timeout fires at 2 s."""
    settings = get_settings(data_dir=tmp_path, timeout_s=1.0, request_deadline_s=2.0)
    with HostileServer(behaviour, interval_s=interval_s) as srv:
        client = HttpClient(settings)  # default retry policy: retries must not outlast it
        start = time.monotonic()
        with pytest.raises(FetchError) as err:
            client.request("Kolada", "GET", srv.url)
        elapsed = time.monotonic() - start
    assert 1.9 <= elapsed < 2.8, elapsed
    msg = str(err.value)
    assert srv.url in msg and "deadline of 2 s" in msg and "request_deadline_s" in msg


def test_nested_body_is_an_invalid_body_naming_the_url(tmp_path: Path) -> None:
    settings = get_settings(data_dir=tmp_path)
    with HostileServer("nested") as srv:
        client = HttpClient(settings, policy=RetryPolicy(max_retries=1, backoff_base=0.01))
        with pytest.raises(FetchError) as err:
            client.request("Kolada", "GET", srv.url)
    msg = str(err.value)
    assert srv.url in msg and "invalid body" in msg and "not complete JSON" in msg


def test_fetch_deadline_stops_a_slow_fetch_and_keeps_its_snapshots(tmp_path: Path) -> None:
    emu = ApiEmulator(small_dataset([2024]), calls_per_window=1000, window_s=1)
    with LoopbackServer(emu, delay_s=0.4) as srv:
        settings = srv.settings(tmp_path, fetch_deadline_s=1.5)
        start = time.monotonic()
        with pytest.raises(FetchError) as err:
            fetch([2024], settings=settings, client=fast_client(settings), progress=False)
        elapsed = time.monotonic() - start
    assert elapsed < 2.5
    assert "deadline of 1.5 s" in str(err.value) and "run it again to resume" in str(err.value)
    saved = list(iter_snapshots(settings))
    assert 1 <= len(saved) < 8
    (record,) = plan_records(settings)
    assert record["complete"] is False and "deadline" in record["stopped"]


# --------------------------------------------------------------------------- settings (case 8)

BAD_URLS = ["file:///etc/passwd", "ftp://example.org/v3", "", "not a url", "http://[::1"]


def _cli(args: list[str], env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCHMARK_")}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "benchmark", *args], cwd=REPO,
                          capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize("value", BAD_URLS)
def test_bad_api_url_exits_2_at_once_naming_the_variable(value: str, tmp_path: Path) -> None:
    start = time.monotonic()
    res = _cli(["fetch", "--years", "2024", "--data-dir", str(tmp_path)],
               {"BENCHMARK_KOLADA_URL": value})
    assert time.monotonic() - start < 10  # no retries, no network (was 22–27 s)
    assert res.returncode == 2, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in res.stderr
    assert lines[0].startswith("error: BENCHMARK_KOLADA_URL")
    assert "http" in lines[0]
    assert not (tmp_path / "raw").exists()  # nothing started


def test_bad_scb_url_is_named_too(tmp_path: Path) -> None:
    res = _cli(["compare", "--kommun", "2482", "--year", "2024"],
               {"BENCHMARK_SCB_URL": "gopher://x", "BENCHMARK_DATA_DIR": str(tmp_path)})
    assert res.returncode == 2 and "BENCHMARK_SCB_URL" in res.stderr
    # the example is SCB's own address, not Kolada's
    assert res.stderr.rstrip().endswith(
        "e.g. https://statistikdatabasen.scb.se/api/v2"), res.stderr


def test_credentials_in_urls_are_used_but_never_shown(tmp_path: Path) -> None:
    emu = ApiEmulator(small_dataset([2024]), calls_per_window=1000, window_s=1)
    with LoopbackServer(emu) as srv:
        kolada = srv.kolada_url.replace("http://", "http://user:s3cret@")
        scb = srv.scb_url.replace("http://", "http://user:s3cret@")
        settings = get_settings(data_dir=tmp_path / "ok", kolada_url=kolada, scb_url=scb)
        fetch([2024], settings=settings, client=fast_client(settings), progress=False)
        assert all("authorization" in {k.lower() for k in r.headers} for r in srv.requests)
        stored = [p.read_text() for p in (tmp_path / "ok" / "raw").rglob("*")
                  if p.is_file() and p.suffix in (".json", ".plan")]
        assert stored and not any("s3cret" in text for text in stored)
        assert any("***@127.0.0.1" in text for text in stored)
        # a failing request: the message shows the URL without the password
        srv.inject(*["500"] * 3, match="/v3/")
        bad = get_settings(data_dir=tmp_path / "bad", kolada_url=kolada, scb_url=scb)
        with pytest.raises(FetchError) as err:
            fetch([2024], settings=bad, client=fast_client(bad, retries=2), progress=False)
    assert "s3cret" not in str(err.value) and "***@127.0.0.1" in str(err.value)
    res = _cli(["fetch", "--years", "2024", "--data-dir", str(tmp_path / "cli")],
               {"BENCHMARK_KOLADA_URL": "ftp://user:s3cret@example.org/v3"})
    assert res.returncode == 2 and "s3cret" not in res.stderr and "***@" in res.stderr
