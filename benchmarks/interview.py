"""Load benchmark: N simulated auditors run the audit interview at once.

Each simulated auditor is its own Telegram user. It starts an audit (/audit, checklist,
new department "Dept k", plan ✅, opening ▶) and answers every question of a
``--questions`` checklist: a result, then on every fifth question a typed note and a
photo, then Next (Conform and N/A move on by themselves, after the note and photo). Every auditor waits for the bot's reply to an update before it sends
the next one: a closed loop, by default with no think time (the heaviest a person can be;
``--think-ms`` adds a pause). All auditors run at once against the Bot API double
(devtools/botapi_double.py); their roles are written to the database before the start, as
if the lead had invited them.

The floor is a bare python-telegram-bot echo bot (a text or photo gets a message with one
button back; a button press is answered and edits the message) on a fresh double, driven
by the same number of users sending the same kinds of updates in the same pattern.

Latency is the time from putting an update into the double's getUpdates queue to the
first message the bot sends or edits in that user's chat (sendMessage / editMessage* and
the other message methods). answerCallbackQuery does not count: it stops the client's
spinner, while the card (edited, or sent anew after a note or a photo) is what the auditor
waits for.

Each side runs in its own process so that its peak RSS is its own; the double and the
simulated users share that process and event loop with the bot, so both figures include
their cost (the echo floor carries the same overhead). It needs the bot's own dependencies
and aiohttp (the ``devtools`` extra, for the double), not the test ones.

    .venv/bin/python benchmarks/interview.py                 # both, 100 auditors
    .venv/bin/python benchmarks/interview.py --auditors 20   # a quick smoke run
    .venv/bin/python benchmarks/interview.py --only bot      # one side, JSON result line
    .venv/bin/python benchmarks/interview.py --no-inbox      # the bot without its inbox, for comparison
    .venv/bin/python benchmarks/interview.py --database postgresql://user@host/postgres --replicas 2
        # also: the bot as 2 webhook replicas on a fresh database of that PostgreSQL server
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the project first, and never this folder (its checklists.py would hide the checklists package)
sys.path[:] = [str(ROOT), *(p for p in sys.path if p and Path(p).resolve() not in (ROOT, ROOT / "benchmarks"))]

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update  # noqa: E402
from telegram.ext import (  # noqa: E402
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.app import start_polling, stop_polling  # noqa: E402
from bot.telegram.delivery.per_chat import PerChatUpdateProcessor  # noqa: E402
from bot.telegram.delivery.rate_limit import RetryingRateLimiter  # noqa: E402
from devtools.botapi_double import MESSAGE_METHODS, BotApiDouble, Sent, TgUser  # noqa: E402
from devtools.harness import BotHarness, jpeg, write_sixty_question_checklist  # noqa: E402
from storage.repos import people  # noqa: E402
from storage.sql import fetch_value  # noqa: E402

TARGET_P95_MS = 100.0
TARGET_THROUGHPUT_SHARE = 0.6  # of the echo floor, at saturation (the scale-out issue)
REPLY_TIMEOUT = 120.0
FIRST_USER_ID = 10_000
RESULT_MARK = "RESULT "

# Results an auditor presses, with how often (the rest of the buttons are rarer in practice).
RESULT_WEIGHTS = {
    "Conform": 70,
    "Observation": 8,
    "OFI": 6,
    "Minor NC": 8,
    "Major NC": 1,
    "Good practice": 4,
    "N/A": 3,
}


# --- the double, with a per-chat waiter ----------------------------------------------------


class _Tail(list):
    """A list that forgets its oldest items past twice ``keep`` (``dump()`` still works)."""

    def __init__(self, keep: int) -> None:
        super().__init__()
        self.keep = keep

    def append(self, item) -> None:
        super().append(item)
        if len(self) > 2 * self.keep:
            del self[: self.keep]


class BenchDouble(BotApiDouble):
    """The test double, plus a cheap wait for "the next message in chat X".

    ``BotApiDouble.wait_for`` wakes every waiter on every change (a new asyncio task and
    timer per waiter per API call); with a hundred users waiting at once that costs more
    than the bot being measured. Here ``_record`` hands the reply straight to the one
    waiting user, stamped with the moment the double recorded it. The double's history
    (``sent``, ``calls``) keeps only the last items, so that the peak RSS is the bot's
    rather than that of the double's log of 15,000 updates (so ``wait_for`` and
    ``reply_to``, which index ``sent``, are not for use here).
    """

    HISTORY = 200

    def __init__(self) -> None:
        super().__init__()
        self._waiters: dict[int, asyncio.Future] = {}
        self.message_counts: dict[int, int] = {}
        self.calls = _Tail(self.HISTORY)
        self.sent = _Tail(self.HISTORY)
        self._recorded = 0

    def _record(self, **kw) -> Sent:
        sent = Sent(**kw)
        sent.index = self._recorded
        self._recorded += 1
        self.sent.append(sent)
        self._notify()
        if sent.method in MESSAGE_METHODS and sent.chat_id is not None:
            self.message_counts[sent.chat_id] = self.message_counts.get(sent.chat_id, 0) + 1
            waiter = self._waiters.pop(sent.chat_id, None)
            if waiter is not None and not waiter.done():
                waiter.set_result((time.perf_counter(), sent))
        return sent

    def take_updates(self) -> list[dict]:
        """Everything waiting for delivery, now counted as delivered (the webhook pusher's)."""
        taken, self._pending = self._pending, []
        if taken:
            self._max_delivered_update_id = max(self._max_delivered_update_id, taken[-1]["update_id"])
        return taken

    def expect_reply(self, chat_id: int) -> asyncio.Future:
        """A future for the next message the bot sends or edits in ``chat_id``."""
        fut = asyncio.get_running_loop().create_future()
        self._waiters[chat_id] = fut
        return fut


# --- what each simulated user does ---------------------------------------------------------


@dataclass(frozen=True)
class Step:
    kind: str  # command | press | text | photo
    label: str = ""  # press: a substring of the button label; command/text: the text
    expect: str = ""  # a substring the reply must contain (cheap check that it is no error)
    card: bool = True  # does the reply become the card the next press is on


def auditor_script(k: int, questions: int, rng: random.Random) -> list[Step]:
    steps = [
        Step("command", "/audit", "Sixty-question"),
        Step("press", "Sixty-question"),
        Step("press", "➕", card=False),
        Step("text", f"Dept {k}", f"Dept {k}"),
        Step("press", "✅"),
        Step("press", "▶", "1/"),
    ]
    labels, weights = zip(*RESULT_WEIGHTS.items(), strict=True)
    for i in range(questions):
        result = rng.choices(labels, weights)[0]
        following = f"{i + 2}/{questions}" if i + 1 < questions else "Summary"
        one_tap = result in ("Conform", "N/A")  # records and moves on: its note and photo come first
        if not one_tap:
            steps.append(Step("press", result, f"{i + 1}/{questions}"))
        if i % 5 == 4:
            steps.append(Step("text", f"Note {k}.{i + 1}: sampled 3 records, all signed <ok>", "Note saved"))
            steps.append(Step("photo", f"{k}:{i}", "Evidence saved"))
        steps.append(Step("press", result, following) if one_tap else Step("press", "Next", following))
    return steps


def echo_script(bot_steps: list[Step]) -> list[Step]:
    """The same kinds of updates in the same order; every press hits the one echo button."""
    return [Step(s.kind, "again" if s.kind == "press" else s.label) for s in bot_steps]


def shown(sent: Sent) -> str:
    """The text of a message and the labels of its buttons."""
    return "\n".join([sent.text or "", *(label for row in sent.buttons for label, _ in row)])


@dataclass
class Measured:
    latencies: list[tuple[str, float]] = field(default_factory=list)  # (what, seconds)
    errors: list[str] = field(default_factory=list)


def step_name(step: Step) -> str:
    if step.kind == "press":
        if step.label == "Next":
            return "press Next"
        if step.label in RESULT_WEIGHTS:
            return "press result"
        return "press (setup)"
    return {"command": "command", "text": "text/note", "photo": "photo"}[step.kind]


async def run_user(double: BenchDouble, user: TgUser, steps: list[Step], photos: dict[str, bytes],
                   out: Measured, think: float, seed: int) -> None:
    card: Sent | None = None
    pauses = random.Random(seed * 1_000_003 + user.id)
    for step in steps:
        if think:  # exponentially distributed, so the auditors do not move in step
            await asyncio.sleep(pauses.expovariate(1 / think))
        reply = double.expect_reply(user.id)
        if step.kind == "command" or step.kind == "text":
            double.send_message(user, step.label)
        elif step.kind == "photo":
            double.send_photo(user, photos[step.label])
        else:
            if card is None:
                out.errors.append(f"user {user.id}: no card to press {step.label!r} on")
                return
            try:
                data = card.button(step.label)
            except AssertionError as exc:
                out.errors.append(f"user {user.id}: {exc}")
                return
            double.press_button(user, data, message_id=card.message_id)
        injected = time.perf_counter()
        try:
            replied, sent = await asyncio.wait_for(reply, REPLY_TIMEOUT)
        except TimeoutError:
            out.errors.append(f"user {user.id}: no reply to {step.kind} {step.label!r} in {REPLY_TIMEOUT}s")
            return
        out.latencies.append((step_name(step), replied - injected))
        if step.expect and step.expect not in shown(sent):
            out.errors.append(f"user {user.id}: reply to {step.kind} {step.label!r} lacks {step.expect!r}: "
                              f"{(sent.text or '')[:200]!r}")
            return
        if step.card:
            card = sent


# --- the two sides -------------------------------------------------------------------------


def make_users(n: int) -> list[TgUser]:
    return [TgUser(id=FIRST_USER_ID + k, first_name="Auditor", last_name=str(k), language_code="en")
            for k in range(n)]


def make_photos(n: int, questions: int) -> dict[str, bytes]:
    return {f"{k}:{i}": jpeg(k * 1000 + i) for k in range(n) for i in range(questions) if i % 5 == 4}


async def drive(double: BenchDouble, scripts: list[tuple[TgUser, list[Step]]], photos: dict[str, bytes],
                args: argparse.Namespace) -> tuple[Measured, float]:
    out = Measured()
    think = args.think_ms / 1000
    started = time.perf_counter()
    await asyncio.gather(*(run_user(double, user, steps, photos, out, think, args.seed)
                           for user, steps in scripts))
    return out, time.perf_counter() - started


async def bench_bot(args: argparse.Namespace) -> dict:
    users = make_users(args.auditors)
    rng = random.Random(args.seed)
    scripts = [(u, auditor_script(k, args.questions, rng)) for k, u in enumerate(users)]
    photos = make_photos(args.auditors, args.questions)
    with tempfile.TemporaryDirectory(prefix="auditbot-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        sections = 6 if args.questions % 6 == 0 else 1
        write_sixty_question_checklist(data_dir / "checklists", questions=args.questions, sections=sections)
        double = BenchDouble()
        await double.start()
        harness = BotHarness(double, data_dir, rate_limit=args.rate_limit, durable=not args.no_inbox)
        try:
            await harness.start()
            # The lead's invites, done directly: every simulated user is an auditor already.
            now = harness.clock.now()
            async with harness.db.transaction() as conn:
                for user in users:
                    await people.upsert(conn, user.id, name=f"{user.first_name} {user.last_name}",
                                        username=None, lang="en", at=now)
                    await people.add_role(conn, user.id, "auditor", None, now)
            await double.wait_idle(quiet=0.1)
            out, seconds = await drive(double, scripts, photos, args)
            await double.wait_idle(quiet=0.2, timeout=60)
            out.errors += await check_database(harness, args)
            out.errors += check_one_reply_each(double, scripts)
        finally:
            await harness.stop()
            await double.stop()
    return summarize("bot", out, seconds, double)


async def bench_replicas(args: argparse.Namespace) -> dict:
    """The bot as ``--replicas`` webhook processes on a fresh database of ``--database``.

    The benchmark plays Telegram: each update waiting in the double is POSTed to the
    replicas in turn as soon as it is there (a user has at most one update outstanding,
    so each chat's order holds). The replicas' own memory is not in this process's RSS.
    """
    import os
    import signal
    import socket
    import subprocess

    import aiohttp
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from storage.db import Database
    from storage.url import normalise

    server = normalise(args.database)
    name = f"bench_{int(time.time())}_{random.randrange(1 << 20)}"

    async def admin(sql: str) -> None:
        engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(sql))
        finally:
            await engine.dispose()

    await admin(f"CREATE DATABASE {name}")
    url = server.set(database=name).render_as_string(hide_password=False)
    users = make_users(args.auditors)
    rng = random.Random(args.seed)
    scripts = [(u, auditor_script(k, args.questions, rng)) for k, u in enumerate(users)]
    photos = make_photos(args.auditors, args.questions)
    procs: list[subprocess.Popen] = []
    double = BenchDouble()
    await double.start()
    # Telegram's side should cost the machine little: aiohttp, as the bot's own client (httpx
    # took twice the CPU per request there, CPU the replicas on this machine then lack).
    client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REPLY_TIMEOUT),
                                   connector=aiohttp.TCPConnector(limit=256))
    try:
        with tempfile.TemporaryDirectory(prefix="auditbot-bench-") as tmp:
            data_dir = Path(tmp) / "data"
            sections = 6 if args.questions % 6 == 0 else 1
            write_sixty_question_checklist(data_dir / "checklists", questions=args.questions, sections=sections)
            async with Database(url) as db, db.transaction(claim=False) as conn:
                now = datetime.now(UTC)
                for user in users:  # the lead's invites, done directly
                    await people.upsert(conn, user.id, name=f"{user.first_name} {user.last_name}",
                                        username=None, lang="en", at=now)
                    await people.add_role(conn, user.id, "auditor", None, now)
            ports = []
            for _ in range(args.replicas):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", 0))
                    ports.append(sock.getsockname()[1])
            for port in ports:
                env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITBOT_")}
                env.update(AUDITBOT_TOKEN=double.token, AUDITBOT_API_URL=double.url,
                           AUDITBOT_DATA_DIR=str(data_dir), AUDITBOT_DATABASE_URL=url,
                           AUDITBOT_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
                           AUDITBOT_WEBHOOK_LISTEN=f"127.0.0.1:{port}", AUDITBOT_WEBHOOK_SECRET="bench")
                if not args.rate_limit:  # as the SQLite side: the bot's own cost, not Telegram's 30 msg/s
                    env.update(AUDITBOT_TELEGRAM_RATE_LIMIT="false")
                procs.append(subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env,
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            for port in ports:
                for _ in range(600):
                    try:
                        async with client.get(f"http://127.0.0.1:{port}/healthz") as answer:
                            if answer.status == 200:
                                break
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.1)
            turn = iter(range(1 << 62))
            in_flight: set[asyncio.Task] = set()

            async def deliver(update: dict) -> None:
                for _ in range(100):
                    port = ports[next(turn) % len(ports)]
                    try:
                        async with client.post(f"http://127.0.0.1:{port}/telegram", json=update,
                                               headers={"X-Telegram-Bot-Api-Secret-Token": "bench"}) as answer:
                            if answer.status == 200:
                                return
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.05)

            async def push() -> None:
                while True:
                    for update in double.take_updates():
                        task = asyncio.create_task(deliver(update))
                        in_flight.add(task)
                        task.add_done_callback(in_flight.discard)
                    await double._wait_change(1.0)

            pusher = asyncio.create_task(push())
            try:
                out, seconds = await drive(double, scripts, photos, args)
            finally:
                pusher.cancel()
                await asyncio.gather(pusher, *in_flight, return_exceptions=True)
            async with Database(url) as db, db.read() as conn:
                answers = await fetch_value(conn, "SELECT COUNT(*) FROM answers")
            if answers != args.auditors * args.questions:
                out.errors.append(f"answers: {answers} in the database, {args.auditors * args.questions} expected")
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        await client.close()
        await double.stop()
        await admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return summarize(f"pg×{args.replicas}", out, seconds, double)


async def check_database(harness: BotHarness, args: argparse.Namespace) -> list[str]:
    """What the auditors entered is all there (so the run measured real work, not errors)."""
    n, q = args.auditors, args.questions
    expected = {"audits": n, "answers": n * q, "notes": n * (q // 5), "evidence": n * (q // 5)}
    errors = []
    async with harness.db.read() as conn:
        for table, count in expected.items():
            found = await fetch_value(conn, f"SELECT COUNT(*) FROM {table}")
            if found != count:
                errors.append(f"database: {found} {table}, expected {count}")
    return errors


def check_one_reply_each(double: BenchDouble, scripts: list[tuple[TgUser, list[Step]]]) -> list[str]:
    """Exactly one message per update in each chat, so no reply was taken for another's."""
    return [
        f"chat {user.id}: {double.message_counts.get(user.id, 0)} messages for {len(steps)} updates"
        for user, steps in scripts
        if double.message_counts.get(user.id, 0) != len(steps)
    ]


ECHO_KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("again", callback_data="again")]])


async def _echo_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    text = message.text or ("photo" if message.photo else "message")
    await context.bot.send_message(message.chat_id, text, reply_markup=ECHO_KEYBOARD)


async def _echo_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer()
    await query.edit_message_text(f"pressed {update.update_id}", reply_markup=ECHO_KEYBOARD)


def build_echo(double: BotApiDouble, rate_limit: bool) -> Application:
    builder = (
        ApplicationBuilder()
        .token(double.token)
        .base_url(double.api_url)
        .base_file_url(double.file_url)
        .concurrent_updates(PerChatUpdateProcessor(256))
        .connection_pool_size(64)
    )
    if rate_limit:
        builder = builder.rate_limiter(RetryingRateLimiter(max_retries=5))
    app = builder.build()
    app.add_handler(MessageHandler(filters.ALL, _echo_message))
    app.add_handler(CallbackQueryHandler(_echo_press))
    return app


async def bench_echo(args: argparse.Namespace) -> dict:
    users = make_users(args.auditors)
    rng = random.Random(args.seed)
    scripts = [(u, echo_script(auditor_script(k, args.questions, rng))) for k, u in enumerate(users)]
    photos = make_photos(args.auditors, args.questions)
    double = BenchDouble()
    await double.start()
    app = build_echo(double, args.rate_limit)
    try:
        await start_polling(app, durable=False)
        out, seconds = await drive(double, scripts, photos, args)
        await double.wait_idle(quiet=0.2, timeout=60)
        out.errors += check_one_reply_each(double, scripts)
    finally:
        await stop_polling(app)
        await double.stop()
    return summarize("echo", out, seconds, double)


# --- figures ---------------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def figures(latencies: list[float]) -> dict:
    ordered = sorted(latencies)
    return {
        "count": len(ordered),
        "p50_ms": percentile(ordered, 50) * 1000,
        "p95_ms": percentile(ordered, 95) * 1000,
        "p99_ms": percentile(ordered, 99) * 1000,
        "max_ms": (ordered[-1] * 1000) if ordered else float("nan"),
    }


def summarize(side: str, out: Measured, seconds: float, double: BotApiDouble) -> dict:
    by_kind: dict[str, list[float]] = {}
    for what, latency in out.latencies:
        by_kind.setdefault(what, []).append(latency)
    overall = figures([latency for _, latency in out.latencies])
    return {
        "side": side,
        "updates": overall["count"],
        "seconds": seconds,
        "updates_per_s": overall["count"] / seconds if seconds > 0 else 0.0,
        **{k: overall[k] for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "by_kind": {kind: figures(values) for kind, values in sorted(by_kind.items())},
        "errors": out.errors[:20],
        "error_count": len(out.errors),
        "api_errors": [f"{method} -> {status} {text}" for method, _, status, text in double.errors[:5]],
        "api_error_count": len(double.errors),
    }


def print_report(args: argparse.Namespace, results: dict[str, dict]) -> bool:
    n, q = args.auditors, args.questions
    per_auditor = 6 + 2 * q + 2 * (q // 5)
    print(f"Interview benchmark: {n} auditors × {q} questions (note + photo on every fifth question), "
          f"{per_auditor} updates each, closed loop, mean think time {args.think_ms:g} ms, seed {args.seed}")
    if args.rate_limit:
        print("Rate limiter ON (Telegram's ~30 msg/s, as in production).")
    else:
        print("Rate limiter OFF: this measures the bot's own cost; production keeps Telegram's "
              "30 msg/s limiter on.")
    print("Latency: update queued in the double → first message the bot sends/edits in that chat "
          "(the card; answerCallbackQuery not counted).")
    if not args.think_ms:
        print(f"Closed loop without think time: mean latency ≈ auditors ÷ throughput (Little's law), so "
              f"{n} auditors need ≥ {n / 0.1:.0f} upd/s for a 100 ms mean.")
    print()
    header = f"{'':<6}{'updates':>9}{'seconds':>9}{'upd/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}" \
             f"{'max ms':>9}{'RSS MB':>9}"
    print(header)
    for side in ("echo", "bot", "bot-pg"):
        r = results.get(side)
        if r is None:
            continue
        print(f"{r['side']:<6}{r['updates']:>9}{r['seconds']:>9.1f}{r['updates_per_s']:>9.0f}{r['p50_ms']:>9.1f}"
              f"{r['p95_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['max_ms']:>9.1f}{r['peak_rss_mb']:>9.0f}")
    bot = results.get("bot")
    if bot and bot["by_kind"]:
        print()
        print("bot by update kind:")
        for kind, f in bot["by_kind"].items():
            print(f"  {kind:<15}{f['count']:>7}  p50 {f['p50_ms']:7.1f}  p95 {f['p95_ms']:7.1f}  "
                  f"p99 {f['p99_ms']:7.1f} ms")
    ok = True
    for side, r in results.items():
        if r["error_count"]:
            ok = False
            print(f"\n{side}: {r['error_count']} errors, e.g.:")
            for line in r["errors"][:5]:
                print("  " + line)
        if r["api_error_count"]:
            print(f"\n{side}: the Bot API double refused {r['api_error_count']} calls, e.g.:")
            for line in r["api_errors"]:
                print("  " + line)
    if not ok:
        print("FAIL  the run had errors: its figures do not describe a normal interview")
    if bot:
        print()
        p95_ok = bot["p95_ms"] < TARGET_P95_MS
        print(f"{'PASS' if p95_ok else 'FAIL'}  bot p95 {bot['p95_ms']:.1f} ms < {TARGET_P95_MS:.0f} ms")
        ok = ok and p95_ok
        echo = results.get("echo")
        if echo:
            share = bot["updates_per_s"] / echo["updates_per_s"] if echo["updates_per_s"] else 0.0
            tp_ok = share >= TARGET_THROUGHPUT_SHARE
            print(f"{'PASS' if tp_ok else 'FAIL'}  bot throughput {bot['updates_per_s']:.0f} upd/s = "
                  f"{share:.0%} of echo {echo['updates_per_s']:.0f} upd/s (target ≥ "
                  f"{TARGET_THROUGHPUT_SHARE:.0%})")
            ok = ok and tp_ok
    pg = results.get("bot-pg")
    if pg and bot and bot["updates_per_s"]:
        print(f"INFO  {pg['side']} on PostgreSQL: {pg['updates_per_s']:.0f} upd/s "
              f"({pg['updates_per_s'] / bot['updates_per_s']:.0%} of the SQLite bot), p95 {pg['p95_ms']:.1f} ms "
              f"(SQLite {bot['p95_ms']:.1f} ms); the replicas' RSS is their own, not in the figure above")
    print("RSS is each process's peak (ru_maxrss) and includes the double and the simulated users.")
    return ok


# --- entry points ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--auditors", type=int, default=100, help="simulated auditors (default 100)")
    parser.add_argument("--questions", type=int, default=60, help="questions in the checklist (default 60)")
    parser.add_argument("--rate-limit", action="store_true",
                        help="keep Telegram's 30 msg/s limiter on (off: measure the bot's own cost)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the results the auditors press")
    parser.add_argument("--think-ms", type=float, default=0.0,
                        help="mean pause of each auditor before each update, exponentially "
                             "distributed (default 0: no pause)")
    parser.add_argument("--no-inbox", action="store_true",
                        help="the bot without its inbox (python-telegram-bot's updater): what the inbox costs")
    parser.add_argument("--database", help="also run the bot on this PostgreSQL server (a fresh database is made "
                                           "and dropped), as --replicas webhook processes")
    parser.add_argument("--replicas", type=int, default=2, help="webhook replicas with --database (default 2)")
    parser.add_argument("--only", choices=("bot", "echo", "bot-pg"),
                        help="run one side in this process and print its figures as JSON")
    args = parser.parse_args(argv)
    if args.auditors < 1 or args.questions < 1:
        parser.error("--auditors and --questions must be at least 1")
    return args


def run_side(args: argparse.Namespace) -> dict:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    bench = {"bot": bench_bot, "echo": bench_echo, "bot-pg": bench_replicas}[args.only]
    return asyncio.run(bench(args))


def run_child(side: str, argv: list[str]) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), *argv, "--only", side]
    print(f"running {side} …", file=sys.stderr, flush=True)
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK):])
    raise SystemExit(f"{side} run failed (exit {done.returncode}):\n{done.stdout}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.only:
        result = run_side(args)
        print(RESULT_MARK + json.dumps(result))
        return 1 if result["error_count"] else 0
    # The echo floor first, then the bot; each in its own process (its own peak RSS).
    started = time.perf_counter()
    sides = ("echo", "bot", "bot-pg") if args.database else ("echo", "bot")
    results = {side: run_child(side, argv) for side in sides}
    ok = print_report(args, results)
    print(f"(whole run: {time.perf_counter() - started:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

