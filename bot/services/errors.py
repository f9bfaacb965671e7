"""The one shape of a refusal a service gives: a code the handler turns into a prompt."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the state, the person's rights or the input do not allow.

    ``code`` names the prompt (or label) that explains it to the person.
    """

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code
