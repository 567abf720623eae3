"""The HTTP layer against a real loopback server: retries, Retry-After, timeouts, limits."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from benchmark.config import get_settings
from benchmark.errors import FetchError
from benchmark.sources import kolada
from benchmark.sources.emulator import ApiEmulator
from benchmark.sources.http import (
    HttpClient,
    RateLimiter,
    RequestRefused,
    RetryPolicy,
    api_message,
    parse_retry_after,
)
from tests.apidata import small_dataset
from tests.loopback import LoopbackServer


@pytest.fixture(scope="module")
def emulator() -> ApiEmulator:
    return ApiEmulator(small_dataset([2023, 2024]), calls_per_window=1000, window_s=1)


def _client(settings, sleeps: list[float] | None = None, retries: int = 4) -> HttpClient:
    def sleep(s: float) -> None:
        if sleeps is not None:
            sleeps.append(s)
        time.sleep(min(s, 0.01))

    return HttpClient(settings, policy=RetryPolicy(max_retries=retries, backoff_base=0.01,
                                                   backoff_max=0.04, retry_after_max=30),
                      limits={"Kolada": (1000, 1.0), "SCB": (1000, 1.0)}, sleep=sleep)


def test_rate_limiter_sliding_window() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    lim = RateLimiter(3, 1.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        assert lim.acquire() == 0.0
    now[0] = 0.25
    waited = lim.acquire()  # the 4th call must wait until the 1st leaves the window
    assert waited == pytest.approx(0.75)
    assert now[0] == pytest.approx(1.0)


def test_rate_limiter_is_thread_safe() -> None:
    import threading

    lim = RateLimiter(5, 0.2)
    times: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(3):
            lim.acquire()
            with lock:
                times.append(time.monotonic())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times.sort()
    # no 6 acquisitions ever fall inside one 0.2 s window
    assert all(times[i + 5] - times[i] >= 0.2 - 1e-3 for i in range(len(times) - 5))


def test_parse_retry_after_seconds_and_date() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("garbage") is None
    when = datetime.now(UTC) + timedelta(seconds=20)
    assert parse_retry_after(format_datetime(when, usegmt=True)) == pytest.approx(20, abs=1.5)


def test_429_retry_after_is_honoured(emulator, tmp_path) -> None:
    with LoopbackServer(emulator) as srv:
        settings = srv.settings(tmp_path)
        srv.inject("429", match="/municipality", retry_after="3")
        sleeps: list[float] = []
        res = _client(settings, sleeps).get_json("Kolada", f"{srv.kolada_url}/municipality",
                                                 validate=kolada.validator("kolada-municipality"))
    assert sleeps == [3.0]
    assert res.status == 200 and res.attempts == 2
    assert {m["id"] for m in res.data["values"]} >= {"0000", "2482"}
    assert [r.status for r in srv.requests] == [429, 200]


def test_retry_after_http_date_is_capped(emulator, tmp_path) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
    with LoopbackServer(emulator) as srv:
        settings = srv.settings(tmp_path)
        srv.inject("429", match="/municipality", retry_after=later)
        sleeps: list[float] = []
        _client(settings, sleeps).get_json("Kolada", f"{srv.kolada_url}/municipality")
    assert sleeps == [30.0]  # retry_after_max


@pytest.mark.parametrize("fault", ["500", "truncate", "schema", "drop", "slow"])
def test_transient_faults_are_retried(fault, emulator, tmp_path) -> None:
    with LoopbackServer(emulator, slow_s=0.6) as srv:
        settings = srv.settings(tmp_path, timeout_s=0.2)
        srv.inject(fault, fault, match="/data/")
        url = f"{srv.kolada_url}/data/kpi/N28801/year/2024"
        res = _client(settings).get_json("Kolada", url, validate=kolada.validate_data)
    assert res.attempts == 3
    assert len(res.data["values"]) == 4  # Riket + three kommuner
    assert [r.fault for r in srv.requests] == [fault, fault, None]


def test_exhausted_retries_name_api_url_and_status(emulator, tmp_path) -> None:
    with LoopbackServer(emulator) as srv:
        settings = srv.settings(tmp_path)
        srv.inject(*["500"] * 3, match="/config")
        with pytest.raises(FetchError) as err:
            _client(settings, retries=2).get_json("SCB", f"{srv.scb_url}/config")
    msg = str(err.value)
    assert "SCB" in msg and f"{srv.scb_url}/config" in msg and "HTTP 500" in msg
    assert "3 attempts" in msg


def test_422_fails_in_one_attempt_naming_the_url_and_the_message(emulator, tmp_path) -> None:
    """Kolada v3 answers 422 to more than 25 ids in a path segment: our own mistake, so one
    attempt, one line with the URL and the API's own words."""
    with LoopbackServer(emulator) as srv:
        settings = srv.settings(tmp_path)
        url = f"{srv.kolada_url}/data/kpi/{','.join(['N1'] * 26)}/year/2024"
        sleeps: list[float] = []
        with pytest.raises(RequestRefused) as err:
            _client(settings, sleeps).get_json("Kolada", url)
    msg = str(err.value)
    assert len(srv.requests) == 1 and sleeps == []
    assert "\n" not in msg
    assert msg.startswith(f"Kolada refused GET {url}: HTTP 422: ")
    assert "too many items in one path segment (26 > 25)" in msg
    assert err.value.status == 422 and err.value.url == url
    assert isinstance(err.value, FetchError)  # the CLI maps it to exit 1


@pytest.mark.parametrize(("status", "path", "words"), [
    (400, "/api/v2/tables/TAB638/data", "Missing selection for mandantory variable"),
    (404, "/api/v2/tables/TAB999/data", "Non-existent table (table TAB999 not found)"),
    (422, "/v3/data/kpi/N1/year/2024?per_page=6000", "per_page 6000 is above the maximum"),
])
def test_non_retryable_4xx_fail_at_once(status, path, words, emulator, tmp_path) -> None:
    with LoopbackServer(emulator) as srv:
        settings = srv.settings(tmp_path)
        client = _client(settings)
        with pytest.raises(RequestRefused) as err:
            client.request("SCB" if "api/v2" in path else "Kolada",
                           "POST" if path.endswith("/data") else "GET", srv.url + path,
                           body={"selection": []} if path.endswith("/data") else None)
    assert len(srv.requests) == 1 and err.value.status == status
    assert f"HTTP {status}: " in str(err.value) and words in str(err.value)
    assert srv.url + path in str(err.value)


def test_injected_422_is_not_retried_but_429_and_5xx_are(emulator, tmp_path) -> None:
    with LoopbackServer(emulator) as srv:
        settings = srv.settings(tmp_path)
        srv.inject("429", "500", match="/municipality")
        res = _client(settings).get_json("Kolada", f"{srv.kolada_url}/municipality")
        assert res.attempts == 3
        srv.inject("422", match="/kpi")
        with pytest.raises(RequestRefused, match=r"HTTP 422: injected \(injected 422 for"):
            _client(settings).get_json("Kolada", f"{srv.kolada_url}/kpi")
    assert [r.fault for r in srv.requests] == ["429", "500", None, "422"]


@pytest.mark.parametrize(("body", "words"), [
    (b'{"type":"Parameter error","title":"Missing selection for mandantory variable",'
     b'"status":400}', "Missing selection for mandantory variable"),
    (b'{"title":"Too many cells selected","detail":"200000 cells"}',
     "Too many cells selected (200000 cells)"),
    (b'{"detail":[{"loc":["query","per_page"],"msg":"Input should be less than or equal to '
     b'5000","type":"less_than_equal"}]}',
     "query.per_page: Input should be less than or equal to 5000"),
    (b'{"detail":"Too many municipalities"}', "Too many municipalities"),
    (b'{"message":"bad\\nrequest"}', "bad request"),
    (b"<html>\n<h1>Bad Request</h1></html>", '"<html> <h1>Bad Request</h1></html>"'),
    (b"", ""),
])
def test_api_message_is_one_line(body, words) -> None:
    assert api_message(body) == words


def test_the_same_wrong_shape_twice_is_not_retried_further(emulator, tmp_path) -> None:
    """A complete answer of the wrong shape, repeated verbatim, is the API's real answer:
    the client stops after two attempts with the validator's words."""

    def members_as_strings(path: str, data: dict) -> dict:
        if "municipality_groups" in path:
            for g in data["values"]:
                g["members"] = [m["member_id"] for m in g["members"]]
        return data

    with LoopbackServer(emulator, patch=members_as_strings) as srv:
        settings = srv.settings(tmp_path)
        with pytest.raises(FetchError) as err:
            _client(settings, retries=6).get_json(
                "Kolada", f"{srv.kolada_url}/municipality_groups",
                validate=kolada.validator("kolada-groups"))
    assert len(srv.requests) == 2
    assert "after 2 attempts" in str(err.value)
    assert "neither member_id (v3) nor id (v2)" in str(err.value)
    assert "the same complete answer twice in a row" in str(err.value)
    assert "python -m benchmark doctor" in str(err.value)


def test_user_agent_is_sent(emulator, tmp_path) -> None:
    with LoopbackServer(emulator) as srv:
        settings = srv.settings(tmp_path, user_agent="lss-test/1.0")
        _client(settings).get_json("Kolada", f"{srv.kolada_url}/kpi")
    assert srv.requests[0].headers["User-Agent"] == "lss-test/1.0"


def test_unreachable_host_mentions_api_and_demo(tmp_path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = get_settings(data_dir=tmp_path)
    with pytest.raises(FetchError) as err:
        _client(settings, retries=5).get_json("Kolada", f"http://127.0.0.1:{port}/v3/kpi")
    assert "Kolada" in str(err.value) and "make demo" in str(err.value)
    assert "after 2 attempts" in str(err.value)  # a never-reached host fails fast


def test_backoff_grows_exponentially_with_jitter() -> None:
    c = HttpClient(get_settings(), policy=RetryPolicy(backoff_base=1.0, backoff_max=5.0))
    delays = [c._delay(a, None) for a in range(5)]
    for a, d in enumerate(delays):
        cap = min(5.0, 2.0**a)
        assert cap / 2 <= d <= cap
    assert c._delay(0, 12.0) == 12.0
