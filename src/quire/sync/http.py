"""Fetching feed pages as a good network citizen.

One ``httpx.Client`` with timeouts and a ``quire/VERSION`` User-Agent; a minimum interval between
requests to the same host (arXiv asks for 3 s); retries with exponential backoff on timeouts, 429 and
5xx, honouring ``Retry-After``; conditional requests (ETag / If-Modified-Since). The clock and the
sleeper are injected, so tests never sleep for real.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol
from urllib.parse import urlencode, urlsplit

import httpx

from quire import __version__
from quire.errors import BadFileError, QuireError

USER_AGENT = f"quire/{__version__} (a terminal reader for research papers)"
MAX_BODY = 32 * 1024 * 1024  # a feed page is kilobytes; refuse a runaway response
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FetchError(QuireError):
    """A page could not be fetched (offline, server down, refused); the message names the URL."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status, when the server answered with an error


class BadResponse(FetchError, BadFileError):
    """The server answered, but not with what a feed page must be (refused like a bad file)."""


class Clock(Protocol):
    """Time as the fetcher sees it: injected so tests can run a 3 s politeness rule instantly."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""

    def sleep(self, seconds: float) -> None:
        """Wait this long (or less, if cancelled)."""

    def today(self) -> date:
        """Today's date (UTC): which Daily Papers page is the newest."""


class SystemClock:
    """The real clock; ``sleep`` wakes early when ``cancel`` is set (the reader is quitting)."""

    def __init__(self, cancel: threading.Event | None = None) -> None:
        self.cancel = cancel or threading.Event()

    def monotonic(self) -> float:
        """``time.monotonic``."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Sleep, unless cancelled."""
        self.cancel.wait(max(0.0, seconds))

    def today(self) -> date:
        """Today in UTC."""
        return datetime.now(UTC).date()


@dataclass
class Page:
    """One fetched response: its full URL, body, and the validators for the next conditional GET."""

    url: str
    text: str
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class FetchPolicy:
    """How hard to try and how polite to be."""

    timeout: float = 20.0
    retries: int = 3  # after the first attempt
    backoff: float = 1.0  # first retry waits this long, then twice as long each time
    max_wait: float = 120.0  # a Retry-After longer than this gives up instead of waiting
    # lane -> least seconds between the starts of two requests in it ("arxiv": 3 s, arXiv's rule)
    min_interval: dict[str, float] = field(default_factory=dict)


def full_url(url: str, params: Mapping[str, str | int] | None = None) -> str:
    """The URL with its query string, as named in messages and used as the validator key."""
    if not params:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params, safe=':+,()')}"


def _retry_after(value: str | None, now: datetime) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class Fetcher:
    """Fetches pages with one client; use as a context manager (the client is closed at the end)."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self.clock = clock or SystemClock()
        timeout = httpx.Timeout(self.policy.timeout, connect=min(10.0, self.policy.timeout))
        self.client = httpx.Client(
            timeout=timeout, headers={"User-Agent": USER_AGENT}, follow_redirects=True, transport=transport
        )
        self._last: dict[str, float] = {}
        self.requests = 0

    def close(self) -> None:
        """Close the client's connections."""
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait_turn(self, lane: str) -> None:
        """Keep at least ``min_interval`` between the starts of two requests in one lane."""
        interval = self.policy.min_interval.get(lane, 0.0)
        last = self._last.get(lane)
        if interval and last is not None:
            wait = last + interval - self.clock.monotonic()
            if wait > 0:
                self.clock.sleep(wait)
        self._last[lane] = self.clock.monotonic()

    def get(
        self,
        url: str,
        params: Mapping[str, str | int] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        lane: str | None = None,
    ) -> Page:
        """GET a page, retrying what is worth retrying. Raises ``FetchError`` naming the URL.

        Requests in one ``lane`` (default: the host) keep the policy's interval between them.
        """
        target = full_url(url, params)
        host = lane or urlsplit(target).netloc
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            self._wait_turn(host)
            self.requests += 1
            why: str
            wait: float | None = None
            try:
                with self.client.stream("GET", target, headers=headers) as response:
                    if response.status_code == 304:
                        return Page(target, "", not_modified=True, etag=etag, last_modified=last_modified)
                    if response.status_code == 200:
                        return self._page(target, response)
                    why = f"HTTP {response.status_code} {_clean(response.reason_phrase)}".rstrip()
                    if response.status_code not in RETRY_STATUSES:
                        raise FetchError(f"{target}: {why}", response.status_code)
                    wait = _retry_after(response.headers.get("Retry-After"), datetime.now(UTC))
            except httpx.TimeoutException:
                why = f"no answer within {self.policy.timeout:g} s"
            except httpx.ConnectError as error:
                raise FetchError(f"{target}: cannot connect: {_reason(error)}") from None
            except httpx.HTTPError as error:
                # Cut off mid-response (a server dying, a broken proxy): not worth hammering.
                raise FetchError(f"{target}: {_reason(error)}") from None
            if attempt >= self.policy.retries:
                raise FetchError(f"{target}: {why} (gave up after {attempt + 1} attempts)")
            if wait is None:
                wait = self.policy.backoff * (2**attempt)
            elif wait > self.policy.max_wait:
                raise FetchError(f"{target}: {why}; the server asks to wait {wait:.0f} s, try again later")
            attempt += 1
            self.clock.sleep(wait)

    def _page(self, target: str, response: httpx.Response) -> Page:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_BODY:
                raise BadResponse(
                    f"{target}: the response is larger than {MAX_BODY // (1024 * 1024)} MB; refused"
                )
            chunks.append(chunk)
        data = b"".join(chunks)
        if not data.strip():
            raise BadResponse(f"{target}: the response is empty")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise BadResponse(
                f"{target}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})"
            ) from None
        return Page(
            target,
            text,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        )


def _clean(text: str) -> str:
    """Text from a server, safe for a terminal: control characters dropped, one line."""
    return " ".join("".join(ch for ch in text if ch.isprintable() or ch == " ").split())[:200]


def _reason(error: Exception) -> str:
    text = _clean(str(error))
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    return text or type(error).__name__
