"""Use cases shared by the CLI and the GUI worker: inference + storage, no Qt."""
