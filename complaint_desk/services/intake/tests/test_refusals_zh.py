"""A refusal reads entirely in Traditional Chinese in message_zh: every command the aggregate
can refuse has its Chinese name (no English phrase shows through)."""

import ast
import re
from pathlib import Path

from complaint_desk.contract.events import Status
from complaint_desk.contract.process import GUARDS
from complaint_desk.services.intake import domain
from complaint_desk.services.intake.refusals import COMMAND_ZH, PHRASES, IllegalTransition

CHECKS = {"_check", "_task", "IllegalTransition"}


def _refusable_commands() -> set[str]:
    tree = ast.parse(Path(domain.__file__).read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            first = node.args[0]
            if name in CHECKS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
    return found


def test_every_refusable_command_has_a_chinese_name() -> None:
    commands = _refusable_commands()
    assert len(commands) > 15, commands  # the scan sees the guards
    assert commands <= set(COMMAND_ZH), sorted(commands - set(COMMAND_ZH))
    assert set(GUARDS) <= set(COMMAND_ZH) == set(PHRASES)


def test_the_chinese_message_has_no_english_in_it() -> None:
    for command in COMMAND_ZH:
        refusal = IllegalTransition(command, Status.IN_PROGRESS, "it is waiting", "仍在等待中")
        assert not re.search(r"[A-Za-z]", refusal.message_zh), refusal.message_zh
        assert refusal.message.startswith(f"Cannot {PHRASES[command]} a complaint")
