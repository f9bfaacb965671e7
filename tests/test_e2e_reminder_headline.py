"""Issue 8, defect 11: a reminder held by quiet hours past the due date says how late it is."""

from __future__ import annotations

import pytest

from tests.capa_fixtures import DUE, add_person, cast, local, make_action
from tests.harness import STAFF, STAFF_EN, BotHarness
from tests.helpers import messages_to


def reminders_to(bot: BotHarness, chat_id: int) -> list[str]:
    return [s.plain_text for s in messages_to(bot, chat_id, "Reminder", "提醒")]


@pytest.mark.parametrize(("user", "headline", "card"), [
    (STAFF, "NC1 已逾期 1 天。", "已逾期 1 天"),
    (STAFF_EN, "NC1 is 1 day overdue.", "1 day late"),
])
async def test_due_day_reminder_sent_the_morning_after_says_overdue(bot, clock, user, headline, card):
    await cast(bot.db)
    if user is STAFF_EN:
        await add_person(bot.db, STAFF_EN, "staff", "法制办公室")
    await make_action(bot.db, due=DUE)
    await bot.tick()  # the new action goes out at once
    clock.set(local(DUE.month, DUE.day, 21, 30))  # the due day's reminder is queued in quiet hours …
    await bot.tick()
    assert reminders_to(bot, user.id) == []
    clock.set(local(DUE.month, DUE.day + 1, 8, 1))  # … and goes out the next morning
    await bot.tick()
    (reminder,) = reminders_to(bot, user.id)
    first_line = reminder.splitlines()[0]
    assert headline in first_line, reminder
    assert "due today" not in reminder and "今天到期" not in reminder
    assert card in reminder


@pytest.mark.parametrize(("user", "headline"), [(STAFF, "NC1 今天到期。"), (STAFF_EN, "NC1 is due today.")])
async def test_due_day_reminder_on_the_day_says_due_today(bot, clock, user, headline):
    await cast(bot.db)
    if user is STAFF_EN:
        await add_person(bot.db, STAFF_EN, "staff", "法制办公室")
    await make_action(bot.db, due=DUE)
    await bot.tick()
    clock.set(local(DUE.month, DUE.day, 9, 0))
    await bot.tick()
    reminders = reminders_to(bot, user.id)
    assert reminders and headline in reminders[-1].splitlines()[0]
