"""A Jinja sandbox for untrusted chat templates that also bounds what a render may cost.

Jinja's sandbox stops escapes (no `__class__`, no file access) but not denial of service:
`'x' * 10**10`, a string doubled in a loop, `'%0999999999d' | format(1)`, nested loops or
macros that recurse exponentially. A GGUF file's template is untrusted input, so here:

- every operation that can make a big value in one step (`*`, `**`, `+`, `%`, `~`, buffer joins,
  padding and replacing methods and filters) is checked *before* it runs, against a size limit
  that scales with the conversation (a template only ever repeats its messages a few times);
- every block the template executes (loop bodies, branches, macro bodies) ticks a step counter
  that is compiled into the template: past a step or wall-clock budget, or when the caller
  cancels, the render stops with one sentence.

The tick is one method call per executed block: negligible next to what the block itself does
(measured in tests/test_prompt_sandbox.py on the real gpt-oss template).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

import jinja2
import jinja2.ext
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.sandbox import ImmutableSandboxedEnvironment

from reasoner_desktop.inference.errors import GenerationError

# A width, padding or count argument larger than this is refused (no chat template pads 100k).
MAX_WIDTH = 100_000
# Bits of an integer result (10**30000 has ~100k bits).
MAX_INT_BITS = 100_000
# The size limit of any value and of the whole output: this floor plus a multiple of the input.
MIN_OUTPUT_CHARS = 4_000_000
OUTPUT_PER_INPUT_CHAR = 8
# Memory this process may grow by during one render (checked with the clock, and after every
# MEMORY_CHECK_CHARS characters made): catches many values that are each under the size limit.
MEMORY_LIMIT_BYTES = 512 * 2**20
MEMORY_CHECK_CHARS = 8_000_000
# Executed blocks (loop iterations, branches taken, macro calls) per render: a real template
# spends a few per message; this allows conversations of ~100k messages.
MAX_STEPS = 2_000_000
TIME_LIMIT_S = 5.0
_CHECK_EVERY = 1024  # steps between clock / cancel checks

_SENTENCE_TAIL = "the template in this model file may be broken or hostile."


class TemplateLimitError(GenerationError):
    """A chat template render that went over a budget; str() is the one sentence to show."""


class RenderCancelled(GenerationError):
    """The caller cancelled while the prompt was being rendered."""

    def __init__(self) -> None:
        super().__init__("Stopped while the prompt was being prepared.")


def too_long(limit_s: float) -> TemplateLimitError:
    return TemplateLimitError(f"The model's chat template took too long to render (over {limit_s:g} s) and was "
                              f"stopped; {_SENTENCE_TAIL}")


def too_big(limit: int) -> TemplateLimitError:
    return TemplateLimitError(f"The model's chat template made too much text (over {limit:,} characters) and was "
                              f"stopped; {_SENTENCE_TAIL}")


@dataclass(slots=True)
class RenderBudget:
    """What one render may spend. `cancel` is polled with the clock."""

    max_chars: int = MIN_OUTPUT_CHARS
    max_steps: int = MAX_STEPS
    time_limit: float = TIME_LIMIT_S
    cancel: Callable[[], bool] | None = None
    memory_limit: int = MEMORY_LIMIT_BYTES
    steps: int = 0
    deadline: float = field(default=0.0)
    rss_at_start: int | None = None

    def start(self) -> RenderBudget:
        self.steps = 0
        self.deadline = time.monotonic() + self.time_limit
        self.rss_at_start = None  # read at the first memory check: a short render never reads it
        return self

    def check(self) -> None:
        if self.steps > self.max_steps or time.monotonic() > self.deadline:
            raise too_long(self.time_limit)
        if self.cancel is not None and self.cancel():
            raise RenderCancelled()
        self.check_memory()

    def check_memory(self) -> None:
        rss = _rss_bytes()
        if self.rss_at_start is None:
            self.rss_at_start = rss
        elif rss is not None and rss - self.rss_at_start > self.memory_limit:
            raise TemplateLimitError(f"The model's chat template used too much memory (over "
                                     f"{self.memory_limit // 2**20} MB) and was stopped; {_SENTENCE_TAIL}")


def _rss_bytes() -> int | None:
    """This process's resident memory: /proc on Linux (a few microseconds), psutil elsewhere if present."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil

        return psutil.Process().memory_info().rss
    except Exception:  # noqa: BLE001 - no psutil, or no access: no memory watchdog
        return None


try:
    _PAGE = os.sysconf("SC_PAGE_SIZE")
except (AttributeError, ValueError, OSError):  # Windows
    _PAGE = 4096


class _Active(threading.local):
    budget: RenderBudget | None = None


_active = _Active()


def _limit() -> int:
    budget = _active.budget
    return budget.max_chars if budget is not None else MIN_OUTPUT_CHARS


def _check_size(n: int) -> None:
    if n > MIN_OUTPUT_CHARS:  # under the floor no limit is exceeded: skip the lookup
        limit = _limit()
        if n > limit:
            raise too_big(limit)


def _check_width(n) -> None:
    if isinstance(n, int) and not isinstance(n, bool) and abs(n) > MAX_WIDTH:
        raise TemplateLimitError(f"The model's chat template asked for a width or count of {n:,} and was stopped; "
                                 f"{_SENTENCE_TAIL}")


_made = 0  # characters made by checked operations since the last memory check (any thread: only a trigger)


def _count(n: int) -> None:
    global _made
    _made += n
    if _made > MEMORY_CHECK_CHARS:
        _made = 0
        budget = _active.budget
        if budget is not None:
            budget.check_memory()


def _check_result(value):
    if isinstance(value, (str, list, tuple, dict)):
        n = len(value)
        _check_size(n)
        _count(n)
    return value


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_percent_format(fmt: str, args) -> None:
    """`'%0999999999d' % 1` allocates a gigabyte: refuse big widths, and `*` widths taken from args."""
    star = False
    for match in _PERCENT_SPEC.finditer(fmt):
        for group in match.groups():
            if group == "*":
                star = True
            elif group:
                _check_width(int(group))
    if star:
        for arg in args if isinstance(args, tuple) else (args,):
            _check_width(arg)


def _check_brace_format(fmt: str, args, kwargs) -> None:
    """`'{:>999999999}'.format(x)`: refuse big widths in format specs (nested fields read args)."""
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError:
        return  # the real call raises a clear error
    for _literal, _field, spec, _conv in parsed:
        if spec:
            for digits in re.findall(r"\d+", spec):
                _check_width(int(digits))
            if "{" in spec:
                for value in (*args, *kwargs.values()):
                    _check_width(value)


def _projected_replace(s: str, old, new, count=None) -> int:
    if not isinstance(old, str) or not isinstance(new, str):
        return len(s)
    n = len(s) + 1 if old == "" else s.count(old)
    if isinstance(count, int) and count >= 0:
        n = min(n, count)
    return len(s) + n * max(0, len(new) - len(old))


def _projected_join(items, sep="") -> int:
    if not isinstance(items, (list, tuple)):
        return 0  # a generator: checked after the join
    return sum(len(x) if isinstance(x, str) else 16 for x in items) + len(str(sep)) * max(0, len(items) - 1)


# -- methods and filters ----------------------------------------------------------------

def _precheck_str_method(s: str, name: str, args, kwargs) -> None:
    if name in ("center", "ljust", "rjust", "zfill"):
        _check_width(args[0] if args else kwargs.get("width"))
    elif name == "expandtabs":
        tabsize = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(tabsize, int):
            _check_size(len(s) + s.count("\t") * max(0, tabsize))
    elif name == "replace" and len(args) >= 2:
        _check_size(_projected_replace(s, *args[:3]))
    elif name == "join" and args:
        _check_size(_projected_join(args[0], s))


def _precheck_filter(name: str, args: tuple, kwargs: dict) -> None:
    value = args[0] if args else None
    rest = args[1:]
    if name == "center":
        _check_width(rest[0] if rest else kwargs.get("width"))
    elif name in ("wordwrap", "batch", "slice"):
        arg = rest[0] if rest else kwargs.get({"wordwrap": "width", "batch": "linecount"}.get(name, "slices"))
        _check_width(arg)
    elif name == "indent" and isinstance(value, str):
        width = rest[0] if rest else kwargs.get("width", 4)
        per_line = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        _check_width(per_line)
        _check_size(len(value) + (value.count("\n") + 1) * max(0, per_line))
    elif name == "format" and isinstance(value, str):
        _check_percent_format(value, rest)
    elif name == "replace" and isinstance(value, str) and len(rest) >= 2:
        _check_size(_projected_replace(value, *rest[:3]))
    elif name == "join":
        _check_size(_projected_join(value, rest[0] if rest else kwargs.get("d", "")))
    elif name == "tojson":
        indent = rest[0] if rest else kwargs.get("indent")
        size = indent if isinstance(indent, int) else len(indent) if isinstance(indent, str) else 0
        if size > 64:
            raise TemplateLimitError(f"The model's chat template asked for a JSON indent of {size:,} and was "
                                     f"stopped; {_SENTENCE_TAIL}")


def _bounded_filter(name: str, func: Callable) -> Callable:
    passes_context = hasattr(func, "jinja_pass_arg")

    @wraps(func)  # keeps jinja_pass_arg: the context / eval context / environment still comes first
    def bounded(*args, **kwargs):
        _precheck_filter(name, args[1:] if passes_context else args, kwargs)
        return _check_result(func(*args, **kwargs))

    return bounded


# -- binary operators ---------------------------------------------------------------------

def _too_large_number() -> TemplateLimitError:
    return TemplateLimitError(f"The model's chat template asked for a number too large and was stopped; {_SENTENCE_TAIL}")


def _int_bits(value) -> int:
    return abs(value).bit_length() if isinstance(value, int) else 0


def _mul(left, right):
    if isinstance(left, int) and isinstance(right, (str, list, tuple)):
        left, right = right, left
    if isinstance(left, (str, list, tuple)) and isinstance(right, int):
        _check_size(len(left) * max(0, right))
    elif isinstance(left, int) and isinstance(right, int) and _int_bits(left) + _int_bits(right) > MAX_INT_BITS:
        raise _too_large_number()
    return left * right


def _pow(left, right):
    if isinstance(left, int) and isinstance(right, int) and right > 0 and max(1, _int_bits(left)) * right > MAX_INT_BITS \
            and abs(left) > 1:
        raise _too_large_number()
    return left ** right


def _add(left, right):
    if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
        n = len(left) + len(right)
        _check_size(n)
        _count(n)
    return left + right


def _mod(left, right):
    if isinstance(left, str):
        _check_percent_format(left, right)
        return _check_result(left % right)
    return left % right


_BINOPS = {"*": _mul, "**": _pow, "+": _add, "%": _mod}


# -- compiled-in step counting --------------------------------------------------------------

class _CountingCodeGenerator(CodeGenerator):
    """Compiles a tick into every executed block, and `~` into a size-checked join."""

    def blockvisit(self, nodes_: list[nodes.Node], frame: Frame) -> None:
        self.writeline("environment.tick()")
        super().blockvisit(nodes_, frame)

    def buffer(self, frame: Frame) -> None:
        # The buffers of {% set %}…{% endset %}, macros, call and filter blocks count what they hold.
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = environment.output_buffer()")

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.join_checked((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class _OutputBuffer(list):
    """A template buffer that refuses to hold more than the size limit."""

    __slots__ = ("chars",)

    def __init__(self) -> None:
        super().__init__()
        self.chars = 0

    def append(self, item) -> None:
        self.chars += len(item)
        _check_size(self.chars)
        _check_result(item)  # counts towards the memory check
        super().append(item)

    def extend(self, items) -> None:
        for item in items:
            self.append(item)


class _IgnoreGenerationTags(jinja2.ext.Extension):
    """HF templates may wrap assistant turns in {% generation %}: render the body as is."""

    tags = {"generation"}

    def parse(self, parser):
        parser.stream.skip(1)
        return parser.parse_statements(("name:endgeneration",), drop_needle=True)


def _raise_exception(message: str):
    raise jinja2.TemplateError(message)


def _tojson(value, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # Like Hugging Face's: no HTML escaping, json.dumps options exposed.
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The environment Hugging Face renders chat templates in (immutable sandbox, trim_blocks,
    lstrip_blocks, loopcontrols, `tojson`, `raise_exception`, `strftime_now`), with bounded costs."""

    code_generator_class = _CountingCodeGenerator
    intercepted_binops = frozenset(_BINOPS)

    def __init__(self, now: Callable[[], object] | None = None) -> None:
        super().__init__(loader=jinja2.BaseLoader(), trim_blocks=True, lstrip_blocks=True,
                         extensions=[_IgnoreGenerationTags, jinja2.ext.loopcontrols])
        self.filters["tojson"] = _tojson
        self.filters = {name: _bounded_filter(name, func) for name, func in self.filters.items()}
        self.globals.pop("lipsum", None)  # lorem ipsum of any length; no chat template uses it
        self.globals["raise_exception"] = _raise_exception
        clock = now or datetime.datetime.now
        self.globals["strftime_now"] = lambda fmt: clock().strftime(fmt)

    # Compiled into the templates (see _CountingCodeGenerator).
    @staticmethod
    def tick() -> None:
        budget = _active.budget
        if budget is not None:
            budget.steps += 1
            if not budget.steps % _CHECK_EVERY:
                budget.check()

    output_buffer = _OutputBuffer

    @staticmethod
    def join_checked(values) -> str:
        parts = [str(v) for v in values]
        _check_size(sum(map(len, parts)))
        return "".join(parts)

    @staticmethod
    def concat(parts) -> str:  # joins every {% set %}…{% endset %} / macro / filter-block buffer, and render()
        parts = parts if isinstance(parts, list) else list(parts)
        _check_size(sum(map(len, parts)))
        return "".join(parts)

    def call_binop(self, context, operator_: str, left, right):
        if operator_ == "+":  # the common one (templates build strings with it): checked before, counted
            return _add(left, right)
        return _check_result(_BINOPS[operator_](left, right))

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - jinja's signature
        target = getattr(__obj, "__wrapped__", __obj)  # str.format is wrapped by the sandbox
        owner = getattr(target, "__self__", None)
        if isinstance(owner, str):
            name = getattr(target, "__name__", "")
            if name == "format":
                _check_brace_format(owner, args, kwargs)
            elif name == "format_map":
                _check_brace_format(owner, (), args[0] if args and isinstance(args[0], dict) else {})
            else:
                _precheck_str_method(owner, name, args, kwargs)
        return _check_result(super().call(__context, __obj, *args, **kwargs))


def render_bounded(template: jinja2.Template, budget: RenderBudget, context: dict) -> str:
    """Render with `budget` active on this thread; over-budget renders raise TemplateLimitError."""
    outer, _active.budget = _active.budget, budget.start()
    try:
        out: list[str] = []
        total = 0
        for chunk in template.generate(**context):
            total += len(chunk)
            if total > budget.max_chars:
                raise too_big(budget.max_chars)
            out.append(chunk)
        return "".join(out)
    except RecursionError:
        raise TemplateLimitError(f"The model's chat template nests too deeply and was stopped; {_SENTENCE_TAIL}") \
            from None
    except OverflowError as exc:  # Jinja's range() over 100,000 items, a float too large
        raise TemplateLimitError(f"The model's chat template asked for too much ({exc}) and was stopped; "
                                 f"{_SENTENCE_TAIL}") from None
    except MemoryError:
        raise too_big(budget.max_chars) from None
    finally:
        _active.budget = outer


def input_chars(value) -> int:
    """Characters of text in the render's input (messages and switches), to scale the size limit."""
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return total


def budget_for(context: dict, *, time_limit: float = TIME_LIMIT_S, max_steps: int = MAX_STEPS,
               cancel: Callable[[], bool] | None = None) -> RenderBudget:
    return RenderBudget(max_chars=MIN_OUTPUT_CHARS + OUTPUT_PER_INPUT_CHAR * input_chars(context),
                        max_steps=max_steps, time_limit=time_limit, cancel=cancel)


__all__ = ["BoundedSandbox", "RenderBudget", "RenderCancelled", "TemplateLimitError", "budget_for",
           "render_bounded"]
