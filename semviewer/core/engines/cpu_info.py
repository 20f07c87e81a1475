"""Facts about this CPU that decide how inference runs: capability, native bf16, physical cores."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_capability() -> str:
    """The vector ISA torch dispatches to here (``"AVX2"``, ``"AVX512"``, ``"AMX"``...)."""
    import torch

    return str(torch.backends.cpu.get_cpu_capability())


def native_bf16() -> bool:
    """True where the CPU computes bf16 natively (AVX-512 BF16 or AMX), so bf16 autocast pays.

    On an AVX2-only CPU torch emulates bf16 and runs about 10× slower than fp32.
    """
    import torch

    capability = cpu_capability().upper()
    if "AVX512" not in capability and "AMX" not in capability:
        return False
    checks = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    return any(bool(check()) for check in checks if check is not None)


def _allowed_cpus() -> set[int]:
    try:
        return set(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return set(range(os.cpu_count() or 1))


def physical_cores() -> int:
    """Physical cores this process may run on (hyper-threads counted once); at least 1."""
    allowed = _allowed_cpus()
    cores = set()
    for cpu in allowed:
        topology = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            package = (topology / "physical_package_id").read_text().strip()
            core = (topology / "core_id").read_text().strip()
        except OSError:
            return max(1, len(allowed))
        cores.add((package, core))
    return max(1, len(cores))


def cpu_name() -> str:
    """The processor's model name (for benchmark output and tuning keys)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe_cpu() -> str:
    """One line for benchmarks and reports: model, cores, torch capability, native bf16."""
    return (f"CPU {cpu_name()}, {physical_cores()} physical cores ({os.cpu_count()} logical), "
            f"torch capability {cpu_capability()}, native bf16 {'yes' if native_bf16() else 'no'}")
