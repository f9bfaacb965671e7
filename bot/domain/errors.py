"""The one shape of a refusal a service gives: a code the handlers turn into a message.

Every refusal is a ``ServiceError`` (or a subclass of it, one per area). The label that
explains it to the person is ``<area prefix><code>`` in prompts/<lang>/labels*.yaml; the
handlers' one refusal wrapper (bot/telegram/refusals.py) shows it as a popup for a press or
as a reply for typed text, in the person's language. ``details`` carry what a handler may
show next (e.g. the problems that block completion).
"""

from __future__ import annotations

from typing import Any, ClassVar


class ServiceError(Exception):
    """A request the state, the person's rights or the input do not allow."""

    prefix: ClassVar[str] = ""
    quiet_codes: ClassVar[frozenset[str]] = frozenset()  # shown as a short toast, not a popup

    def __init__(self, code: str, **details: Any):
        super().__init__(code)
        self.code = code
        self.details = details

    @property
    def label_key(self) -> str:
        return f"{self.prefix}{self.code}"

    @property
    def alert(self) -> bool:
        return self.code not in self.quiet_codes


class AuditError(ServiceError):
    """A request the audit cannot take; ``details`` say more (e.g. the problems found)."""

    prefix = "audit_error_"
    quiet_codes = frozenset({"stale"})


class NotAllowed(ServiceError):
    """The person's roles do not allow this (label ``not_allowed``)."""

    def __init__(self, **details: Any):
        super().__init__("not_allowed", **details)


class StaleButton(ServiceError):
    """A button from an old message, another person's, or made up (label ``stale_button``)."""

    def __init__(self, **details: Any):
        super().__init__("stale_button", **details)


class PeopleError(ServiceError):
    """People, departments and invites (the code names the prompt, e.g. ``invite_usage``)."""
