"""Reading a GGUF file's header without loading its weights.

A lean reader: scalar metadata is decoded, arrays are skipped (the tokenizer's 150k
strings are not needed), and the tensor table is read to check that every tensor's
data lies inside the file, which tells a truncated download from a good file.
"""

from __future__ import annotations

import errno
import mmap
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

from reasoner_desktop.inference.errors import ModelFileCorrupt, ModelFileUnreadable, NotAGGUFFile, NotEnoughMemory

# GGUF value types -> struct format (scalars); 8 = string, 9 = array
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
_DEFAULT_ALIGNMENT = 32


@dataclass(slots=True)
class ModelInfo:
    path: Path
    size_bytes: int
    architecture: str = ""
    name: str = ""
    context_length: int | None = None
    file_type: int | None = None
    chat_template: str | None = None
    parameters: dict = field(default_factory=dict)  # other scalar metadata
    vocab_size: int = 0
    tensor_count: int = 0
    data_end: int = 0  # where the last tensor's data ends

    @property
    def quantization(self) -> str:
        if self.file_type is None:
            return ""
        try:
            from gguf.constants import LlamaFileType

            return LlamaFileType(self.file_type).name.removeprefix("MOSTLY_")
        except (ImportError, ValueError):
            return f"type {self.file_type}"

    @property
    def truncated(self) -> bool:
        return self.data_end > self.size_bytes


class _Cursor:
    def __init__(self, buf, size: int) -> None:
        self.buf, self.pos, self.size = buf, 0, size
        self.last_array_len = 0

    def skip(self, n: int) -> None:
        if self.pos + n > self.size:
            raise EOFError
        self.pos += n

    def take(self, n: int) -> bytes:
        start = self.pos
        self.skip(n)
        return self.buf[start : self.pos]  # mmap slices are copies: nothing pins the map

    def unpack(self, fmt: str):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        return self.take(self.unpack("<Q")).decode("utf-8", errors="replace")

    def value(self, vtype: int, keep: bool):
        if vtype in _SCALARS:
            return self.unpack(_SCALARS[vtype])
        if vtype == _STRING:
            if keep:
                return self.string()
            self.skip(self.unpack("<Q"))
            return None
        if vtype == _ARRAY:
            item_type, count = self.unpack("<I"), self.unpack("<Q")
            self.last_array_len = count
            if item_type in _SCALARS:
                self.skip(struct.calcsize(_SCALARS[item_type]) * count)
            else:
                for _ in range(count):
                    self.value(item_type, keep=False)
            return None
        raise ValueError(f"unknown GGUF value type {vtype}")


def _tensor_bytes(ggml_type: int, dims: list[int]) -> int:
    from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType

    block, type_size = GGML_QUANT_SIZES[GGMLQuantizationType(ggml_type)]
    n = 1
    for d in dims:
        n *= d
    return n * type_size // block


def read_model_info(path: str | os.PathLike) -> ModelInfo:
    """Header metadata of a GGUF file. Raises a ModelLoadError subclass with one sentence."""
    path = Path(path)
    size = 0
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            if size < 24:
                head = fh.read(4)
                if head != b"GGUF":
                    raise NotAGGUFFile(f"Not a GGUF model file (wrong header): {path}")
                raise ModelFileCorrupt(f"Model file is truncated (incomplete GGUF header): {path}")
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                return _parse(path, mm, size)
    except OSError as exc:
        if exc.errno == errno.ENOMEM:
            raise NotEnoughMemory(f"Not enough memory to open {path.name} ({size / 2**30:.1f} GB).") from None
        raise ModelFileUnreadable(f"Cannot read model file {path}: {exc.strerror or exc}") from None


def _parse(path: Path, mm, size: int) -> ModelInfo:
    cur = _Cursor(mm, size)
    info = ModelInfo(path=path, size_bytes=size)
    try:
        if cur.take(4) != b"GGUF":
            raise NotAGGUFFile(f"Not a GGUF model file (wrong header): {path}")
        version = cur.unpack("<I")
        if version not in (2, 3):
            raise ModelFileCorrupt(f"Unsupported GGUF version {version} in {path}")
        n_tensors, n_kv = cur.unpack("<Q"), cur.unpack("<Q")
        alignment = _DEFAULT_ALIGNMENT
        for _ in range(n_kv):
            key = cur.string()
            vtype = cur.unpack("<I")
            value = cur.value(vtype, keep=True)
            if key == "tokenizer.ggml.tokens":
                info.vocab_size = cur.last_array_len
            if value is None:
                continue
            if key == "general.architecture":
                info.architecture = value
            elif key == "general.name":
                info.name = value
            elif key == "general.file_type":
                info.file_type = int(value)
            elif key == "general.alignment":
                alignment = int(value) or _DEFAULT_ALIGNMENT
            elif key == "tokenizer.chat_template":
                info.chat_template = value
            elif key.endswith(".context_length") and key.count(".") == 1:
                info.context_length = int(value)
            else:
                info.parameters[key] = value
        tensors = []
        for _ in range(n_tensors):
            cur.string()
            n_dims = cur.unpack("<I")
            dims = [cur.unpack("<Q") for _ in range(n_dims)]
            tensors.append((cur.unpack("<I"), dims, cur.unpack("<Q")))
        data_start = (cur.pos + alignment - 1) // alignment * alignment
    except EOFError:
        raise ModelFileCorrupt(f"Model file is truncated (the GGUF header ends early): {path}") from None
    except (ValueError, struct.error, UnicodeDecodeError) as exc:
        raise ModelFileCorrupt(f"Model file is corrupt ({exc}): {path}") from None
    info.tensor_count = len(tensors)
    end = data_start
    for ggml_type, dims, offset in tensors:
        try:
            end = max(end, data_start + offset + _tensor_bytes(ggml_type, dims))
        except (KeyError, ValueError):
            continue  # a tensor type this gguf table does not know: cannot check its extent
    info.data_end = end
    return info
