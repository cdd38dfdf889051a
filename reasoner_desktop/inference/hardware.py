"""What this computer offers a model: CPU cores and free memory, on Linux, macOS and Windows.

Everything goes through psutil (and, where psutil has no answer, the OS's documented sources:
Linux sysfs for hybrid Intel cores, macOS sysctl for performance cores), never /proc alone.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path

import psutil


def logical_cores() -> int:
    """CPUs this process may run on (its affinity where the OS has one, e.g. in containers)."""
    try:
        return max(1, len(psutil.Process().cpu_affinity()))
    except (AttributeError, NotImplementedError, psutil.Error, OSError):  # macOS has no affinity
        return max(1, psutil.cpu_count(logical=True) or 1)


def _cpu_list(text: str) -> set[int]:
    """Parse a Linux CPU list such as "0-7,16-23"."""
    cpus: set[int] = set()
    for part in text.strip().split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


def _linux_performance_cores(sysfs: Path = Path("/sys/devices")) -> int | None:
    """Physical P-cores of a hybrid Intel CPU (sysfs lists them under cpu_core), else None."""
    try:
        cpus = _cpu_list((sysfs / "cpu_core" / "cpus").read_text())
    except (OSError, ValueError):
        return None
    cores = set()
    for cpu in cpus:
        try:
            siblings = (sysfs / "system" / "cpu" / f"cpu{cpu}" / "topology" / "thread_siblings_list").read_text()
            cores.add(min(_cpu_list(siblings)))
        except (OSError, ValueError):
            cores.add(cpu)
    return len(cores) or None


def _macos_performance_cores() -> int | None:
    """Apple Silicon: physical cores of performance level 0 (the P-cores)."""
    try:
        out = subprocess.run(["sysctl", "-n", "hw.perflevel0.physicalcpu"], capture_output=True, text=True,
                             timeout=5)
        return int(out.stdout.strip()) if out.returncode == 0 else None
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


THREADS_ENV = "REASONER_DESKTOP_THREADS"


def default_threads() -> int:
    """Generation threads when a model's settings do not say: $REASONER_DESKTOP_THREADS if set
    (e.g. 1 on a machine shared with other heavy work), else performance_cores()."""
    value = os.environ.get(THREADS_ENV, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return performance_cores()


@functools.cache
def performance_cores() -> int:
    """Threads for token generation: one per physical performance core this process may use.

    Decoding is memory-bound; running a thread per hyper-thread or on efficiency cores slows it down,
    so llama.cpp's own tools use physical P-cores. Capped by the process's CPU affinity.
    """
    physical = psutil.cpu_count(logical=False) or psutil.cpu_count(logical=True) or 1
    if sys.platform.startswith("linux"):
        physical = _linux_performance_cores() or physical
    elif sys.platform == "darwin":
        physical = _macos_performance_cores() or physical
    return max(1, min(physical, logical_cores()))


def _address_space_room() -> int | None:
    """Room left under this process's address-space limit (RLIMIT_AS), where the OS has one."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    try:
        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    except (OSError, ValueError):
        return None
    if limit in (-1, resource.RLIM_INFINITY):
        return None
    return max(0, limit - psutil.Process().memory_info().vms)


def free_memory() -> int | None:
    """Free RAM plus free swap (None if the OS will not say)."""
    try:
        return psutil.virtual_memory().available + psutil.swap_memory().free
    except (psutil.Error, OSError, RuntimeError):
        return None


def memory_room():
    """What a new model may use here (inference.memory.Room)."""
    from reasoner_desktop.inference.memory import Room

    return Room(ram=free_memory(), address_space=_address_space_room())


def available_memory() -> int | None:
    """The smaller of free RAM (+ swap) and the room under the address-space limit, for a download's
    size check."""
    room = memory_room()
    known = [v for v in (room.ram, room.address_space) if v is not None]
    return min(known) if known else None
