"""The local OpenAI-compatible API server (`reasoner-desktop serve`): no Qt here."""
