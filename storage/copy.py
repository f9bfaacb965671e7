"""Copy every table of one database into another, empty one (SQLite → PostgreSQL).

Tables go in foreign-key order, in batches, inside one transaction on the target; the
identity sequences are moved past the copied ids; the row counts are compared at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, MetaData, Table, func, select, text

from storage.db import Database
from storage.dialect import is_postgres
from storage.sql import without_nul

BATCH = 1000
_SKIPPED = {"alembic_version", "schema_version"}
# /find's index: written by the target's own triggers as the rows it indexes are copied
_DERIVED = ("search_docs", "search_fts")


class CopyRefused(Exception):
    """The copy cannot start: one line saying why."""


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int


async def copy_database(
    source: Path | str, target: str, *, progress: Callable[[Copied], None] = lambda _: None
) -> list[Copied]:
    """Copy ``source`` into the empty database at ``target`` (migrated first)."""
    src = await Database(source).open()
    try:
        dst = await Database(target).open()
        try:
            return await _copy(src, dst, progress)
        finally:
            await dst.close()
    finally:
        await src.close()


async def _copy(src: Database, dst: Database, progress: Callable[[Copied], None]) -> list[Copied]:
    if src.url == dst.url:
        raise CopyRefused("the target is the configured database itself")
    async with dst.transaction() as out:
        tables = await out.run_sync(_tables)
        for table in tables:
            count = (await out.execute(select(func.count()).select_from(table))).scalar_one()
            if count:
                raise CopyRefused(f"the target database is not empty ({table.name} has {count} rows)")
        copied = []
        async with src.read() as inp:
            for table in tables:
                columns = [c.name for c in table.columns]
                result = await inp.stream(text(f"SELECT {', '.join(columns)} FROM {table.name}"))
                async for batch in result.mappings().partitions(BATCH):
                    rows = [{k: without_nul(v) for k, v in row.items()} for row in batch]
                    await out.execute(table.insert(), rows)
                expected = (await inp.execute(text(f"SELECT COUNT(*) FROM {table.name}"))).scalar_one()
                landed = (await out.execute(select(func.count()).select_from(table))).scalar_one()
                if landed != expected:
                    raise RuntimeError(f"{table.name}: {expected} rows in the source, {landed} copied")
                copied.append(Copied(table.name, landed))
                progress(copied[-1])
        if is_postgres(out):
            for table in tables:
                if "id" in table.columns:
                    await out.execute(text(
                        f"SELECT setval(s.seq, COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                        f" FROM (SELECT pg_get_serial_sequence('{table.name}', 'id') AS seq) s WHERE s.seq IS NOT NULL"

                    ))
    return copied


def _tables(connection: Connection) -> list[Table]:
    """The target's tables in foreign-key order (parents first)."""
    metadata = MetaData()
    metadata.reflect(connection)
    return [t for t in metadata.sorted_tables if t.name not in _SKIPPED and not t.name.startswith(_DERIVED)]
