"""The reminder trigger: PTB's JobQueue (APScheduler 3) runs a pass every TICK_SECONDS.

APScheduler only says "look now"; what is due is derived from the database each time
(bot/services/reminder_service.py), so a restart, a clock jump or a missed run loses
nothing and sends nothing twice. Notices queued by a transaction do not wait for the pass:
its COMMIT wakes the sender (``wake``, storage/wake.py); the pass is the safety net.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from telegram.ext import Application

from bot.telegram.context import OUTBOX, RUNTIME, AuditContext

log = logging.getLogger(__name__)

TICK_SECONDS = 30
JOB_NAME = "capa-reminders"
KICKS = "outbox-kicks"  # bot_data: the passes kicked off (and the drains woken) still running
WAKES = "outbox-wakes"  # bot_data: the woken drain running now, and whether another is asked for
PRUNE_JOB_NAME = "prune-inbox"


async def tick(application: Application) -> None:
    """One pass: queue what is due now, then send what the outbox holds."""
    runtime = application.bot_data[RUNTIME]
    if await runtime.leader.held():  # replicas: one plans, every one sends
        await runtime.reminders.plan()
        await runtime.programme.plan_notices()
        await runtime.report_flow.plan_delays()
        await _snapshot(runtime)
    await application.bot_data[OUTBOX].drain(application.bot)


async def _snapshot(runtime) -> None:
    """Yesterday's figures for the management review's trends, once a day (one read otherwise)."""
    try:
        await runtime.review.snapshot_if_due()
    except Exception:
        log.exception("the daily review snapshot failed; the next pass tries again")


def kick(application: Application) -> None:
    """A pass out of turn: queue what is due now and send it, in the background, so whoever
    asked does not wait for other people's messages. Notices a transaction queued need no
    kick: its COMMIT wakes the sender (``wake``).

    While the bot is stopping nothing is started: the next pass after the restart sends them.
    """
    if application.running:
        task = application.create_task(tick(application), name="outbox-kick")
        kicks: set = application.bot_data.setdefault(KICKS, set())  # whoever waits for quiet (tests)
        kicks.add(task)
        task.add_done_callback(kicks.discard)


def wake(application: Application) -> None:
    """A transaction that queued notices committed (here, or on another replica): send them now.

    Registered by bot/app.py as the database's after-commit callback and LISTEN callback
    (storage/wake.py). Debounced: one drain runs at a time, and a wake while it runs makes
    one more drain after it (whatever was committed meanwhile), however many wakes came.
    The periodic pass stays the safety net (a wake lost with a crash, rows due later).
    """
    if not application.running:  # starting or stopping: the first pass after the start sends them
        return
    state: dict = application.bot_data.setdefault(WAKES, {"task": None, "again": False})
    task = state["task"]
    if task is not None and not task.done():
        state["again"] = True
        return
    state["again"] = False
    task = state["task"] = application.create_task(_drain_while_woken(application, state), name="outbox-wake")
    kicks: set = application.bot_data.setdefault(KICKS, set())  # settle() in the tests waits for these too
    kicks.add(task)
    task.add_done_callback(kicks.discard)


async def _drain_while_woken(application: Application, state: dict) -> None:
    while True:
        state["again"] = False
        await application.bot_data[OUTBOX].drain(application.bot)
        if not state["again"] or not application.running:
            return


async def _job(context: AuditContext) -> None:
    await tick(context.application)


async def _prune_job(context: AuditContext) -> None:
    runtime = context.rt
    if await runtime.leader.held():  # every lifetime (AUDITBOT_RETAIN_*) and old update ids
        await runtime.privacy.prune()


def schedule(application: Application) -> None:
    """Run ``tick`` at once and then every TICK_SECONDS (a run still busy is not doubled);
    forget old update ids once a day."""
    if application.job_queue is None:
        log.warning("no job queue: reminders are not sent (install python-telegram-bot[job-queue])")
        return
    for job in application.job_queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    # next_run_time: a job added before the scheduler starts would otherwise wait a whole interval
    application.job_queue.run_repeating(
        _job, interval=TICK_SECONDS, first=0, name=JOB_NAME,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None,
                    "next_run_time": datetime.now(UTC)},
    )
    for job in application.job_queue.get_jobs_by_name(PRUNE_JOB_NAME):
        job.schedule_removal()
    application.job_queue.run_repeating(_prune_job, interval=timedelta(days=1), first=timedelta(minutes=5),
                                        name=PRUNE_JOB_NAME)
