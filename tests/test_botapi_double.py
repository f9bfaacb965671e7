"""Tests of the Telegram Bot API test double, driven by the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import io
import time

import pytest
from PIL import Image
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from devtools.botapi_double import BotApiDouble, TgUser

ALICE = TgUser(id=1001, first_name="Alice", username="alice")
BOB = TgUser(id=1002, first_name="Bob", language_code="zh")


@pytest.fixture
async def double():
    d = BotApiDouble()
    await d.start()
    try:
        yield d
    finally:
        await d.stop()


@pytest.fixture
async def bot(double: BotApiDouble):
    b = Bot(double.token, base_url=f"{double.url}/bot", base_file_url=f"{double.url}/file/bot")
    async with b:
        yield b


def png_bytes(size: tuple[int, int] = (400, 300), color: str = "red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Yes ✅", callback_data="ans:yes")],
            [InlineKeyboardButton("Docs", url="https://example.com/docs")],
        ]
    )
    await update.effective_message.reply_text(
        f"Hello <b>{update.effective_user.first_name}</b>, args={context.args}",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
    )


async def _on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("noted")
    await query.edit_message_text(f"You chose {query.data}")


@pytest.fixture
async def app(double: BotApiDouble):
    application: Application = (
        ApplicationBuilder()
        .token(double.token)
        .base_url(f"{double.url}/bot")
        .base_file_url(f"{double.url}/file/bot")
        .build()
    )
    application.add_handler(CommandHandler("start", _start))
    application.add_handler(CallbackQueryHandler(_on_button))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0, timeout=1, bootstrap_retries=0, drop_pending_updates=True
    )
    try:
        yield application
    finally:
        t0 = time.monotonic()
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        assert time.monotonic() - t0 < 2


# ---------------------------------------------------------------------------- plain Bot


async def test_get_me(bot: Bot, double: BotApiDouble) -> None:
    me = await bot.get_me()
    assert me.username == "audit_test_bot"
    assert me.id == 123456
    assert me.is_bot
    assert ("getMe", {}) in double.calls
    await bot.send_message(ALICE.id, "before Alice ever wrote")
    double.send_message(ALICE, "hi")
    chat = await bot.get_chat(ALICE.id)
    assert (chat.type, chat.first_name, chat.username) == ("private", "Alice", "alice")


async def test_send_and_edit_message(bot: Bot, double: BotApiDouble) -> None:
    double.send_message(ALICE, "hi")  # the user's message takes id 1 in the chat
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
    m = await bot.send_message(
        ALICE.id, "  Hello <i>there</i> &amp; co ", parse_mode="HTML", reply_markup=markup
    )
    assert m.message_id == 2
    assert m.text == "Hello there & co"
    assert m.entities[0].type == "italic"
    assert (m.entities[0].offset, m.entities[0].length) == (6, 5)
    assert m.reply_markup == markup
    assert isinstance(m.date.timestamp(), float)

    sent = double.sent[-1]
    assert sent.method == "sendMessage" and sent.chat_id == ALICE.id
    assert sent.text == "  Hello <i>there</i> &amp; co "
    assert sent.plain_text == "Hello there & co"
    assert sent.parse_mode == "HTML"
    assert sent.button("Go") == "go"
    assert sent.buttons == [[("Go", "go")]]
    with pytest.raises(AssertionError, match="Go"):
        sent.button("Nope")

    edited = await bot.edit_message_text("Bye", chat_id=ALICE.id, message_id=m.message_id)
    assert edited.text == "Bye"
    assert edited.edit_date is not None
    state = double.message(ALICE.id, m.message_id)
    assert state is not None
    assert state["text"] == "Bye" and "reply_markup" not in state  # edit dropped the keyboard
    assert double.sent[-1].method == "editMessageText"

    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("Bye", chat_id=ALICE.id, message_id=m.message_id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=ALICE.id, message_id=999)
    with pytest.raises(BadRequest, match="(?i)message can't be edited"):
        await bot.edit_message_text("x", chat_id=ALICE.id, message_id=1)
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(ALICE.id, "x" * 4097)

    m2 = await bot.edit_message_reply_markup(ALICE.id, m.message_id, reply_markup=markup)
    assert m2.reply_markup == markup
    assert await bot.delete_message(ALICE.id, m.message_id)
    assert double.message(ALICE.id, m.message_id) is None
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await bot.delete_message(ALICE.id, m.message_id)


async def test_html_validation(bot: Bot, double: BotApiDouble) -> None:
    for bad in ("a < b", "Tom & Jerry", "<b>bold", "line<br>break", "<b>x</i>", "x</b>"):
        with pytest.raises(BadRequest, match="(?i)can't parse entities"):
            await bot.send_message(ALICE.id, bad, parse_mode=ParseMode.HTML)
    assert double.sent == []
    assert len(double.errors) == 6
    ok = await bot.send_message(
        ALICE.id,
        '<a href="https://x.org/?a=1&amp;b=2">link</a> a &lt; b &#39;q&#x27; '
        '<pre><code class="language-py">x=1</code></pre> <tg-spoiler>s</tg-spoiler>',
        parse_mode=ParseMode.HTML,
    )
    assert ok.text == "link a < b 'q' x=1 s"
    types = [(e.type, e.offset, e.length) for e in ok.entities]
    assert types == [("text_link", 0, 4), ("pre", 15, 3), ("spoiler", 19, 1)]
    assert ok.entities[0].url == "https://x.org/?a=1&b=2"
    assert ok.entities[1].language == "py"
    # plain text without parse_mode may contain anything
    await bot.send_message(ALICE.id, "a < b & c")
    with pytest.raises(BadRequest, match="(?i)reserved"):
        await bot.send_message(ALICE.id, "v1.2", parse_mode=ParseMode.MARKDOWN_V2)
    m = await bot.send_message(ALICE.id, r"*v1\.2* done\!", parse_mode=ParseMode.MARKDOWN_V2)
    assert m.text == "v1.2 done!" and m.entities[0].type == "bold"


async def test_photo_download_roundtrip(bot: Bot, double: BotApiDouble) -> None:
    image = png_bytes()
    msg = double.send_photo(ALICE, image, caption="evidence")
    assert len(msg["photo"]) == 3
    assert msg["photo"][-1]["width"] == 400
    assert msg["photo"][0]["width"] <= 90
    f = await bot.get_file(msg["photo"][-1]["file_id"])
    assert f.file_size == len(image)
    data = await f.download_as_bytearray()
    assert bytes(data) == image
    thumb = await (await bot.get_file(msg["photo"][0]["file_id"])).download_as_bytearray()
    assert Image.open(io.BytesIO(bytes(thumb))).size[0] <= 90


async def test_file_too_big(bot: Bot, double: BotApiDouble) -> None:
    msg = double.send_document(ALICE, b"%PDF-1.4 tiny", "big.pdf", file_size=25 * 1024 * 1024)
    assert msg["document"]["file_size"] == 25 * 1024 * 1024
    with pytest.raises(BadRequest, match="(?i)file is too big"):
        await bot.get_file(msg["document"]["file_id"])
    with pytest.raises(BadRequest, match="(?i)invalid file_id"):
        await bot.get_file("nope")


async def test_bot_uploads_are_stored(bot: Bot, double: BotApiDouble) -> None:
    doc = await bot.send_document(
        ALICE.id,
        b"PK\x03\x04report",
        filename="report.docx",
        caption="Your <b>report</b>",
        parse_mode="HTML",
    )
    assert doc.document.file_name == "report.docx"
    assert doc.caption == "Your report"
    s = double.sent[-1]
    assert (s.method, s.file_name, s.file_bytes) == (
        "sendDocument",
        "report.docx",
        b"PK\x03\x04report",
    )
    assert double.uploaded_files[doc.document.file_id] == b"PK\x03\x04report"
    f = await bot.get_file(doc.document.file_id)
    assert bytes(await f.download_as_bytearray()) == b"PK\x03\x04report"

    image = png_bytes((50, 40))
    photo = await bot.send_photo(ALICE.id, image)
    assert double.uploaded_files[photo.photo[-1].file_id] == image
    with pytest.raises(BadRequest, match="(?i)IMAGE_PROCESS_FAILED"):
        await bot.send_photo(ALICE.id, b"not an image")
    again = await bot.send_photo(ALICE.id, photo.photo[-1].file_id)  # resend by file_id
    assert again.message_id == photo.message_id + 1


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_faults(bot: Bot, double: BotApiDouble) -> None:
    double.fail("sendMessage", 429, retry_after=1)
    with pytest.raises(RetryAfter, match="1 second"):
        await bot.send_message(ALICE.id, "x")
    await bot.send_message(ALICE.id, "now it works")

    double.fail(None, 500, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.get_me()
    await bot.get_me()

    double.block_user(BOB.id)
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await bot.send_message(BOB.id, "hello?")
    await bot.send_message(ALICE.id, "alice is fine")

    double.delay("getMe", 0.3)
    t0 = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - t0 >= 0.28


async def test_commands_per_language(bot: Bot, double: BotApiDouble) -> None:
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await bot.set_my_commands([BotCommand("start", "开始")], language_code="zh")
    await bot.set_my_commands(
        [BotCommand("audit", "Audit")], scope=BotCommandScopeAllPrivateChats()
    )
    assert [c["command"] for c in double.commands[""]] == ["start", "help"]
    assert double.commands["zh"] == [{"command": "start", "description": "开始"}]
    assert double.scoped_commands[("all_private_chats", "")][0]["command"] == "audit"
    got = await bot.get_my_commands(language_code="zh")
    assert got[0].description == "开始"
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("Bad-Command", "x")])
    await bot.delete_my_commands(language_code="zh")
    assert "zh" not in double.commands
    assert await bot.set_my_description("desc")
    assert await bot.set_my_short_description("short")


async def test_unknown_method_and_wrong_token(bot: Bot, double: BotApiDouble) -> None:
    from telegram.error import EndPointNotFound, InvalidToken

    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    wrong = Bot("999:WRONG", base_url=f"{double.url}/bot")
    with pytest.raises(InvalidToken):
        async with wrong:  # initialize() calls getMe; a failed __aenter__ shuts down
            pass


async def test_get_updates_long_poll_and_offsets(bot: Bot, double: BotApiDouble) -> None:
    # long poll returns as soon as something is injected
    task = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.05)
    assert not task.done()
    double.send_message(ALICE, "first")
    updates = await asyncio.wait_for(task, 2)
    assert [u.message.text for u in updates] == ["first"]
    # not confirmed yet: delivered again; confirmed with offset
    double.send_message(ALICE, "second")
    again = await bot.get_updates(limit=1)
    assert [u.message.text for u in again] == ["first"]
    nxt = await bot.get_updates(offset=updates[-1].update_id + 1)
    assert [u.message.text for u in nxt] == ["second"]
    # timeout without updates
    t0 = time.monotonic()
    assert await bot.get_updates(offset=nxt[-1].update_id + 1, timeout=0.2) == ()
    assert 0.15 < time.monotonic() - t0 < 1
    # stop() releases a pending long poll promptly
    task = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.05)
    t0 = time.monotonic()
    await double.stop()
    await double.stop()  # idempotent
    assert await asyncio.wait_for(task, 2) == ()
    assert time.monotonic() - t0 < 1


# ---------------------------------------------------------------------------- Application


async def test_application_echo(app: Application, double: BotApiDouble) -> None:
    double.send_message(ALICE, "hello bot")
    reply = await double.reply_to(ALICE)
    assert reply.method == "sendMessage"
    assert reply.text == "echo: hello bot"
    assert reply.chat_id == ALICE.id
    # message ids are shared between the user's and the bot's messages of a chat
    assert reply.message_id == 2
    quoted = await app.bot.send_message(ALICE.id, "quoted", reply_to_message_id=1)
    assert quoted.reply_to_message.text == "hello bot"
    assert double.message(ALICE.id, quoted.message_id)["reply_to_message"]["message_id"] == 1

    mark = double.mark()
    double.send_message(BOB, "from bob")
    s = await double.wait_for(lambda s: s.chat_id == BOB.id, after=mark)
    assert s.text == "echo: from bob"
    await double.wait_idle()
    assert all(u["update_id"] <= double._max_delivered_update_id for u in double._pending)


async def test_command_and_button(app: Application, double: BotApiDouble) -> None:
    double.send_command(ALICE, "start", "abc")
    menu = await double.reply_to(ALICE)
    assert menu.plain_text == "Hello Alice, args=['abc']"
    assert menu.button_url("Docs") == "https://example.com/docs"
    qid = double.press_button(ALICE, menu.button("Yes"))
    answer = await double.wait_for(lambda s: s.method == "answerCallbackQuery", after=menu.index)
    assert answer.text == "noted"
    assert double.callback_answered(qid)
    edit = await double.reply_to(ALICE)
    assert edit.method == "editMessageText"
    assert edit.message_id == menu.message_id
    assert edit.text == "You chose ans:yes"
    with pytest.raises(AssertionError, match="no button"):
        double.press_button(ALICE, "forged")


async def test_wait_for_timeout_reports_recent(double: BotApiDouble, bot: Bot) -> None:
    await bot.send_message(ALICE.id, "something else")
    t0 = time.monotonic()
    with pytest.raises(AssertionError, match="something else"):
        await double.wait_for(lambda s: s.text == "never", timeout=0.2)
    assert time.monotonic() - t0 < 0.5


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_injected_updates_parse_in_ptb(bot: Bot, double: BotApiDouble) -> None:
    double.send_voice(ALICE, b"OggS voice", duration=5)
    double.send_sticker(ALICE)
    double.send_document(ALICE, b"%PDF-1.4", "iso.pdf", caption="manual")
    typed = double.send_message(ALICE, "typo")
    double.edit_message(ALICE, typed["message_id"], "fixed")
    double.send_message(ALICE, "/start@audit_test_bot x", chat_id=-100123)
    msg = await bot.send_message(
        ALICE.id,
        "pick",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]]),
    )
    double.press_button(ALICE, "a", message_id=msg.message_id)
    double.press_button(ALICE, "ghost", message_id=999, check=False)
    double.inject_update(
        {
            "my_chat_member": None,
            "message": {
                "message_id": 77,
                "date": 0,
                "chat": {"id": 5, "type": "private"},
                "text": "raw",
            },
        }
    )

    updates = await bot.get_updates()
    assert len(updates) == 9
    voice, sticker, doc, text, edited, grp, cq, cq2, raw = (
        updates[0],
        updates[1],
        updates[2],
        updates[3],
        updates[4],
        updates[5],
        updates[6],
        updates[7],
        updates[8],
    )
    assert voice.message.voice.duration == 5
    assert sticker.message.sticker.is_animated is False
    assert doc.message.document.file_name == "iso.pdf" and doc.message.caption == "manual"
    assert text.message.text == "typo"
    assert edited.edited_message.text == "fixed" and edited.edited_message.edit_date
    assert grp.message.chat.type == "supergroup"
    assert grp.message.entities[0].type == "bot_command"
    assert grp.message.entities[0].length == len("/start@audit_test_bot")
    assert cq.callback_query.data == "a"
    assert cq.callback_query.message.message_id == msg.message_id
    assert cq2.callback_query.message is None
    assert raw.message.text == "raw"
    voice_file = await bot.get_file(voice.message.voice.file_id)
    assert bytes(await voice_file.download_as_bytearray()) == b"OggS voice"
    # answering the same callback query twice is an error, like on Telegram
    assert await bot.answer_callback_query(cq.callback_query.id)
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(cq.callback_query.id)


async def test_media_group_and_restart(bot: Bot, double: BotApiDouble) -> None:
    from telegram import InputMediaDocument, InputMediaPhoto

    msgs = await bot.send_media_group(
        ALICE.id,
        [
            InputMediaPhoto(png_bytes((20, 20)), caption="<b>one</b>", parse_mode="HTML"),
            InputMediaDocument(b"doc bytes", filename="two.txt"),
        ],
    )
    assert len(msgs) == 2 and msgs[0].media_group_id == msgs[1].media_group_id
    assert msgs[0].caption == "one"
    assert [s.method for s in double.sent] == ["sendMediaGroup", "sendMediaGroup"]
    assert double.sent[1].file_bytes == b"doc bytes"

    url = double.url
    await double.stop()
    await double.start()
    await double.start()  # idempotent
    assert double.url == url
    fresh = Bot(double.token, base_url=f"{double.url}/bot")
    async with fresh:
        assert (await fresh.get_me()).username == "audit_test_bot"
