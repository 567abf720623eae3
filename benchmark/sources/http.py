"""The one HTTP layer: timeouts, retries with backoff, per-host rate limits, body validation.

Every request made by the suite goes through :class:`HttpClient`:

* **Retries** on 408, 429, 5xx, connection errors, timeouts and on bodies that are not
  complete JSON of the expected shape (a ``validate`` callback raising :class:`InvalidBody`).
  Delays grow exponentially (``backoff_base * 2**attempt``, capped at ``backoff_max``) with
  full jitter; a ``Retry-After`` header (seconds or an HTTP date) is honoured, capped at
  ``retry_after_max``. The same complete JSON of the wrong shape twice in a row is the API's
  real answer, not a glitch: it is not retried further.
* **Other 4xx** (400, 404, 422, …) mean the request itself is wrong (or the API changed):
  :class:`RequestRefused` at once, after one attempt, in one line naming the URL and the
  API's own message (RFC 7807 problem+json ``title``/``detail``, a ``detail`` string or
  list, ``message``/``error``, or the start of a text body).
* **Rate limits**: a thread-safe sliding-window limiter per host (``calls`` per
  ``period`` seconds). SCB's limits come from its ``/config`` (see ``scb.py``); the
  fallback is 30 calls per 10 s for SCB and 5 per second for Kolada.
* When the attempts run out: :class:`~benchmark.errors.FetchError` naming the API, the URL
  and the last status (or the last connection error). A host that was never reached
  (connection refused, DNS failure) is given up after one retry, so a machine without
  network fails within seconds with a hint that ``make demo`` works offline.
* **Bounded responses.** Bodies are streamed and capped at ``Settings.max_response_bytes``
  (64 MB; the largest real pages are a few MB): a ``Content-Length`` above the cap is
  refused before the body is read, a body that grows past it (e.g. an endless chunked
  one) is cut off there. Neither is retried.
* **Deadlines.** ``Settings.timeout_s`` bounds each network operation;
  ``Settings.request_deadline_s`` (300 s) bounds one request from its first connection
  attempt to the last byte of its last retry, so a server dripping one byte every few
  seconds cannot hold it open: every socket operation's timeout is clamped to the time
  left (a wrapped httpcore network backend, so it covers connecting, headers and body).
  :meth:`HttpClient.run_until` sets a deadline for a whole run (``fetch`` uses
  ``Settings.fetch_deadline_s``). Each failure is a :class:`FetchError` naming the URL.
* Credentials in a URL are used but never shown (:func:`benchmark.config.redact_url`).

Tests pass an ``httpx.BaseTransport`` (an in-process emulator) and small backoff/limits.
"""

from __future__ import annotations

import email.utils
import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from benchmark.config import Settings, get_settings, redact_url
from benchmark.errors import FetchError
from benchmark.sources.deadline import Deadline, deadline_transport

#: Default rate limits (calls, period in seconds) by API name.
DEFAULT_LIMITS: dict[str, tuple[int, float]] = {"SCB": (30, 10.0), "Kolada": (5, 1.0)}

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class InvalidBody(ValueError):
    """A response body that is not complete JSON of the expected shape."""


class _TooLarge(Exception):
    """A response body beyond the byte cap."""


class RequestRefused(FetchError):
    """A 4xx answer other than 408/429: retrying the same request cannot help."""

    def __init__(self, message: str, *, status: int, url: str, api_message: str) -> None:
        super().__init__(message)
        self.status, self.url, self.api_message = status, url, api_message


def decode_json(content: bytes | str) -> Any:
    """Parse a response body; truncated or otherwise invalid JSON raises :class:`InvalidBody`."""
    try:
        return json.loads(content)
    except (ValueError, RecursionError) as exc:
        raise InvalidBody(f"not complete JSON ({_short(exc)})") from None


class RateLimiter:
    """Sliding-window limiter: at most ``calls`` acquisitions in any ``period`` seconds."""

    def __init__(self, calls: int, period: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.calls, self.period = max(1, int(calls)), float(period)
        self._times: deque[float] = deque()
        self._lock = threading.Lock()
        self._clock, self._sleep = clock, sleep

    def acquire(self) -> float:
        """Block until a call is allowed; return the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                while self._times and now - self._times[0] >= self.period:
                    self._times.popleft()
                if len(self._times) < self.calls:
                    self._times.append(now)
                    return waited
                delay = self.period - (now - self._times[0])
            delay = max(delay, 0.001)
            self._sleep(delay)
            waited += delay


@dataclass
class HttpResult:
    """One successful response with its parsed JSON body."""

    method: str
    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    data: Any
    body: Any = None  # the JSON request body, if any
    attempts: int = 1


@dataclass
class RetryPolicy:
    """How often and how long to retry."""

    max_retries: int = 6
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 120.0
    jitter: bool = True


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


@dataclass
class HttpClient:
    """Polite JSON client over ``httpx`` (see the module docstring)."""

    settings: Settings = field(default_factory=get_settings)
    transport: httpx.BaseTransport | None = None
    policy: RetryPolicy | None = None
    limits: dict[str, tuple[int, float]] | None = None
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if self.policy is None:
            self.policy = RetryPolicy(max_retries=self.settings.max_retries)
        self._limits = dict(DEFAULT_LIMITS)
        self._limits.update(self.limits or {})
        self._limiters: dict[str, RateLimiter] = {}
        self._lock = threading.Lock()
        self.requests_made = 0
        self._reached: set[str] = set()
        self._deadline = Deadline()
        self._run_deadline: float | None = None
        self._run_seconds = 0.0
        self._client = httpx.Client(
            transport=self.transport or deadline_transport(self._deadline),
            timeout=httpx.Timeout(self.settings.timeout_s),
            headers={"User-Agent": self.settings.user_agent, "Accept": "application/json"},
            follow_redirects=True,
        )

    # -- rate limiting ----------------------------------------------------------------------
    def set_rate_limit(self, api: str, calls: int, period: float) -> None:
        """Set the limit for one API (its hosts' limiters are rebuilt)."""
        with self._lock:
            self._limits[api] = (calls, period)
            for key in [k for k in self._limiters if k.startswith(f"{api}|")]:
                del self._limiters[key]

    def limiter(self, api: str, url: str) -> RateLimiter:
        host = urlsplit(url).netloc
        key = f"{api}|{host}"
        with self._lock:
            if key not in self._limiters:
                calls, period = self._limits.get(api, (5, 1.0))
                self._limiters[key] = RateLimiter(calls, period, sleep=self.sleep)
            return self._limiters[key]

    # -- deadlines ----------------------------------------------------------------------------
    @contextmanager
    def run_until(self, seconds: float) -> Iterator[None]:
        """Every request made inside the block ends within ``seconds`` from now."""
        previous = self._run_deadline, self._run_seconds
        end = time.monotonic() + seconds
        if previous[0] is None or end < previous[0]:
            self._run_deadline, self._run_seconds = end, seconds
        try:
            yield
        finally:
            self._run_deadline, self._run_seconds = previous

    def _receive(self, method: str, url: str, body: Any, deadline: float
                 ) -> tuple[httpx.Response, bytes]:
        """One exchange, streamed: the response and at most ``max_response_bytes`` of body,
        all by ``deadline`` (a ``time.monotonic()`` value).

        Raises :class:`_TooLarge` for a body over the cap, httpx errors for network failures
        and timeouts (the deadline raises ``httpx.TimeoutException`` too).
        """
        cap = self.settings.max_response_bytes
        self._deadline.at = deadline
        try:
            with self._client.stream(method, url, json=body) as resp:
                length = resp.headers.get("content-length", "")
                if length.strip().isdigit() and int(length) > cap:
                    raise _TooLarge(f"Content-Length {int(length)}")
                buf = bytearray()
                for chunk in resp.iter_bytes():
                    buf += chunk
                    if len(buf) > cap:
                        raise _TooLarge(f"more than {cap} bytes received")
                    self._deadline.clamp(None, httpx.ReadTimeout)  # also for other transports
                return resp, bytes(buf)
        finally:
            self._deadline.at = None

    # -- requests ---------------------------------------------------------------------------
    def get_json(self, api: str, url: str, *, params: dict[str, Any] | None = None,
                 validate: Callable[[Any], None] | None = None) -> HttpResult:
        return self.request(api, "GET", url, params=params, validate=validate)

    def post_json(self, api: str, url: str, body: Any, *, params: dict[str, Any] | None = None,
                  validate: Callable[[Any], None] | None = None) -> HttpResult:
        return self.request(api, "POST", url, params=params, body=body, validate=validate)

    def request(self, api: str, method: str, url: str, *, params: dict[str, Any] | None = None,
                body: Any = None, validate: Callable[[Any], None] | None = None) -> HttpResult:
        """Send one request with retries; return the validated JSON result or raise FetchError."""
        policy = self.policy
        assert policy is not None
        last = "no response"
        invalid: bytes | None = None  # the previous invalid 200 body
        full_url = str(httpx.URL(url, params=params)) if params else url
        shown = redact_url(full_url)
        deadline = self._request_deadline()
        out_of_time = False
        for attempt in range(policy.max_retries + 1):
            self.limiter(api, full_url).acquire()
            retry_after: float | None = None
            try:
                with self._lock:
                    self.requests_made += 1
                resp, content = self._receive(method, full_url, body, deadline)
            except _TooLarge as exc:
                raise FetchError(
                    f"{api} answered {method} {shown} with a body over the limit of "
                    f"{self.settings.max_response_bytes} bytes ({exc}); refused "
                    "(Settings.max_response_bytes)") from None
            except httpx.TimeoutException as exc:
                last = f"timeout ({type(exc).__name__})"
                if time.monotonic() >= deadline:
                    out_of_time = True
                    break
            except httpx.TransportError as exc:
                last = f"connection error ({type(exc).__name__}: {redact_url(str(exc))})"
                host = urlsplit(full_url).netloc
                if (isinstance(exc, httpx.ConnectError) and host not in self._reached
                        and attempt >= 1):
                    break  # never reached this host: no network or wrong URL, fail fast
            else:
                self._reached.add(urlsplit(full_url).netloc)
                status = resp.status_code
                if status == 200:
                    data, complete = None, False
                    try:
                        data = decode_json(content)
                        complete = True
                        if validate is not None:
                            validate(data)
                    except (ValueError, InvalidBody, KeyError, TypeError) as exc:
                        last = f"HTTP 200 with an invalid body ({_short(exc)})"
                        if complete and content == invalid:
                            last += ", the same complete answer twice in a row"
                            break
                        invalid = content if complete else None
                    else:
                        return HttpResult(method, full_url, status, dict(resp.headers), content,
                                          data, body, attempt + 1)
                elif status in RETRY_STATUSES or status >= 500:
                    last = f"HTTP {status}"
                    retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                else:
                    message = api_message(content)
                    raise RequestRefused(
                        f"{api} refused {method} {shown}: HTTP {status}"
                        + (f": {message}" if message else "")
                        + " (not retried: the API rejects the request itself)",
                        status=status, url=shown, api_message=message)
            if attempt == policy.max_retries:
                break
            delay = self._delay(attempt, retry_after)
            if time.monotonic() + delay >= deadline:
                out_of_time = True
                break
            self.sleep(delay)
        hint = ""
        attempts = attempt + 1
        if out_of_time:
            raise FetchError(self._deadline_message(api, method, shown, attempts, last))
        if last.startswith(("connection error", "timeout")):
            hint = (f"; could not reach the {api} API - check the network connection "
                    "(`make demo` works offline on synthetic data)")
        elif last.endswith("twice in a row"):
            hint = (f"; the {api} API seems to have changed - `python -m benchmark doctor` "
                    "shows how")
        raise FetchError(
            f"{api} request failed after {attempts} attempts: {method} {shown} "
            f"(last: {last}){hint}"
        )

    def _request_deadline(self) -> float:
        end = time.monotonic() + self.settings.request_deadline_s
        return end if self._run_deadline is None else min(end, self._run_deadline)

    def _deadline_message(self, api: str, method: str, shown: str, attempts: int,
                          last: str) -> str:
        if self._run_deadline is not None and time.monotonic() + 0.001 >= self._run_deadline:
            return (f"{api} request {method} {shown} stopped: the run reached its deadline "
                    f"of {self._run_seconds:g} s (Settings.fetch_deadline_s for a fetch) after "
                    f"{attempts} attempt(s) (last: {last}); snapshots saved so far are kept, "
                    "run it again to resume")
        return (f"{api} request {method} {shown} got no complete answer within its deadline "
                f"of {self.settings.request_deadline_s:g} s (Settings.request_deadline_s; "
                f"{attempts} attempt(s), last: {last})")

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        policy = self.policy
        assert policy is not None
        if retry_after is not None:
            return min(retry_after, policy.retry_after_max)
        delay = min(policy.backoff_max, policy.backoff_base * 2**attempt)
        if policy.jitter:
            delay = self.rng.uniform(delay / 2, delay)
        return delay

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) < 120 else text[:117] + "..."


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _detail_text(detail: Any) -> str:
    """A FastAPI-style ``detail``: a string, or a list of ``{loc, msg}`` objects."""
    if isinstance(detail, list):
        parts = []
        for d in detail:
            if isinstance(d, dict) and d.get("msg"):
                loc = d.get("loc")
                where = ".".join(map(str, loc)) if isinstance(loc, list | tuple) else ""
                parts.append(f"{where}: {d['msg']}" if where else str(d["msg"]))
            elif d:
                parts.append(str(d))
        return "; ".join(parts)
    return "" if detail is None else str(detail)


def api_message(content: bytes) -> str:
    """The API's own words in an error body, on one line (empty when there are none).

    RFC 7807 problem+json (SCB): ``"<title> (<detail>)"``; a ``detail`` string or list
    of ``{loc, msg}`` (FastAPI style); ``message`` or ``error``; else the start of a text
    body.
    """
    try:
        data = json.loads(content)
    except (ValueError, RecursionError):
        text = content.decode("utf-8", "replace").strip()
        return f"\"{_one_line(text, 200)}\"" if text else ""
    if not isinstance(data, dict):
        return _one_line(json.dumps(data, ensure_ascii=False), 200)
    title = data.get("title") if isinstance(data.get("title"), str) else ""
    detail = _detail_text(data.get("detail"))
    if title:
        return _one_line(f"{title} ({detail})" if detail and detail != title else title)
    for key in ("message", "error", "errors"):
        if data.get(key):
            detail = detail or _detail_text(data[key])
    return _one_line(detail) if detail else _one_line(json.dumps(data, ensure_ascii=False), 200)
