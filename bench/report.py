"""What every benchmark writes: whether each row meets its target, and the Markdown table of rows."""

from __future__ import annotations

Targets = dict[str, tuple[str, float]]  # row -> (">=" or "<", target)


def verdicts(rows: dict, targets: Targets) -> dict:
    out = {}
    for key, (op, target) in targets.items():
        v = rows.get(key)
        out[key] = None if v is None else (v >= target if op == ">=" else v < target)
    return out


def table(rows: dict, targets: Targets, met: dict) -> list[str]:
    """| key | value | target | met | lines (a dict value is written as `k v, k v`)."""
    lines = ["| key | value | target | met |", "| --- | --- | --- | --- |"]
    for key, value in rows.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        t, ok = targets.get(key), met.get(key)
        lines.append(f"| `{key}` | {value} | {(t[0] + ' ' + str(t[1])) if t else ''} | "
                     f"{'' if ok is None else ('yes' if ok else '**no**')} |")
    return lines
