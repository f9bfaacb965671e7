"""python-telegram-bot's HTTP client on aiohttp (its ``BaseRequest`` extension point).

Why not PTB's default (httpx): profiled at 100 auditors, httpcore's pool scans every pooled
connection on each request and on each response close (``_assign_requests_to_connections``,
``has_expired`` → a ``poll`` and a ``getpeername`` per idle connection), which cost about a
fifth of the bot's CPU; aiohttp's connector hands out keep-alive connections from a queue.
The errors keep PTB's meaning: a timeout is ``TimedOut``, anything else ``NetworkError``.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue  # PTB's marker of an argument not given
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

USER_AGENT = BaseRequest.USER_AGENT


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a pool of ``connection_pool_size`` connections."""

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(self, connection_pool_size: int = 16, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 10.0, media_write_timeout: float | None = 20.0) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See :meth:`BaseRequest.do_request`."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        read = self._read_timeout if _unset(read_timeout) else read_timeout
        write = (self._media_write_timeout if files else self._write_timeout) if _unset(write_timeout) \
            else write_timeout
        connect = self._connect_timeout if _unset(connect_timeout) else connect_timeout
        pool = self._pool_timeout if _unset(pool_timeout) else pool_timeout
        # aiohttp has no separate write timeout: a request's sending and reading share sock_read
        # plus the whole-request bound below
        total = None if read is None or write is None else read + write + (connect or 0) + (pool or 0)
        timeout = aiohttp.ClientTimeout(total=total, connect=pool, sock_connect=connect, sock_read=read)
        body: Any = None
        if files:
            form = aiohttp.FormData(quote_fields=False)  # names as they are, as httpx sends them
            for name, value in (request_data.json_parameters if request_data else {}).items():
                form.add_field(name, value)
            for name, (file_name, content, mimetype) in files.items():
                form.add_field(name, content, filename=file_name, content_type=mimetype)
            body = form
        elif request_data is not None:
            body = request_data.json_parameters or None
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err


def _unset(value: Any) -> bool:
    return isinstance(value, DefaultValue)
