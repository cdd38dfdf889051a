"""Chat templates are untrusted: a hostile one gets one sentence, never a hang or a gigabyte."""

import json
from pathlib import Path

import jinja2
import pytest

from reasoner_desktop.inference.errors import GenerationError
from reasoner_desktop.inference.template_sandbox import (
    MAX_STEPS,
    RenderBudget,
    RenderCancelled,
    TemplateLimitError,
    render_bounded,
)
from reasoner_desktop.inference.templates import ChatTemplate

FIXTURES = Path(__file__).parent / "fixtures" / "templates"
SMALL = {"max_steps": 100_000, "time_limit": 60.0}  # the step budget stops these in well under a second

HOSTILE = {
    "string times a huge number": "{{ 'x' * 10**10 }}",
    "a string doubled in a loop with ~": "{% set ns = namespace(s='x') %}{% for i in range(64) %}"
                                         "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "a string doubled in a loop with +": "{% set ns = namespace(s='x') %}{% for i in range(64) %}"
                                         "{% set ns.s = ns.s + ns.s %}{% endfor %}",
    "a list doubled in a loop": "{% set ns = namespace(l=[1]) %}{% for i in range(64) %}"
                                "{% set ns.l = ns.l + ns.l %}{% endfor %}",
    "a string joined with itself": "{% set ns = namespace(s='xy') %}{% for i in range(64) %}"
                                   "{% set ns.s = [ns.s, ns.s] | join %}{% endfor %}",
    "replace('', s)": "{% set ns = namespace(s='xy') %}{% for i in range(64) %}"
                      "{% set ns.s = ns.s | replace('', ns.s) %}{% endfor %}",
    "a huge range": "{{ range(10**9) | list | length }}",
    "nested loops": "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
    "endless recursion": "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "exponential recursion": "{% macro f(n) %}{% if n < 60 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}{% endmacro %}"
                             "{{ f(0) }}",
    "%-format width": "{{ '%0999999999d' | format(1) }}",
    "%-format * width": "{{ '%*d' % (999999999, 1) }}",
    "str.format width": "{{ '{:>999999999}'.format(1) }}",
    "center": "{{ 'x'.center(10**9) }}",
    "ljust via the filter": "{{ 'x' | center(999999999) }}",
    "indent": "{{ ('\\n' * 100000) | indent(99999) }}",
    "a huge power": "{{ 9 ** 999999 }}",
    "tojson indent": "{{ [[[[1]]]] | tojson(indent=99999999) }}",
    "a big set block": "{% set x %}{% for i in range(100000) %}{{ 'y' * 90000 }}{% endfor %}{% endset %}{{ x | length }}",
    "big output": "{% for i in range(100000) %}{{ 'y' * 90000 }}{% endfor %}",
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_template_is_stopped_with_one_sentence(source):
    with pytest.raises(TemplateLimitError) as info:
        ChatTemplate(source).render([], **SMALL)
    assert isinstance(info.value, GenerationError)  # the engine hands it on as it is
    message = str(info.value)
    assert message.startswith("The model's chat template ") and message.endswith("may be broken or hostile.")
    assert "\n" not in message


def test_lorem_ipsum_of_any_length_is_not_there():
    with pytest.raises(jinja2.UndefinedError, match="lipsum"):
        ChatTemplate("{{ lipsum(10**9) }}").render([], **SMALL)


@pytest.mark.timeout(60)
def test_many_values_each_under_the_size_limit_are_stopped_by_memory():
    source = ("{% set ns = namespace(l=[]) %}{% for i in range(100000) %}"
              "{% set ns.l = ns.l + ['y' * 3000000 ~ i] %}{% endfor %}")
    template = ChatTemplate(source)
    with pytest.raises(TemplateLimitError, match="used too much memory"):
        render_bounded(template._template, RenderBudget(memory_limit=64 * 2**20, time_limit=60.0), {})


def test_the_time_budget_stops_a_render():
    with pytest.raises(TemplateLimitError, match=r"took too long to render \(over 0.01 s\)"):
        ChatTemplate(HOSTILE["nested loops"]).render([], max_steps=10**12, time_limit=0.01)


def test_cancel_stops_a_render():
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(RenderCancelled):
        ChatTemplate(HOSTILE["nested loops"]).render([], max_steps=10**12, time_limit=60.0, cancel=cancel)
    assert len(calls) == 3


def test_the_limits_scale_with_the_conversation():
    """A long conversation is not mistaken for an attack: the size limit grows with the input."""
    template = ChatTemplate((FIXTURES / "qwen3-0.6b.jinja").read_text(encoding="utf-8"))
    big = "word " * 1_000_000  # 5 MB in one message: over the 4M floor on its own
    text = template.render([{"role": "user", "content": big}])
    assert big in text


def test_real_templates_use_a_tiny_part_of_the_step_budget():
    """The step budget is far from what real templates need: a few steps per message."""
    messages = []
    for i in range(500):
        messages += [{"role": "user", "content": f"question {i}"}, {"role": "assistant", "content": f"answer {i}"}]
    messages.append({"role": "user", "content": "last"})
    for name in ("gpt-oss-120b.jinja", "qwen3-0.6b.jinja", "deepseek-v3.1.jinja", "llama-3.1-8b-instruct.jinja"):
        template = ChatTemplate((FIXTURES / name).read_text(encoding="utf-8"))
        budget = RenderBudget()
        render_bounded(template._template, budget, {"messages": messages, "add_generation_prompt": True,
                                                     "bos_token": "", "eos_token": ""})
        assert budget.steps / len(messages) < 20, name
        assert budget.steps * 100 < MAX_STEPS  # room for conversations 100 times longer


def test_templates_still_render_everything_hugging_face_does():
    """The bounded environment keeps HF's helpers: tojson without HTML escaping, raise_exception,
    strftime_now, loop controls, namespace, the {% generation %} tag."""
    source = ("{% set ns = namespace(n=0) %}{% for m in messages %}{% if loop.index > 2 %}{% break %}{% endif %}"
              "{% generation %}{{ m | tojson }}{% endgeneration %}{% set ns.n = ns.n + 1 %}{% endfor %}"
              "{{ ns.n }} {{ strftime_now('%Y') | length }}")
    text = ChatTemplate(source).render([{"role": "user", "content": "<b>&"}] * 3)
    assert text == json.dumps({"role": "user", "content": "<b>&"}, ensure_ascii=False) * 2 + "2 4"


CONSTRUCTS = [
    "{% macro m(x) %}{% for i in range(3) %}{{ x ~ i }}{% endfor %}{{ caller() if caller }}{% endmacro %}"
    "{% set y %}{{ m(1) }}{% endset %}[{% filter upper %}{{ y }}{% endfilter %}]{% call m(2) %}inner{% endcall %}"
    "{% with q = 1 %}{{ q }}{% endwith %}",
    "{% for a in [[1, [2]], [3]] recursive %}({{ loop.depth }}{% if a is iterable %}{{ loop(a) }}{% endif %}){% endfor %}",
    "{{ '%05.1f|%-4s|%(k)s' % (3.14159, 'ab', ) if false else '%05.1f|%-4s' % (3.14159, 'ab') }}"
    "{{ '{:>6}|{:^5}'.format('r', 'c') }}{{ 'a-b'.replace('-', '+') }}{{ 'ab'.center(6, '*') }}{{ 'x' * 3 }}"
    "{{ [1, 2] + [3] }}{{ 2 ** 10 }}{{ 7 % 3 }}{{ 'a\tb'.expandtabs(4) }}{{ ', '.join(['p', 'q']) }}",
    "{{ 'text\nmore' | indent(2, first=true) }}|{{ 'long words here' | wordwrap(5) }}|{{ [1,2,3,4,5] | batch(2) | list }}"
    "|{{ 'Hello' | replace('l', 'L') }}|{{ ['a', 'b'] | join('-') }}|{{ {'k': [1]} | tojson(indent=2) }}"
    "|{{ 'abc' | format() }}|{{ '%s-%s' | format(1, 2) }}|{{ [3, 1] | sort | join }}",
]


@pytest.mark.parametrize("source", CONSTRUCTS)
def test_the_bounds_change_no_output(source):
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    plain = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True).from_string(source).render()
    assert ChatTemplate(source).render([]) == plain
