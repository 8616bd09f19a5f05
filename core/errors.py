"""DomainError: a refusal the user must read, carried as a label key so it speaks their language."""
from __future__ import annotations

from core.labels import DEFAULT_LANGUAGE, t


class DomainError(Exception):
    def __init__(self, key: str, *, field: str | None = None, **values: object) -> None:
        self.key = key
        self.field = field
        self.values = values
        super().__init__(t(key, "en", **values))

    def message(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return t(self.key, lang, **self.values)
