"""Chat templates: the model's own (run in a bounded sandbox), what it reads, and fallbacks.

What a template can do is read from its syntax tree, not from substrings of its source (a
comment or an unrelated string must not count): which switches it reads from the render's
context (`enable_thinking`: Qwen3; `thinking`: DeepSeek-V3.1; `reasoning_effort`: gpt-oss), how
it takes an earlier thought (a `reasoning_content` / `thinking` field, Mistral's `thinking`
content blocks, or neither), and which reasoning delimiters its literal text writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import jinja2
import jinja2.meta
from jinja2 import nodes

from reasoner_desktop.domain.reasoning import ReasoningFormat, detect_format
from reasoner_desktop.inference.template_sandbox import (
    MAX_STEPS,
    TIME_LIMIT_S,
    BoundedSandbox,
    budget_for,
    render_bounded,
)

# Boolean thinking switches a template may read, in Hugging Face's `apply_chat_template(**kwargs)` sense.
THINKING_SWITCHES = ("enable_thinking", "thinking")
EFFORT_SWITCH = "reasoning_effort"  # gpt-oss: low | medium | high
REASONING_FIELDS = ("reasoning_content", "thinking")  # the names HF passes an earlier thought under

# -- fallbacks for a GGUF file without a chat template, chosen by its vocabulary -------------

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
# Gemma has no system role: like Gemma's own template, the system text opens the first user turn.
GEMMA_TEMPLATE = (
    "{{ bos_token }}{% set ns = namespace(system='') %}"
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}{% set ns.system = ns.system + message['content'] + '\n\n' %}"
    "{% elif message['role'] == 'user' %}"
    "{{ '<start_of_turn>user\n' + ns.system + message['content'] + '<end_of_turn>\n' }}{% set ns.system = '' %}"
    "{% else %}{{ '<start_of_turn>model\n' + message['content'] + '<end_of_turn>\n' }}{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<start_of_turn>model\n' }}{% endif %}"
)
LLAMA3_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)
# Mistral's instruct format has no generation prompt: the answer follows [/INST].
MISTRAL_TEMPLATE = (
    "{{ bos_token }}{% set ns = namespace(system='') %}"
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}{% set ns.system = ns.system + message['content'] + '\n\n' %}"
    "{% elif message['role'] == 'user' %}{{ '[INST]' + ns.system + message['content'] + '[/INST]' }}"
    "{% set ns.system = '' %}"
    "{% else %}{{ message['content'] + eos_token }}{% endif %}"
    "{% endfor %}"
)
PLAIN_TEMPLATE = (
    "{% for message in messages %}{{ message['role'] | capitalize + ': ' + message['content'] + '\n\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)

# (name, special tokens that must all be in the vocabulary, template), first match wins.
FALLBACKS: tuple[tuple[str, frozenset[str], str], ...] = (
    ("Gemma", frozenset({"<start_of_turn>", "<end_of_turn>"}), GEMMA_TEMPLATE),
    ("Llama 3", frozenset({"<|start_header_id|>", "<|end_header_id|>"}), LLAMA3_TEMPLATE),
    ("Mistral [INST]", frozenset({"[INST]", "[/INST]"}), MISTRAL_TEMPLATE),
    ("ChatML", frozenset({"<|im_start|>", "<|im_end|>"}), CHATML_TEMPLATE),
)
PLAIN_NAME = "plain User/Assistant"
# Every string a fallback looks for: the engine asks the vocabulary about these only.
FALLBACK_MARKERS = frozenset().union(*(markers for _, markers, _ in FALLBACKS))


def fallback_template(special_tokens: Iterable[str]) -> tuple[str, str]:
    """(name, template) for a model without a chat template, chosen by its vocabulary's special tokens."""
    have = set(special_tokens)
    for name, markers, source in FALLBACKS:
        if markers <= have:
            return name, source
    return PLAIN_NAME, PLAIN_TEMPLATE


def no_template_note(name: str) -> str:
    return f"This model file has no chat template; using the {name} format (chosen from its vocabulary) instead."


def unreadable_template_note(name: str, error: jinja2.TemplateSyntaxError) -> str:
    return (f"This model file's chat template cannot be read (line {error.lineno}: {error.message}); "
            f"using the {name} format (chosen from its vocabulary) instead.")


# -- what a template reads ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TemplateTraits:
    format: ReasoningFormat  # from the delimiters its literal text writes
    variables: frozenset[str]  # names it reads from the render's context
    thinking_switches: tuple[str, ...]  # the boolean switches among them (THINKING_SWITCHES)
    reads_effort: bool  # reasoning_effort
    reasoning_field: bool  # reads an earlier thought from a message's reasoning_content / thinking
    thinking_blocks: bool  # takes content blocks of type "thinking" (Mistral's templates)
    literals: str  # its literal text (string constants and template data), NUL-separated


def _names_read(ast: nodes.Template) -> set[str]:
    """Attribute and item names the template reads (`m.thinking`, `m['thinking']`, `'thinking' in m`)."""
    names = {n.attr for n in ast.find_all(nodes.Getattr)}
    names |= {n.arg.value for n in ast.find_all(nodes.Getitem)
              if isinstance(n.arg, nodes.Const) and isinstance(n.arg.value, str)}
    for cmp in ast.find_all(nodes.Compare):
        if isinstance(cmp.expr, nodes.Const) and isinstance(cmp.expr.value, str) and cmp.ops[0].op in ("in", "notin"):
            names.add(cmp.expr.value)
    return names


def _compares_type_to_thinking(ast: nodes.Template) -> bool:
    """`block['type'] == 'thinking'` (either way round): the template walks typed content blocks."""
    def is_type(n):
        return (isinstance(n, nodes.Getattr) and n.attr == "type") or (
            isinstance(n, nodes.Getitem) and isinstance(n.arg, nodes.Const) and n.arg.value == "type")

    def is_thinking(n):
        return isinstance(n, nodes.Const) and n.value == "thinking"

    for cmp in ast.find_all(nodes.Compare):
        for op in cmp.ops:
            if op.op in ("eq", "ne") and ((is_type(cmp.expr) and is_thinking(op.expr))
                                          or (is_thinking(cmp.expr) and is_type(op.expr))):
                return True
    return False


@lru_cache(maxsize=32)
def analyze(source: str) -> TemplateTraits:
    """Parse a template (nothing runs) and say what it reads and writes. Raises TemplateSyntaxError."""
    ast = BoundedSandbox().parse(source)
    variables = frozenset(jinja2.meta.find_undeclared_variables(ast))
    literals = "\0".join([n.value for n in ast.find_all(nodes.Const) if isinstance(n.value, str)]
                         + [n.data for n in ast.find_all(nodes.TemplateData)])
    names = _names_read(ast)
    return TemplateTraits(
        format=detect_format(literals),
        variables=variables,
        thinking_switches=tuple(s for s in THINKING_SWITCHES if s in variables),
        reads_effort=EFFORT_SWITCH in variables,
        reasoning_field=any(f in names for f in REASONING_FIELDS),
        thinking_blocks=_compares_type_to_thinking(ast),
        literals=literals,
    )


def template_format(source: str | None) -> ReasoningFormat:
    """The reasoning format a GGUF chat template writes (NONE for none, or one that cannot be read)."""
    if not source:
        return ReasoningFormat.NONE
    try:
        return analyze(source).format
    except jinja2.TemplateSyntaxError:
        return ReasoningFormat.NONE


# -- the template -------------------------------------------------------------------------------

class ChatTemplate:
    """A chat template compiled in a bounded sandbox (templates are untrusted input).

    `special_tokens`: the special-token strings of the model's vocabulary, used to pick a
    fallback when the file has no template (or one that cannot be read). `now`: the clock behind
    `strftime_now` (for tests).
    """

    def __init__(self, source: str | None, *, bos_token: str = "", eos_token: str = "",
                 special_tokens: Iterable[str] = (), now: Callable[[], object] | None = None) -> None:
        self.notes: list[str] = []
        self.fallback: str | None = None  # the fallback's name when the file's template is not used
        self.bos_token = bos_token
        self.eos_token = eos_token
        self._env = BoundedSandbox(now)
        if source:
            try:
                self.traits = analyze(source)
                self._template = self._env.from_string(source)
                self.source = source
            except jinja2.TemplateSyntaxError as exc:
                self.fallback, fallback = fallback_template(special_tokens)
                self.notes.append(unreadable_template_note(self.fallback, exc))
                self._use(fallback)
        else:
            self.fallback, fallback = fallback_template(special_tokens)
            self.notes.append(no_template_note(self.fallback))
            self._use(fallback)
        self.format = self.traits.format

    def _use(self, source: str) -> None:
        self.source = source
        self.traits = analyze(source)
        self._template = self._env.from_string(source)

    @property
    def thinks_natively(self) -> bool:
        return self.format is not ReasoningFormat.NONE

    @property
    def thinking_switches(self) -> tuple[str, ...]:
        return self.traits.thinking_switches

    @property
    def can_disable_thinking(self) -> bool:
        """The template has a switch that turns thinking off (gpt-oss's low effort still thinks)."""
        return bool(self.traits.thinking_switches)

    def render(self, messages: list[dict], *, add_generation_prompt: bool = True,
               cancel: Callable[[], bool] | None = None, time_limit: float = TIME_LIMIT_S,
               max_steps: int = MAX_STEPS, **switches) -> str:
        """Render like Hugging Face's apply_chat_template(tokenize=False): the same environment and
        the same context (special tokens, tools=None, documents=None, the switches as kwargs).

        Raises jinja2.TemplateError (the template refused the conversation), TemplateLimitError (over
        budget: time, steps, size, memory, nesting) or RenderCancelled (`cancel()` became true)."""
        context = {"messages": messages, "tools": None, "documents": None,
                   "add_generation_prompt": add_generation_prompt,
                   "bos_token": self.bos_token, "eos_token": self.eos_token, **switches}
        budget = budget_for(context, time_limit=time_limit, max_steps=max_steps, cancel=cancel)
        try:
            return render_bounded(self._template, budget, context)
        except (TypeError, ValueError, AttributeError, LookupError, ArithmeticError) as exc:
            # A template's own bug (`'a' + 1`, a missing key): the same kind of error as raise_exception.
            raise jinja2.TemplateRuntimeError(f"{type(exc).__name__}: {exc}") from None
