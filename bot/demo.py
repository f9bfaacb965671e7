"""`auditbot demo`: the real bot against the local Bot API double, with a scripted cast.

For someone without a Telegram token: it shows what the bot says, step by step.
The double lives in tests/ (a source checkout is needed).
"""

from __future__ import annotations

import html
import re
import shutil
import sys
import tempfile
from pathlib import Path

from bot.clock import Clock
from bot.settings import Settings


def _double_classes():
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "tests" / "botapi_double.py").exists() and str(checkout) not in sys.path:
        sys.path.insert(0, str(checkout))
    try:
        from tests.botapi_double import BotApiDouble, TgUser
    except ImportError:
        raise SystemExit(
            "auditbot demo needs a source checkout (it uses tests/botapi_double.py); run 'make demo' there"
        ) from None
    return BotApiDouble, TgUser


def _plain(text: str | None) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text or ""))


class Script:
    """Plays users against the bot and prints both sides."""

    def __init__(self, double, app):
        self.double = double
        self.app = app

    def _show(self, sent) -> None:
        who = self.double.users.get(sent.chat_id)
        name = who.first_name if who else sent.chat_id
        verb = "edits" if sent.method.startswith("edit") else "→"
        print(f"  🤖 {verb} {name}: " + _plain(sent.text).replace("\n", "\n      "))
        for row in sent.buttons:
            print("      " + "  ".join(f"[{text}]" for text, _ in row))
        if sent.file_name:
            print(f"      📎 {sent.file_name}")

    async def _replies(self, user, mark: int):
        await self.double.wait_idle(quiet=0.15)
        replies = [s for s in self.double.sent[mark:] if s.chat_id == user.id and s.method != "answerCallbackQuery"]
        for sent in replies:
            self._show(sent)
        return replies

    async def say(self, user, text: str):
        print(f"\n👤 {user.first_name}: {text}")
        mark = self.double.mark()
        if text.startswith("/"):
            command, _, args = text.partition(" ")
            self.double.send_command(user, command, args)
        else:
            self.double.send_message(user, text)
        return await self._replies(user, mark)

    async def press(self, user, sent, label: str):
        print(f"\n👤 {user.first_name} presses [{label}]")
        mark = self.double.mark()
        self.double.press_button(user, sent.button(label), message_id=sent.message_id)
        return await self._replies(user, mark)


async def run_demo(data_dir: Path | None = None) -> int:
    BotApiDouble, TgUser = _double_classes()
    from bot.app import build_application

    lead = TgUser(id=1001, first_name="Lena", last_name="Li", language_code="en")
    auditor = TgUser(id=2002, first_name="王审核", language_code="zh-hans")
    clerk = TgUser(id=3003, first_name="赵文员", language_code="zh")

    own_dir = data_dir is None
    folder = Path(tempfile.mkdtemp(prefix="auditbot-demo-")) if own_dir else data_dir
    double = BotApiDouble()
    await double.start()
    settings = Settings(token=double.token, api_url=double.url, data_dir=folder, admin_ids=(lead.id,),
                        _env_file=None)
    app = build_application(settings, clock=Clock(), rate_limit=False)
    print(f"Bot API double on {double.url}; data in {folder}")
    try:
        await app.initialize()
        await app.post_init(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        script = Script(double, app)

        await script.say(lead, "/start")
        invite = (await script.say(lead, "/invite auditor"))[-1]
        code = invite.text.split("start=")[1].split()[0]
        await script.say(auditor, f"/start {code}")
        invite = (await script.say(lead, "/invite staff 法制办公室"))[-1]
        code = invite.text.split("start=")[1].split()[0]
        await script.say(clerk, f"/start {code}")
        await script.say(clerk, "/help")
        await script.say(lead, "/departments")
        print("\nDemo finished.")
        return 0
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        await app.post_shutdown(app)
        await double.stop()
        if own_dir:
            shutil.rmtree(folder, ignore_errors=True)
