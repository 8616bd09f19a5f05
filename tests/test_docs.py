"""The README is checked against the code it describes."""
import re

from core import workflow
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_rule_table_is_the_code_table():
    block = re.search(r"<!-- workflow-table:start -->\n(.*?)\n<!-- workflow-table:end -->", README, re.S)
    assert block, "the README lost its workflow table markers"
    assert block.group(1) == workflow.table_markdown()


def test_readme_names_the_two_commands_and_every_cli_command():
    assert ".venv/bin/streamlit run app.py" in README
    assert ".venv/bin/python -m pytest" in README
    from core.cli import build_parser
    commands = build_parser()._subparsers._group_actions[0].choices
    for name in commands:
        assert f"core.cli {name}" in README, name
