from enum import StrEnum

import pytest

from core import labels, models
from core.auth import PAGES

ALL_ENUMS = [obj for obj in vars(models).values()
             if isinstance(obj, type) and issubclass(obj, StrEnum) and obj is not StrEnum]


def test_every_enum_of_the_model_has_a_catalog():
    assert set(ALL_ENUMS) == set(labels.ENUM_LABELS)


@pytest.mark.parametrize("enum", ALL_ENUMS, ids=lambda e: e.__name__)
def test_every_member_has_both_languages(enum):
    catalog = labels.ENUM_LABELS[enum]
    assert set(catalog) == {m.value for m in enum}
    for member in enum:
        zh, en = catalog[member.value]
        assert zh.strip() and en.strip(), member
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), f"{member} zh label has no Chinese"
        assert labels.label(member, "zh") == zh and labels.label(member, "en") == en


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.key)
def test_every_page_title_has_both_languages(page):
    zh, en = labels.PAGE_TITLES[page.key]
    assert zh and en and zh != en


def test_every_text_has_both_languages_and_same_placeholders():
    import string
    for key, (zh, en) in labels.TEXT.items():
        assert zh and en, key
        fields = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}  # noqa: E731
        assert fields(zh) == fields(en), key


def test_default_language_is_chinese():
    assert labels.label(models.CaseStatus.returned) == "退回重办"
    assert labels.t("login.title") == "登录"


def test_every_text_key_used_in_code_exists():
    import re
    from tests.conftest import ROOT
    pattern = re.compile(r"""(?:\btr|\bt|DomainError|counter)\(\s*["']([a-z_]+\.[a-z_.]+)["']""")
    sources = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "core").glob("*.py"))]
    used = {key for path in sources for key in pattern.findall(path.read_text(encoding="utf-8"))}
    assert used, "the pattern found no keys: it is broken"
    assert sorted(used - set(labels.TEXT)) == []
