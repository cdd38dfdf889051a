"""Pure value types and logic. No Qt, no I/O."""
