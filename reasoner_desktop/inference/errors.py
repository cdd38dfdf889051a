"""Typed errors, each carrying one sentence a user can act on."""

from __future__ import annotations


class ModelLoadError(Exception):
    """A model file that cannot be used. str(error) is the user-facing sentence."""


class ModelFileMissing(ModelLoadError):
    pass


class ModelFileUnreadable(ModelLoadError):
    pass


class NotAGGUFFile(ModelLoadError):
    pass


class ModelFileCorrupt(ModelLoadError):
    pass


class UnsupportedArchitecture(ModelLoadError):
    pass


class NotEnoughMemory(ModelLoadError):
    pass


class GenerationError(Exception):
    """Generation failed after the model loaded."""
