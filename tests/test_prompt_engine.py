"""The engine with the real bundled model, its GGUF rewritten to carry another chat template (or none)."""

import shutil
import struct

import gguf
import pytest

from reasoner_desktop.domain.events import AnswerDelta, Done, ThinkingDelta
from reasoner_desktop.domain.messages import ChatMessage, Role
from reasoner_desktop.inference.engine import EngineSettings, GenerationRequest, LlamaEngine, Sampling
from reasoner_desktop.inference.errors import GenerationError
from reasoner_desktop.inference.template_sandbox import TemplateLimitError
from reasoner_desktop.inference.templates import no_template_note

pytestmark = pytest.mark.model
KEY = "tokenizer.chat_template"


def _string_kv(key: str, value: str) -> bytes:
    k, v = key.encode(), value.encode()
    return struct.pack("<Q", len(k)) + k + struct.pack("<I", gguf.GGUFValueType.STRING) + struct.pack("<Q", len(v)) + v


def with_template(src, dst, template: str | None):
    """A copy of a GGUF file whose chat template is replaced (None: removed). Tensor offsets are
    relative to the data section, so only the header changes (and its padding)."""
    reader = gguf.GGUFReader(str(src))
    field = reader.fields[KEY]
    start, end = field.offset, field.offset + sum(p.nbytes for p in field.parts)
    info_end = max(t.field.offset + sum(p.nbytes for p in t.field.parts) for t in reader.tensors)
    with open(src, "rb") as fh:
        header = bytearray(fh.read(info_end))
        fh.seek(reader.data_offset)
        new = header[:start] + (_string_kv(KEY, template) if template is not None else b"") + header[end:]
        if template is None:
            kv_count = struct.unpack_from("<Q", new, 16)[0]
            struct.pack_into("<Q", new, 16, kv_count - 1)
        new += b"\0" * (-len(new) % reader.alignment)
        with open(dst, "wb") as out:
            out.write(new)
            shutil.copyfileobj(fh, out, 1 << 20)
    return dst


def test_a_file_without_a_template_falls_back_by_its_vocabulary(model_path, tmp_path):
    """SmolLM2's vocabulary has <|im_start|> and <|im_end|> as special tokens: ChatML, said so."""
    path = with_template(model_path, tmp_path / "no-template.gguf", None)
    engine = LlamaEngine(path, EngineSettings(n_ctx=1024))
    try:
        assert engine.info.chat_template is None
        assert engine.template.fallback == "ChatML"
        events = list(engine.stream(GenerationRequest([ChatMessage(Role.USER, "Say hello.")], max_tokens=60,
                                                      sampling=Sampling(temperature=0.0, top_k=1))))
        stats = events[-1].stats
        assert isinstance(events[-1], Done) and no_template_note("ChatML") in stats.notes
        text = "".join(e.text for e in events if isinstance(e, (ThinkingDelta, AnswerDelta)))
        assert text.strip() and "<|im_" not in text
    finally:
        engine.close()


def test_the_vocabulary_check_tells_special_tokens_from_text(engine):
    assert engine._llm.special_tokens_among(["<|im_start|>", "<|im_end|>", "<start_of_turn>", "[INST]", "hello"]) == {
        "<|im_start|>", "<|im_end|>"}


@pytest.mark.timeout(120)
def test_a_hostile_template_in_a_model_file_is_one_sentence(model_path, tmp_path):
    hostile = "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}"
    engine = LlamaEngine(with_template(model_path, tmp_path / "hostile.gguf", hostile), EngineSettings(n_ctx=512))
    try:
        with pytest.raises(GenerationError) as info:
            list(engine.stream(GenerationRequest([ChatMessage(Role.USER, "Hi")], max_tokens=8)))
        assert isinstance(info.value, TemplateLimitError)
        assert str(info.value).startswith("The model's chat template took too long to render")
    finally:
        engine.close()
