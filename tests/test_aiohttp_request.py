"""The bot's HTTP client on aiohttp: form fields, file uploads, downloads and PTB's errors."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.delivery.aiohttp_request import AiohttpRequest


@pytest.fixture
async def server():
    seen: list[dict] = []

    async def echo(request: web.Request) -> web.Response:
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            fields = {k: (v.filename, v.file.read().decode()) if hasattr(v, "filename") else v
                      for k, v in form.items()}
        else:
            fields = dict(await request.post())
        seen.append({"method": request.method, "fields": fields})
        return web.json_response({"ok": True, "result": True})

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_route("*", "/echo", echo)
    app.router.add_post("/slow", slow)
    async def file(request: web.Request) -> web.Response:
        return web.Response(body=b"\x00bytes")

    app.router.add_get("/file", file)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", seen
    await runner.cleanup()


async def test_fields_are_sent_as_a_form_and_the_answer_read(server):
    base, seen = server
    async with AiohttpRequest() as request:
        data = RequestData([RequestParameter.from_input("chat_id", 5), RequestParameter.from_input("text", "你好 & <b>")])
        result = await request.post(f"{base}/echo", request_data=data)
    assert result is True
    assert seen == [{"method": "POST", "fields": {"chat_id": "5", "text": "你好 & <b>"}}]


async def test_a_file_goes_as_multipart_with_its_name(server):
    base, seen = server
    async with AiohttpRequest() as request:
        upload = InputFile(b"report body", filename="A-2026-001 审核报告 rev2.docx", attach=True)
        data = RequestData([RequestParameter.from_input("chat_id", 5), RequestParameter.from_input("document", upload)])
        await request.post(f"{base}/echo", request_data=data)
    fields = seen[0]["fields"]
    assert fields["chat_id"] == "5"
    assert ("A-2026-001 审核报告 rev2.docx", "report body") in fields.values()


async def test_a_download_returns_the_bytes(server):
    base, _ = server
    async with AiohttpRequest() as request:
        assert await request.retrieve(f"{base}/file") == b"\x00bytes"


async def test_a_slow_answer_is_timed_out_and_a_closed_port_a_network_error(server):
    base, _ = server
    async with AiohttpRequest(read_timeout=0.2) as request:
        with pytest.raises(TimedOut):
            await request.post(f"{base}/slow")
        with pytest.raises(NetworkError):
            await request.post("http://127.0.0.1:1/nothing-listens")


async def test_calls_beyond_the_pool_wait_for_a_connection_instead_of_failing(server):
    base, seen = server
    async with AiohttpRequest(connection_pool_size=2) as request:
        results = await asyncio.gather(*(request.post(f"{base}/echo") for _ in range(20)))
    assert results == [True] * 20 and len(seen) == 20


async def test_it_refuses_to_send_before_initialize():
    with pytest.raises(RuntimeError):
        await AiohttpRequest().do_request("http://127.0.0.1:1/x", "POST")
