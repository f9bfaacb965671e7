"""Issue 23, point 22 (seen in Chinese): Chinese that reads as written in Chinese — the words
of the buttons in quotes, Chinese quotation marks, a programme window that is open read as
待实施, a series by its name, and no two 📊 in the lead's menu."""

from __future__ import annotations

from bot.prompts import default_prompts
from bot.services.audit_service import CompletionPreview
from tests.audit_fixtures import completed_audit
from tests.harness import LEAD, STAFF
from tests.helpers import button_labels

PROMPTS = default_prompts()


async def test_a_clerk_reads_chinese_that_names_the_button(bot):
    await bot.join(STAFF, "staff", "Office")
    nothing = await bot.say(STAFF, "你好")
    assert nothing.plain_text.startswith("当前没有需要输入的内容"), nothing.plain_text
    mark = bot.double.mark()
    await completed_audit(bot)
    new = await bot.double.wait_for(lambda s: s.chat_id == STAFF.id and "新的纠正措施" in (s.plain_text or ""),
                                    after=mark, timeout=15)
    assert "请点击“✍️ 回复”" in new.plain_text and "请按" not in new.plain_text
    answer = await bot.press(STAFF, new.button("回复"), message_id=new.message_id)
    assert '"' not in answer.plain_text


async def test_the_leads_menu_has_one_chart_icon(bot):
    menu = await bot.command(LEAD, "/start")
    icons = [label.split()[0] for label in button_labels(menu)]
    assert icons.count("📊") == 1 and len(set(icons)) == len(icons), icons


def test_series_programme_state_and_quotes_in_chinese():
    preview = CompletionPreview(1, "A-2026-001", "财务局", {"NC": 2, "OBS": 1}, 2, 1)
    confirm = PROMPTS.render("zh", "audit_complete_confirm", p=preview)
    assert "不符合项 2 项" in confirm and "观察项 1 项" in confirm and "OBS 1 项" not in confirm
    assert PROMPTS.label("zh", "programme_state_due") == "⏰ 待实施"
    why = (PROMPTS.root / "zh" / "capa_step.j2").read_text(encoding="utf-8")
    assert "“为什么”" in why and '"为什么"' not in why
