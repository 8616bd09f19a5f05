"""DomainError: a refusal the user must read, carried as a label key so it speaks their language."""
from __future__ import annotations

from core.labels import DEFAULT_LANGUAGE, t


class DomainError(Exception):
    def __init__(self, key: str, *, field: str | None = None, **values: object) -> None:
        self.key = key
        self.field = field
        self.values = values
        super().__init__(self.message("en"))

    def message(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return t(self.key, lang, **{name: _render(name, value, lang) for name, value in self.values.items()})


def _render(name: str, value: object, lang: str) -> object:
    """Field names, actions and stages inside a message are shown in the user's language."""
    from core.labels import label
    from core.models import CaseAction, CaseStatus, UnitKind
    if name == "kinds":
        return ("、" if lang == "zh" else ", ").join(label(kind, lang, UnitKind) for kind in value) or "—"
    if name == "kind":
        return label(value, lang, UnitKind)
    if name == "fields":
        return ("、" if lang == "zh" else ", ").join(t(f"field.{field}", lang) for field in value)
    if name == "action":
        return label(value, lang, CaseAction)
    if name == "status":
        return label(value, lang, CaseStatus)
    return value


class FormErrors(DomainError):
    """Several fields refused at once: `errors` maps each field to its message key and values."""

    def __init__(self, errors: dict[str, DomainError]) -> None:
        self.errors = errors
        first = next(iter(errors.values()))
        super().__init__(first.key, field=first.field, **first.values)
