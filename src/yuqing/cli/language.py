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
itself. "Usage:" and the refusals of a mistyped command line ("No such option", "Missing
argument") are English literals in the Click that Typer vendors, with no hook: the root
command's class (``LocalisedGroup``) gives every command of ``yuqing`` a help formatter
whose usage line is Chinese, its placeholders ("[选项]", "命令 [参数]...") and arguments
(``ARGUMENT_WORDS``: "网址", as the arguments panel and "缺少参数 '网址'" name it) too,
and puts a refusal into Chinese as it passes on its way to be shown (``click_message``).

Messages raised by the rest of yuqing (``YuqingError`` and the rejection reasons of an
import) are English, for logs and the API; the command line frames them in its own
language.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any

from typer.core import TyperGroup
from typer.models import Context as TyperContext

try:  # Typer's own copy of Click (the pinned Typer 0.29 has one), else Click
    from typer._click import HelpFormatter, echo
    from typer._click.exceptions import UsageError
except ImportError:  # pragma: no cover - an older Typer, on Click
    from click import HelpFormatter, echo  # type: ignore[assignment]
    from click.exceptions import UsageError  # type: ignore[assignment]

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
# written in English and no hook: ``LocalisedGroup`` translates those. The help option's
# line has no message id either; ``_help_option_in_language`` puts it in the run's
# language. ("No such command" and "Missing command" have ids, but Typer adds "Did you
# mean ...?" to the translated text: they are translated whole, with the others.)
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
    _plain_metavars()


# -- The value a parameter takes, as its help and usage line show it ------------------------

# Typer 0.29 shows a parameter's Python type ("<list[str]>", "<int range> [1<=x<=1000]",
# and "<bool>" on a flag such as --help); people who are not programmers read a plain
# word in their language.
_TYPE_WORDS: dict[str, tuple[str, str]] = {
    "str": ("文本", "TEXT"),
    "int": ("整数", "INT"),
    "float": ("数字", "NUMBER"),
    "bool": ("是|否", "BOOL"),
    "Path": ("路径", "PATH"),
    "File": ("文件", "FILE"),
    "Directory": ("目录", "DIR"),
    "datetime": ("时间", "TIME"),
}


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def value_word(param: Any) -> str | None:
    """What ``param`` takes, for help: ``<文本>``/``<TEXT>``, a range as ``<1-1000>``;
    None for a flag (it takes no value). An option's metavar given in the code is kept.

    An argument's metavar is its name in the help's first column already (Typer writes
    ``display_name_raw`` there): given as its value word too, the panel said
    "事件编号  事件编号"; it gets the word of its type, as an argument named by its
    parameter does ("file  <路径>")."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return None
    if param.metavar is not None and getattr(param, "param_type_name", "") != "argument":
        return str(param.metavar)
    desc = getattr(param, "type_descriptor", None)
    if desc is None:  # pragma: no cover - a Typer without descriptors
        return None
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if desc.is_choice:
        label = param.display_type(None).strip("<>") if param.show_choices else None
        word = label if label else say(*_TYPE_WORDS["str"])
    elif desc.is_ranged and low is not None and high is not None:
        word = f"{_number(low)}-{_number(high)}"
    elif desc.is_path:
        word = say(*_TYPE_WORDS.get(desc.path_type, _TYPE_WORDS["Path"]))
    elif desc.is_datetime:
        word = say(*_TYPE_WORDS["datetime"])
    else:
        annotation = desc.annotation
        if desc.is_list and (args := getattr(annotation, "__args__", ())):
            annotation = args[0]
        name = getattr(annotation, "__name__", str(annotation))
        pair = _TYPE_WORDS.get(name)
        word = say(*pair) if pair is not None else name.upper()
        if desc.is_ranged and low is not None:
            word += f" ≥{_number(low)}"
        elif desc.is_ranged and high is not None:
            word += f" ≤{_number(high)}"
    shown = f"<{word}>"
    if getattr(param, "param_type_name", "") == "option" and param.nargs != 1:
        shown += "..."
    return shown


def _display_type(self: Any, ctx: Any) -> str | None:
    return value_word(self)


def _no_range(self: Any) -> str | None:
    # The range is in the value's word already (<1-1000>).
    return None


# An argument's name as the help and the command line's refusals show it, in Chinese: the
# usage line (用法：yuqing feeds add [选项] 网址), the first column of the arguments panel
# and "缺少参数 '网址'" say the same word. Keyed by the parameter's name, so that every
# command's argument of that name reads alike; an argument whose code gives a ``metavar``
# (``say("事件编号", "INCIDENT_ID")``) shows that instead. In English the parameter's name
# is shown as Typer shows it (``url``, and ``URL`` on the usage line).
ARGUMENT_WORDS: dict[str, str] = {
    "file": "文件",
    "files": "文件",
    "words": "检索词",
    "url": "网址",
    "name": "名称",
    "query": "检索式",
    "person": "人员",
    "token": "令牌",
}


def argument_word(param: Any) -> str | None:
    """The Chinese name of an argument with no ``metavar``, in a Chinese run (None: in
    English, or a name ``ARGUMENT_WORDS`` lacks, which the help tests catch)."""
    if _current != "zh" or param.metavar is not None:
        return None
    return ARGUMENT_WORDS.get(param.name or "")


def _argument_name(self: Any) -> str:
    """``TyperArgument.display_name_raw``: the metavar, else its word in the run's
    language (Typer's: the parameter's name)."""
    if self.metavar is not None:
        return str(self.metavar)
    return argument_word(self) or str(self.name)


def _usage_name(self: Any) -> str:
    """An argument on the usage line as Click writes one: ``WORDS...``, ``[FILE]`` (Typer
    0.29 wrote ``{words}...``); in Chinese its word (``检索词...``)."""
    name = self.metavar if self.metavar is not None else (self.name or "").upper()
    name = argument_word(self) or name
    if not self.required:
        name = f"[{name}]"
    return f"{name}..." if self.nargs != 1 else name


def _plain_metavars() -> None:
    """Put ``value_word`` and ``_usage_name`` in place of Typer's (once; the help pages'
    tests in tests/unit/cli say if Typer moves them)."""
    typer_core = importlib.import_module("typer.core")
    for name in ("TyperArgument", "TyperOption"):
        cls = getattr(typer_core, name, None)
        if cls is None or getattr(cls.display_type_rich, "yuqing_plain", False):
            continue
        _display_type.yuqing_plain = True  # type: ignore[attr-defined]
        cls.display_type_rich = _display_type
        if hasattr(cls, "_get_number_range_help_str"):
            cls._get_number_range_help_str = _no_range
        if name == "TyperArgument" and hasattr(cls, "_usage_display_name"):
            cls._usage_display_name = _usage_name
        if name == "TyperArgument" and hasattr(cls, "display_name_raw"):
            cls.display_name_raw = property(_argument_name)


# -- "Usage:" and the refusals of a mistyped command line ----------------------------------

USAGE_ZH = "用法："
# Click wraps a usage line counting characters: 用法： is three characters but six
# columns wide, so it is wrapped behind six spaces, which then become the word.
_USAGE_BLANK = " " * 6


class _Formatter(HelpFormatter):
    """Click's help formatter, its usage line opening in the run's language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is not None or _current != "zh":
            super().write_usage(prog, args, prefix)
            return
        start = len(self.buffer)
        super().write_usage(prog, args, _USAGE_BLANK)
        lead = f"{_USAGE_BLANK:>{self.current_indent}}"
        if start < len(self.buffer) and self.buffer[start].startswith(lead):
            first = self.buffer[start]
            self.buffer[start] = lead[: -len(_USAGE_BLANK)] + USAGE_ZH + first[len(lead) :]


class _Context(TyperContext):
    """The context of a ``yuqing`` command: its help formatter is ``_Formatter``."""

    formatter_class = _Formatter


_PARAM_KINDS = {"argument": "参数", "option": "选项", "parameter": "参数"}
_PATH_KINDS = {"File": "文件", "Directory": "目录", "Path": "路径"}

Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _rule(pattern: str, make: Callable[[re.Match[str]], str]) -> Rule:
    return re.compile(pattern, re.DOTALL), make


# Why a value was refused: the part after "Invalid value for '--x': ". Click's and Typer's
# words, and those of pydantic, which converts Typer's values (int, float, bool), for the
# types yuqing's options have. A reason not here (a future library's new wording, a
# message of yuqing's own, already in the run's language) is shown as it came.
_REASONS: tuple[Rule, ...] = (
    _rule(r"Value error, (?P<inner>.*)", lambda m: _reason(m["inner"])),
    _rule(
        r"(?P<value>.+) is not one of (?P<choices>.+)\.",
        lambda m: f"{m['value']} 不是可选值（{m['choices']}）之一。",
    ),
    _rule(r"Choose from:(?P<choices>.*)", lambda m: f"可选值：{m['choices']}"),
    _rule(
        r"Input should be a valid integer, got a number with a fractional part",
        lambda m: "应为整数，不能有小数部分",
    ),
    _rule(r"Input should be a valid integer(?:,.*)?", lambda m: "应为整数"),
    _rule(r"Input should be a valid number(?:,.*)?", lambda m: "应为数字"),
    _rule(r"Input should be a finite number", lambda m: "应为有限的数字"),
    _rule(r"Input should be a valid boolean(?:,.*)?", lambda m: "应为布尔值（true 或 false）"),
    _rule(
        r"Input should be greater than or equal to (?P<n>\S+)", lambda m: f"应大于或等于 {m['n']}"
    ),
    _rule(r"Input should be greater than (?P<n>\S+)", lambda m: f"应大于 {m['n']}"),
    _rule(r"Input should be less than or equal to (?P<n>\S+)", lambda m: f"应小于或等于 {m['n']}"),
    _rule(r"Input should be less than (?P<n>\S+)", lambda m: f"应小于 {m['n']}"),
    _rule(
        r"(?P<kind>File|Directory|Path) (?P<path>.+) does not exist\.",
        lambda m: f"{_PATH_KINDS[m['kind']]} {m['path']} 不存在。",
    ),
    _rule(
        r"(?:File|Directory|Path) (?P<path>.+) is a file\.",
        lambda m: f"{m['path']} 是文件，不是目录。",
    ),
    _rule(
        r"(?:File|Directory|Path) (?P<path>.+) is a directory\.",
        lambda m: f"{m['path']} 是目录，不是文件。",
    ),
    _rule(
        r"(?P<kind>File|Directory|Path) (?P<path>.+) is not readable\.",
        lambda m: f"{_PATH_KINDS[m['kind']]} {m['path']} 不可读。",
    ),
    _rule(
        r"(?P<kind>File|Directory|Path) (?P<path>.+) is not writable\.",
        lambda m: f"{_PATH_KINDS[m['kind']]} {m['path']} 不可写。",
    ),
    _rule(
        r"Value (?P<value>.+) is not a valid (?P<label>\w+)\.",
        lambda m: f"{m['value']} 不是有效的 {m['label']}。",
    ),
)

# A refusal as Click's (vendored) code and Typer's word it, whole.
_REFUSALS: tuple[Rule, ...] = (
    _rule(
        r"No such option: (?P<name>.+?)(?: \(Possible options: (?P<like>.+)\))?",
        lambda m: (
            f"没有此选项：{m['name']}" + (f"（相近的选项：{m['like']}）" if m["like"] else "")
        ),
    ),
    _rule(
        r"No such command (?P<name>.+?)\.(?: Did you mean (?P<like>.+)\?)?",
        lambda m: f"没有此命令：{m['name']}。" + (f"是否要用 {m['like']}？" if m["like"] else ""),
    ),
    _rule(r"Missing command\.", lambda m: "缺少命令。"),
    _rule(
        r"Missing (?P<kind>argument|option|parameter)(?: (?P<hint>.+?))?\.(?: (?P<rest>.+))?",
        lambda m: (
            f"缺少{_PARAM_KINDS[m['kind']]}"
            + (f" {m['hint']}" if m["hint"] else "")
            + "。"
            + (_reason(m["rest"]) if m["rest"] else "")
        ),
    ),
    _rule(r"Option (?P<opt>.+) requires an argument\.", lambda m: f"选项 {m['opt']} 需要一个值。"),
    _rule(
        r"Option (?P<opt>.+) requires (?P<n>\d+) arguments\.",
        lambda m: f"选项 {m['opt']} 需要 {m['n']} 个值。",
    ),
    _rule(r"Option (?P<opt>.+) does not take a value\.", lambda m: f"选项 {m['opt']} 不接受值。"),
    _rule(
        r"Argument (?P<dest>.+) takes (?P<n>\d+) values\.",
        lambda m: f"参数 {m['dest']} 需要 {m['n']} 个值。",
    ),
    _rule(
        r"Got unexpected extra arguments?(?:\(s\))? \((?P<args>.*)\)",
        lambda m: f"多余的参数：{m['args']}",
    ),
    _rule(
        r"Invalid value for (?P<hint>.+?): (?P<reason>.*)",
        lambda m: f"{m['hint']} 的值无效：{_reason(m['reason'])}",
    ),
    _rule(r"Invalid value: (?P<reason>.*)", lambda m: f"值无效：{_reason(m['reason'])}"),
)


def _translated(text: str, rules: Sequence[Rule]) -> str | None:
    for pattern, make in rules:
        match = pattern.fullmatch(text)
        if match:
            return make(match)
    return None


def _reason(text: str) -> str:
    return _translated(text, _REASONS) or text


def click_message(text: str) -> str:
    """A refusal of the command line (Click's and Typer's English) in the run's language.

    What is not recognised (a message yuqing wrote itself, a new wording) is left as it is.
    """
    if _current != "zh":
        return text
    return _translated(text, _REFUSALS) or _reason(text)


class _Refusal(UsageError):
    """A usage error, its message in the run's language, shown in it too.

    Typer shows it with Rich (``rich_format_error``: the usage line from the context's
    formatter, then its translated "Try ..." and "Error" panel); ``show`` is Click's way,
    which Typer takes without Rich (``TYPER_USE_RICH=0``).
    """

    def __init__(self, message: str, ctx: Any, exit_code: int) -> None:
        super().__init__(message, ctx)
        self.exit_code = exit_code

    def show(self, file: IO[Any] | None = None) -> None:
        hint = ""
        color = None
        if self.ctx is not None:
            color = self.ctx.color
            if self.ctx.command.get_help_option(self.ctx) is not None:
                hint = say(
                    "运行 '{command} {option}' 查看帮助。\n",
                    "Try '{command} {option}' for help.\n",
                    command=self.ctx.command_path,
                    option=self.ctx.help_option_names[0],
                )
            echo(f"{self.ctx.get_usage()}\n{hint}", file=file, err=file is None, color=color)
        echo(
            say("错误：{message}", "Error: {message}", message=self.format_message()),
            file=file,
            err=file is None,
            color=color,
        )


def _localised(error: Exception) -> Exception:
    """``error`` as shown in the run's language: as it was in English, or for the help
    that ``no_args_is_help`` shows by raising a usage error."""
    if _current == "en" or type(error).__name__ == "NoArgsIsHelpError":
        return error
    assert isinstance(error, UsageError)
    shown = click_message(error.format_message())
    return _Refusal(shown, error.ctx, getattr(error, "exit_code", 2))


# Click's and Typer's placeholders on a usage line, as the panels below it name them.
_USAGE_PIECES: dict[str, tuple[str, str]] = {
    "[OPTIONS]": ("[选项]", "[OPTIONS]"),
    "COMMAND [ARGS]...": ("命令 [参数]...", "COMMAND [ARGS]..."),
}


def _usage_pieces(command: Any) -> Callable[[Any], list[str]]:
    """``command.collect_usage_pieces``, its placeholders in the run's language.

    Click keeps ``options_metavar`` (and Typer ``subcommand_metavar``) as one string per
    command, fixed when the command is made; the language is known only when the usage
    line is written (``YUQING_LANG`` is read again by the root command), so the words are
    put in then."""
    collect = type(command).collect_usage_pieces

    def pieces(ctx: Any) -> list[str]:
        shown: list[str] = collect(command, ctx)
        return [say(*_USAGE_PIECES[piece]) if piece in _USAGE_PIECES else piece for piece in shown]

    return pieces


def _adopt(command: Any) -> None:
    """Every command under ``command`` makes ``_Context``s (the usage line's formatter)
    and words its usage line's placeholders in the run's language.

    Each command creates its own context from its ``context_class``; set on these
    instances, Typer's classes and every other Typer program keep theirs.
    """
    command.context_class = _Context
    command.collect_usage_pieces = _usage_pieces(command)
    for sub in (getattr(command, "commands", None) or {}).values():
        _adopt(sub)


class LocalisedGroup(TyperGroup):
    """The ``yuqing`` command: Click's words of the command line in the run's language.

    Every refusal of a mistyped command line, the root's own (``yuqing --bogus``) or a
    sub-command's (``yuqing ingest``, ``yuqing feeds add --nope``), passes through here
    on its way to be shown: a subcommand is parsed inside the root's ``invoke``.
    """

    context_class = _Context

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: Any = None,
        **extra: Any,
    ) -> Any:
        if parent is None:
            _adopt(self)
        try:
            return super().make_context(info_name, args, parent, **extra)
        except UsageError as error:
            shown = _localised(error)
            if shown is error:
                raise
            raise shown from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as error:
            shown = _localised(error)
            if shown is error:
                raise
            raise shown from None


# -- Settings that do not load -------------------------------------------------------------

# Where a setting's value came from, as ``yuqing.settings.setting_origins`` words it.
_ORIGINS_ZH: tuple[Rule, ...] = (
    _rule(r"environment (?P<name>.+)", lambda m: f"环境变量 {m['name']}"),
    _rule(r"default", lambda m: "默认值"),
    _rule(r"given by the command", lambda m: "由命令行指定"),
    _rule(r"the configuration", lambda m: "配置"),
)

# The validators' own refusals of a setting (``setting.*``), and the refusals of the
# settings file (``config.*``).
_SETTING_ZH: dict[str, str] = {
    "setting.not_whole": "应为整数，不能是 true/false",
    "setting.not_seconds": "应为秒数，不能是 true/false",
    "setting.not_switch": "应为 true 或 false",
    "setting.unknown_zone": "未知的时区 {value!r}（如 'Asia/Shanghai'）",
    "setting.unknown": "不是 yuqing 的配置项（yuqing config show 列出全部配置项）",
    "config.chosen_missing": "YUQING_CONFIG={file}：没有这个文件",
    "config.chosen_folder": "YUQING_CONFIG={file}：这是文件夹，不是文件",
    "config.folder": "{file}：这是文件夹，不是配置文件",
    "config.not_json": "{key}：不是有效的 JSON（来自 {where}）",
    "config.unreadable": "{key}：无法读取（来自 {where}）",
    "config.toml": "{file}：不是有效的 TOML（{detail}）",
    "config.toml_at": "{file}：不是有效的 TOML（第 {line} 行第 {column} 列）：{detail}",
    "config.not_utf8": "{file}：不是 UTF-8 编码（第 {byte} 个字节）",
    "config.file_unreadable": "{file}：无法读取（{detail}）",
}


def origin_text(origin: str) -> str:
    """Where a setting came from (``setting_origins``' words) in the run's language."""
    if _current != "zh":
        return origin
    return _translated(origin, _ORIGINS_ZH) or origin  # a settings file's path


def config_error_text(error: BaseException) -> str:
    """Settings that do not load (a ``ConfigError``), in the run's language: each refused
    setting by its key, why (pydantic's words put as ``yuqing.core.validation`` does for
    a plan) and where its value came from. A message with no Chinese is shown as it is."""
    from yuqing.core.reasons import Reason
    from yuqing.core.validation import inner_zh, toml_zh, value_zh
    from yuqing.settings import InvalidSettings

    if _current != "zh":
        return str(error)

    def said(reason: Reason) -> str:
        if reason.code.startswith("value."):
            return value_zh(reason, _SETTING_ZH) or str(reason)
        params = dict(reason.params)
        if "where" in params:
            params["where"] = origin_text(str(params["where"]))
        detail = params.get("detail")
        if isinstance(detail, Reason) and detail.code.startswith("toml."):
            # A kind of TOML error not known in Chinese is shown in tomllib's English,
            # its position (the template's) in Chinese all the same.
            params["detail"] = toml_zh(detail) or str(detail)
        return inner_zh(Reason(str(reason), reason.code, params), _SETTING_ZH) or str(reason)

    if isinstance(error, InvalidSettings):
        problems = "；".join(
            f"{p.key}：{said(p.reason)}（来自 {origin_text(p.where)}）" for p in error.problems
        )
        return f"配置无效：{problems}"
    first = error.args[0] if error.args else None
    if isinstance(first, Reason):
        return said(first)
    return str(error)
