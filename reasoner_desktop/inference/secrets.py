"""API keys of remote models: in the OS keychain (macOS Keychain, Windows Credential Locker, the Secret
Service on Linux) through `keyring`; where there is none (a headless Linux box), in a file only the user can
read (`api-keys.json`, mode 0600) in the data folder, and Settings says so. Never in models.json, exports or
logs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring
import keyring.errors
from keyring.backends import fail

SERVICE = "reasoner-desktop"
KEY_FILE = "api-keys.json"
KEYCHAIN, FILE = "keychain", "file"


def _keychain_usable() -> bool:
    try:
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - a broken keyring configuration is no keychain
        return False
    return not isinstance(backend, fail.Keyring) and getattr(backend, "priority", 1) > 0


def where(data_dir: Path) -> str:
    """Where a key saved now would go: KEYCHAIN or FILE."""
    return KEYCHAIN if _keychain_usable() else FILE


def _file(data_dir: Path) -> Path:
    return Path(data_dir) / KEY_FILE


def _read_file(data_dir: Path) -> dict:
    try:
        data = json.loads(_file(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_file(data_dir: Path, keys: dict) -> None:
    path = _file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{KEY_FILE}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # never readable by others, not even briefly
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(keys, fh)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def save_key(data_dir: Path, name: str, key: str) -> str:
    """Store `key` for the remote model `name`; returns where (KEYCHAIN or FILE)."""
    if _keychain_usable():
        try:
            keyring.set_password(SERVICE, name, key)
            _forget_in_file(data_dir, name)
            return KEYCHAIN
        except keyring.errors.KeyringError:
            pass
    keys = _read_file(data_dir)
    keys[name] = key
    _write_file(data_dir, keys)
    return FILE


def load_key(data_dir: Path, name: str) -> str | None:
    if _keychain_usable():
        try:
            key = keyring.get_password(SERVICE, name)
        except keyring.errors.KeyringError:
            key = None
        if key:
            return key
    value = _read_file(data_dir).get(name)
    return value if isinstance(value, str) and value else None


def delete_key(data_dir: Path, name: str) -> None:
    if _keychain_usable():
        try:
            keyring.delete_password(SERVICE, name)
        except keyring.errors.KeyringError:
            pass
    _forget_in_file(data_dir, name)


def _forget_in_file(data_dir: Path, name: str) -> None:
    keys = _read_file(data_dir)
    if name in keys:
        del keys[name]
        _write_file(data_dir, keys)
