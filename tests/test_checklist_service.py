"""The checklist service without Telegram: rights, drafts, versions, archive, and the files it keeps."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from bot.domain.checklists import bundled_dir, load_all
from bot.domain.clock import FakeClock
from bot.services.checklist_service import ChecklistRefused, ChecklistService
from bot.services.people_service import Actor
from bot.settings import Settings
from storage.checklist_files import to_yaml
from storage.db import Database
from tests.checklist_books import book
from tests.databases import current

LEAD = Actor(id=1, name="Lena", lang="en", active=True, roles=frozenset({"lead"}))
AUDITOR = Actor(id=2, name="Wang", lang="zh", active=True, roles=frozenset({"auditor"}))


@pytest.fixture
async def service(tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=current(), _env_file=None)
    settings.prepare_data_dir()
    db = await Database(settings.database).open()
    live = load_all([settings.checklists_dir])
    yield ChecklistService(db, FakeClock(), settings, live)
    await db.close()


def fetch_of(data: bytes):
    calls = []

    async def fetch() -> bytes:
        calls.append(1)
        return data

    return fetch, calls


async def test_only_leads_import_and_nothing_is_downloaded_for_others(service):
    fetch, calls = fetch_of(book())
    with pytest.raises(ChecklistRefused) as refused:
        await service.import_file(AUDITOR, "a.xlsx", 1000, fetch)
    assert refused.value.code == "not_allowed" and calls == []
    for call in (service.workbook(AUDITOR, None), service.archive(AUDITOR, "functional-department"),
                 service.publish(AUDITOR, "1-00000000", 2)):
        with pytest.raises(ChecklistRefused):
            await call


async def test_a_30_mb_file_is_refused_before_download(service):
    fetch, calls = fetch_of(b"")
    outcome = await service.import_file(LEAD, "big.xlsx", 30 * 1024 * 1024, fetch)
    assert [p.code for p in outcome.problems] == ["file_too_big"] and calls == []


async def test_yaml_import_and_its_problems(service):
    source = (bundled_dir() / "functional-department.yaml").read_text(encoding="utf-8")
    changed = source.replace("id: functional-department", "id: my-department", 1)
    fetch, _ = fetch_of(changed.encode())
    outcome = await service.import_file(LEAD, "mine.yaml", None, fetch)
    assert outcome.draft is not None and outcome.draft.id == "my-department" and outcome.draft.version == 1
    fetch, _ = fetch_of(source.replace("evidence: required", "evidence: sometimes", 1).encode())
    outcome = await service.import_file(LEAD, "bad.yml", None, fetch)
    assert outcome.draft is None and outcome.marked is None
    assert "evidence" in outcome.problems[0].line("en")


async def test_publish_needs_a_higher_version_and_the_live_dict_learns_it(service):
    first = service.check_and_draft(LEAD, "a.xlsx", book()).draft
    second = service.check_and_draft(LEAD, "a.xlsx", book()).draft
    assert first.version == second.version == 1
    published = await service.publish(LEAD, first.draft_id, 1)
    assert published.checklist.version == 1 and service.checklists["office-zh"].version == 1
    asked = await service.publish(LEAD, second.draft_id, 1)
    assert asked.checklist is None and asked.needs_version == 2
    published = await service.publish(LEAD, second.draft_id, 2)
    assert published.checklist.version == 2
    root = service.settings.checklists_dir
    assert yaml.safe_load((root / "office-zh.yaml").read_text(encoding="utf-8"))["version"] == 2
    assert service.files.versions("office-zh") == [1, 2]
    assert not [p for p in root.rglob(".tmp-*")]
    assert load_all([root])["office-zh"] == service.checklists["office-zh"]  # what the next start loads
    with pytest.raises(ChecklistRefused):
        await service.publish(LEAD, second.draft_id, 3)  # the draft is gone once published


async def test_a_new_version_of_a_bundled_checklist(service):
    bundled = service.checklists["functional-department"]
    from bot.workbooks.checklist import write_workbook

    draft = service.check_and_draft(LEAD, "f.xlsx", write_workbook(bundled)).draft
    assert (draft.published_version, draft.version, draft.unchanged) == (1, 2, True)


async def test_archive_and_restore_bundled_and_own(service):
    root = service.settings.checklists_dir
    items = await service.archive(LEAD, "functional-department")
    assert "functional-department" not in service.checklists
    assert [i.id for i in items if i.archived] == ["functional-department"]
    assert "functional-department" not in load_all([root])
    with pytest.raises(ChecklistRefused):
        await service.archive(LEAD, "functional-department")
    await service.restore(LEAD, "functional-department")
    assert "functional-department" in load_all([root])
    assert not (root / "archived" / "functional-department.yaml").exists()
    assert not (root / "functional-department.yaml").exists()  # the bundled file is on offer by itself

    draft = service.check_and_draft(LEAD, "a.xlsx", book()).draft
    await service.publish(LEAD, draft.draft_id, 1)
    await service.archive(LEAD, "office-zh")
    assert (root / "archived" / "office-zh.yaml").exists() and not (root / "office-zh.yaml").exists()
    again = service.check_and_draft(LEAD, "a.xlsx", book()).draft
    assert again.published_version == 1 and again.version == 2  # archived versions count
    items = await service.restore(LEAD, "office-zh")
    assert [i.id for i in items if not i.archived][-1] == "office-zh" and (root / "office-zh.yaml").exists()


async def test_draft_files_are_yaml_that_loads_back(service):
    draft = service.check_and_draft(LEAD, "a.xlsx", book()).draft
    checklist = service.files.draft(draft.draft_id)
    assert yaml.safe_load(to_yaml(checklist))["title"] == {"zh": "办公室检查表"}
    assert service.files.draft("../../etc/passwd") is None


def test_command_line_template_import_publish_export(tmp_path):
    env_dir = tmp_path / "data"
    template = tmp_path / "t.xlsx"
    filled = tmp_path / "office.xlsx"
    filled.write_bytes(book([("doc", "文件控制", "doc-1", "7.5.2", "问题", "指引", "maybe")]))

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                              env={"AUDITBOT_DATA_DIR": str(env_dir), "PATH": "/usr/bin:/bin"}, timeout=60)

    assert run("checklists", "template", "-o", str(template)).returncode == 0
    bad = run("checklists", "validate", str(filled))
    assert bad.returncode == 1
    assert "office.xlsx: Sheet 'questions', row 2, column J (evidence): 'maybe' is not an evidence rule" in bad.stdout
    zh = run("checklists", "import", str(filled), "--lang", "zh")
    assert zh.returncode == 1 and "工作表“questions”第 2 行 J 列（evidence）" in zh.stdout
    assert (tmp_path / "office-问题.xlsx").exists()
    filled.write_bytes(book())
    published = run("checklists", "import", str(filled), "--publish")
    assert published.returncode == 0 and "published office-zh version 1" in published.stdout
    again = run("checklists", "import", str(filled), "--publish", "--as-version", "1")
    assert again.returncode == 1 and "--as-version 2" in again.stderr
    out = tmp_path / "out.xlsx"
    assert run("checklists", "export", "office-zh", "-o", str(out)).returncode == 0
    assert "ok (office-zh v1, 3 questions, zh)" in run("checklists", "validate", str(out)).stdout


async def test_a_checklist_published_on_the_command_line_is_taken_in_by_the_running_bot(service):
    other = ChecklistService(None, None, service.settings, {})  # the command line's own service
    draft = other.check_and_draft(LEAD, "a.xlsx", book()).draft
    other.publish_draft(draft.draft_id)
    assert "office-zh" not in service.checklists
    items = await service.overview(LEAD, enter=False)
    assert "office-zh" in service.checklists and "office-zh" in [i.id for i in items]
    (service.settings.checklists_dir / "broken.yaml").write_text("id: [", encoding="utf-8")
    await service.overview(LEAD, enter=False)  # a broken file changes nothing
    assert "office-zh" in service.checklists
