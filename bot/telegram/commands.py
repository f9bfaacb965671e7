"""The bot's commands, one row each (bot/app.py holds the table), and everything derived
from it: the command handlers, the global and per-person command menus, the main menu's
buttons and /help. A command is offered to exactly the roles of its row."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from telegram import BotCommand, Update
from telegram.ext import CommandHandler

from bot.domain.vocabulary import AUDITORS, LEADS, Role
from bot.prompts import Prompts
from bot.services.people_service import Actor
from bot.telegram.context import COMMANDS, AuditContext
from bot.telegram.refusals import guarded

Action = Callable[[Update, AuditContext], Awaitable[None]]


@dataclass(frozen=True)
class Command:
    """One command: ``/name`` runs ``handler`` for a person holding one of ``roles``
    (None: anyone with a role); ``button`` puts it in the main menu too; ``before_role``
    offers it in the default command menu, which everyone sees before they have a role.

    Its texts are labels named after it: ``cmd_<name>`` in the command menu,
    ``menu_<name>`` on its main-menu button, ``help_<name>`` in /help.
    """

    name: str
    handler: Action
    roles: frozenset[Role] | None = None
    button: bool = False
    before_role: bool = False

    @property
    def label_key(self) -> str:
        return f"cmd_{self.name}"

    @property
    def button_key(self) -> str:
        return f"menu_{self.name}"

    @property
    def help_key(self) -> str:
        return f"help_{self.name}"

    @property
    def section(self) -> str:
        """The part of /help it is listed in."""
        if self.roles == LEADS:
            return "lead"
        if self.roles == AUDITORS:
            return "auditor"
        return "all"

    def allows(self, roles: Iterable[str]) -> bool:
        held = set(roles)
        return bool(held) and (self.roles is None or bool(held & self.roles))


HELP_SECTIONS = ("auditor", "lead", "all")


class CommandTable:
    """The rows in menu order, with what each derived list needs."""

    def __init__(self, rows: Sequence[Command]):
        self.rows = tuple(rows)
        self._by_name = {row.name: row for row in self.rows}
        if len(self._by_name) != len(self.rows):
            raise ValueError("a command is declared twice")

    def get(self, name: str) -> Command | None:
        return self._by_name.get(name)

    def handlers(self) -> list[CommandHandler]:
        """A CommandHandler per row, its refusals explained. Rights are the services' to
        check (a command's roles say whom it is offered to)."""
        return [CommandHandler(row.name, guarded(row.handler)) for row in self.rows]

    def names_for(self, roles: Iterable[str]) -> list[str]:
        """The commands a person holding ``roles`` has (none without a role)."""
        held = frozenset(roles)
        return [row.name for row in self.rows if row.allows(held)]

    def bot_commands(self, prompts: Prompts, lang: str, names: Iterable[str] | None = None) -> list[BotCommand]:
        """setMyCommands' list in ``lang``: the ``names`` given (a person's own menu), else the
        default menu (the commands offered before a person has a role)."""
        wanted = {row.name for row in self.rows if row.before_role} if names is None else set(names)
        return [BotCommand(row.name, prompts.label(lang, row.label_key))
                for row in self.rows if row.name in wanted]

    def buttons_for(self, actor: Actor) -> list[Command]:
        """The main menu's commands for this person."""
        return [row for row in self.rows if row.button and row.allows(actor.roles)]

    def help_for(self, actor: Actor) -> list[tuple[str, list[Command]]]:
        """/help's sections for this person: (section, its commands), empty sections left out."""
        mine = [row for row in self.rows if row.allows(actor.roles)]
        sections = [(name, [row for row in mine if row.section == name]) for name in HELP_SECTIONS]
        return [(name, rows) for name, rows in sections if rows]


def command_table(context: AuditContext) -> CommandTable:
    """The table bot/app.py built the bot from."""
    return context.application.bot_data[COMMANDS]
