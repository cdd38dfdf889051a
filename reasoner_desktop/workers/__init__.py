"""QtCore workers on their own QThreads. Signals in, queued signals out."""
