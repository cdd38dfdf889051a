"""Reasoner Desktop: offline chat for local reasoning models."""

__version__ = "0.1.0"
APP_NAME = "reasoner-desktop"
