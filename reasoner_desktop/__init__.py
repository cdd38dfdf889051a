"""Reasoner Desktop: offline chat for local reasoning models."""

import logging

__version__ = "0.1.0"
APP_NAME = "reasoner-desktop"

# Nothing is printed unless the app configures logging (reasoner_desktop.logs): a library user,
# or a test, never sees llama.cpp's or our log lines on the terminal.
logging.getLogger("reasoner_desktop").addHandler(logging.NullHandler())
