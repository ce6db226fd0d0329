"""Memory budget of large runs: estimated before anything is allocated, refused above it.

Commands that could allocate more than the machine has (fiber thresholds and conduction
velocity, circuit sweeps) estimate their peak memory first and call :func:`check_memory`; the
budget is ``budget_mb`` MiB when the user gives one (``--memory-budget-mb``), else
:data:`MEMORY_FRACTION` of the memory available when the run starts.
"""

from __future__ import annotations

import math
import os

from neurostim.errors import InputError

MEMORY_FRACTION = 0.5
"""Default budget: this fraction of the memory available when the run starts."""
FALLBACK_AVAILABLE_BYTES = 2 * 1024**3
"""Assumed available memory where the system does not say (2 GiB)."""
MIB = 1024**2


def available_memory_bytes() -> int:
    """Memory available to new allocations now (Linux ``MemAvailable``, else free pages)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return FALLBACK_AVAILABLE_BYTES


def memory_budget_bytes(budget_mb: float | None = None) -> int:
    """The memory budget: ``budget_mb`` MiB if given, else MEMORY_FRACTION of what is available.

    Raises InputError for a budget that is not a finite number > 0.
    """
    if budget_mb is None:
        return int(MEMORY_FRACTION * available_memory_bytes())
    if not (math.isfinite(budget_mb) and budget_mb > 0):
        raise InputError("memory_budget_mb", budget_mb, "must be a finite number > 0 MiB")
    return int(budget_mb * MIB)


def check_memory(
    field: str, value: object, estimate_bytes: int, budget_bytes: int, detail: str = ""
) -> None:
    """Raise InputError naming ``field``, its value, the estimate and the budget when the
    estimate exceeds the budget (``detail`` is added after the estimate)."""
    if estimate_bytes > budget_bytes:
        raise InputError(
            field,
            value,
            f"needs about {_mib(estimate_bytes)} MiB of memory{detail}, more than the "
            f"budget of {_mib(budget_bytes)} MiB; make the work smaller, or raise the "
            "budget (--memory-budget-mb)",
        )


def _mib(n_bytes: int) -> str:
    mib = n_bytes / MIB
    return f"{mib:,.0f}" if mib >= 10 else f"{mib:.2g}"
