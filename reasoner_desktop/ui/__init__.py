"""Widgets. Only the GUI thread touches them; model work stays in workers/."""
