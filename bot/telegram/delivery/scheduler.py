"""The reminder trigger: PTB's JobQueue (APScheduler 3) runs a pass every TICK_SECONDS.

APScheduler only says "look now"; what is due is derived from the database each time
(bot/services/reminder_service.py), so a restart, a clock jump or a missed run loses
nothing and sends nothing twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from telegram.ext import Application

from bot.telegram.context import OUTBOX, RUNTIME, AuditContext

log = logging.getLogger(__name__)

TICK_SECONDS = 30
JOB_NAME = "capa-reminders"
KICKS = "outbox-kicks"  # bot_data: the passes kicked off and still running
PRUNE_JOB_NAME = "prune-inbox"


async def tick(application: Application) -> None:
    """One pass: queue what is due now, then send what the outbox holds."""
    runtime = application.bot_data[RUNTIME]
    if await runtime.leader.held():  # replicas: one plans, every one sends
        await runtime.reminders.plan()
        await runtime.programme.plan_notices()
        await _snapshot(runtime)
    await application.bot_data[OUTBOX].drain(application.bot)


async def _snapshot(runtime) -> None:
    """Yesterday's figures for the management review's trends, once a day (one read otherwise)."""
    try:
        await runtime.review.snapshot_if_due()
    except Exception:
        log.exception("the daily review snapshot failed; the next pass tries again")


def kick(application: Application) -> None:
    """The one way to say "something new to send": queue what is due now (the notices of
    actions just created, a step someone is to be told of) and send it, in the background,
    so the person who acted does not wait for other people's messages.

    While the bot is stopping nothing is started: the next pass after the restart sends them.
    """
    if application.running:
        task = application.create_task(tick(application), name="outbox-kick")
        kicks: set = application.bot_data.setdefault(KICKS, set())  # whoever waits for quiet (tests)
        kicks.add(task)
        task.add_done_callback(kicks.discard)


async def _job(context: AuditContext) -> None:
    await tick(context.application)


async def _prune_job(context: AuditContext) -> None:
    runtime = context.rt
    if await runtime.leader.held():
        await runtime.inbox.prune()


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
