"""The command line's language: Simplified Chinese by default, English on request.

Every text the ``yuqing`` command writes is given in both languages where it is written,
Chinese first: ``say("已入库 {n} 条", "stored {n}", n=3)``. Keeping the pair together means
no catalogue to fall out of step with the code, and a message cannot exist in one language
only (``tests/cli/test_language.py`` checks the help of every command in both).

The language is chosen once per run, before any help is built: ``--lang en`` (or
``--lang=en``) before the command (``yuqing --lang en ingest ...``), else the ``YUQING_LANG``
environment variable (``zh``, ``en``, or a locale name such as ``en_US.UTF-8``), else
Chinese. The system's ``LANG`` is deliberately not read: most servers run in an English
or C locale whatever their users read. Typer's own words ("Options", "Error") are put
into Chinese too (``localise_click``), and so is the line of the ``--help`` option
itself; the rest ("Usage:", "Missing argument") stay English, as Typer offers no hook for
them.

Messages raised by the rest of yuqing (``YuqingError`` and the rejection reasons of an
import) are English, for logs and the API; the command line frames them in its own
language.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any

LANGUAGES = ("zh", "en")
ENV = "YUQING_LANG"
OPTION = "--lang"


class UnknownLanguage(ValueError):
    """A language other than Chinese or English was asked for."""

    def __init__(self, value: str, where: str) -> None:
        self.value = value
        self.where = where
        super().__init__(
            f"{where} {value!r}: 只支持 zh（中文）或 en（英文） / "
            "only zh (Chinese) or en (English) is supported"
        )


def language_of(value: str, where: str) -> str:
    """``zh`` or ``en`` from what a user wrote (``EN``, ``zh-CN``, ``en_US.UTF-8``)."""
    folded = value.strip().lower().replace("-", "_")
    for lang in LANGUAGES:
        if folded == lang or folded.startswith(lang + "_") or folded.startswith(lang + "."):
            return lang
    raise UnknownLanguage(value, where)


def chosen(argv: Sequence[str], environ: Mapping[str, str]) -> tuple[str, str | None]:
    """The language a run asks for, and the problem with what it asked (``None``: fine).

    A bad value falls back to Chinese and is reported by the root command, so that even
    the report of a typo comes in a language the user reads.
    """
    for i, arg in enumerate(argv):
        if arg == OPTION and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith(OPTION + "="):
            value = arg[len(OPTION) + 1 :]
        elif arg.startswith("-") and arg != "--":
            continue  # another option of the root command (--help)
        else:
            break  # the command: ``--lang`` is an option of the root command only
        try:
            return language_of(value, OPTION), None
        except UnknownLanguage as problem:
            return "zh", str(problem)
    from_env = environ.get(ENV, "")
    if from_env.strip():
        try:
            return language_of(from_env, ENV), None
        except UnknownLanguage as problem:
            return "zh", str(problem)
    return "zh", None


_current, problem_at_start = chosen(sys.argv[1:], os.environ)


def current() -> str:
    """The language of this run: ``zh`` or ``en``."""
    return _current


def use(lang: str) -> None:
    """Speak ``lang`` from now on (the root command's ``--lang``; tests)."""
    global _current
    if lang not in LANGUAGES:
        raise UnknownLanguage(lang, OPTION)
    _current = lang
    localise_click()


def say(zh: str, en: str, /, **params: Any) -> str:
    """The text in the run's language, with ``params`` filled in (``str.format``)."""
    text = zh if _current == "zh" else en
    return text.format(**params) if params else text


def plural(n: float, one: str, many: str) -> str:
    """``one`` or ``many``, the English for ``n`` of a thing; Chinese counts take neither."""
    return one if n == 1 else many


# Typer's own words that it lets be translated (gettext message ids), in Chinese. Typer
# vendors its own copy of Click with "Usage:" and the refusals of a mistyped command line
# written in English and no hook: those stay English. The help option's line has no
# message id either; ``_help_option_in_language`` puts it in the run's language.
CLICK_ZH: dict[str, str] = {
    "Options": "选项",
    "Arguments": "参数",
    "Commands": "命令",
    "Error": "错误",
    "Aborted!": "已中止！",
    "Aborted.": "已中止。",
    "Try [blue]'{command_path} {help_option}'[/] for help.": (
        "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。"
    ),
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "required": "必填",
    "(dynamic)": "（动态）",
    "[default: {}]": "[默认：{}]",
    "[env var: {}]": "[环境变量：{}]",
    "[required]": "[必填]",
    "(deprecated) ": "（已弃用）",
}

# Typer reads these module constants when it formats help; they were translated (by
# gettext, into English) when it was imported.
_TYPER_CONSTANTS = {
    "DEPRECATED_STRING": "(deprecated) ",
    "DEFAULT_STRING": "[default: {}]",
    "ENVVAR_STRING": "[env var: {}]",
    "REQUIRED_LONG_STRING": "[required]",
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands",
    "ERRORS_PANEL_TITLE": "Error",
    "ABORTED_TEXT": "Aborted.",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
}
_CLICK_MODULES = ("typer.core", "typer.rich_utils")

HELP_OPTION_HELP = ("显示此帮助信息并退出。", "Show this message and exit.")


def _gettext(message: str) -> str:
    return CLICK_ZH.get(message, message) if _current == "zh" else message


def _help_option_in_language(original: Any) -> Any:
    """Click's ``Command.get_help_option``, its option's help in the run's language.

    Click builds the option once per command with an English literal and caches it; the
    text is set each time the option is asked for, so a run that switches language (the
    root command's ``--lang``, tests) shows the language of the moment.
    """

    def get_help_option(self: Any, ctx: Any) -> Any:
        option = original(self, ctx)
        if option is not None and option.help in HELP_OPTION_HELP:
            option.help = say(*HELP_OPTION_HELP)
        return option

    get_help_option.yuqing_wrapped = original  # type: ignore[attr-defined]
    return get_help_option


# Where a line break is kept: before a line of its own (indented, or an item of a list)...
_OWN_LINE = re.compile(r"\s|[-*•] ")
# ...or next to Chinese, which Rich breaks only at spaces: there the author's break is the
# only place a long run of Chinese can be broken short of cutting it.
_WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")


def reflow(paragraph: str) -> str:
    """A help paragraph with its hand-made line breaks joined, as Click does.

    Typer in its Rich mode keeps the single line breaks of every paragraph after the
    first: a line wrapped by hand to the width of the source is wrapped again by Rich to
    the terminal's, and leaves its last word or two alone on a line ("it", "and"). A
    paragraph that opens with ``\\b`` keeps its lines, as in Click.
    """
    if paragraph.startswith("\b"):
        return paragraph[1:].lstrip("\n")
    lines = paragraph.split("\n")
    joined = lines[0]
    for line in lines[1:]:
        before, after = joined.rstrip()[-1:], line.lstrip()[:1]
        if not after or _OWN_LINE.match(line) or _WIDE.match(before) or _WIDE.match(after):
            joined += "\n" + line
        else:
            joined = joined.rstrip() + " " + line.strip()
    return joined


def _reflowed(paragraphs: list[str], markup_mode: Any) -> str:
    """``typer.rich_utils._fix_linebreaks``, joining what Typer's Rich mode leaves broken."""
    if markup_mode != "markdown":
        paragraphs = [reflow(paragraph) for paragraph in paragraphs]
    return "\n\n".join(paragraphs)


def localise_click() -> None:
    """Make Typer write its own translatable words in the run's language.

    It calls ``gettext.gettext`` through a name bound at its import (``_``) and knows no
    other hook; rebinding that name is the one way in short of installing a process-wide
    gettext catalogue for the ``messages`` domain, which every other library shares.
    The help option's line and the joining of hand-wrapped help paragraphs have no hook
    at all: the two functions of Typer's that make them are wrapped or replaced (once;
    this runs again on every change of language), and the help pages' tests
    (``tests/unit/cli/test_cli_help_option_and_wrapping.py``) say if Typer moves them.
    """
    for name in _CLICK_MODULES:
        # Typer imports its rich formatting only when it first formats something.
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = _gettext  # type: ignore[attr-defined]
        if name == "typer.rich_utils":
            for constant, message in _TYPER_CONSTANTS.items():
                setattr(module, constant, _gettext(message))
            if hasattr(module, "_fix_linebreaks"):
                module._fix_linebreaks = _reflowed  # type: ignore[attr-defined]
    # Typer's own copy of Click where it vendors one, else Click.
    try:
        click_core = importlib.import_module("typer._click.core")
    except ImportError:
        click_core = importlib.import_module("click.core")
    command = click_core.Command
    if not hasattr(command.get_help_option, "yuqing_wrapped"):
        command.get_help_option = _help_option_in_language(command.get_help_option)
