"""``python -m neurostim.ecap.maps build``: build an ECAP map from the command line.

A module of its own (the package's ``__main__``), so that ``python -m`` runs it without a
second copy of :mod:`neurostim.ecap.maps`, which ``neurostim.ecap`` has already imported.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from neurostim.ecap.maps import build_map, growth_from_curves
from neurostim.errors import InputError


def _callable(name: str) -> Callable[..., Any]:
    module, _, attr = name.partition(":")
    try:
        obj = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise InputError("--growth", name, f"module:function importable here ({exc})") from None
    if not callable(obj):
        raise InputError("--growth", name, "must name a callable")
    return obj


def _is_factory(fn: Callable[..., Any]) -> bool:
    """True for a callable with no required positional parameter (called to get the growth
    function, such as :func:`closed_form_plant`)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return not any(p.kind in positional and p.default is p.empty for p in params)


def _floats(field: str, text: str) -> list[float]:
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(field, text, "comma-separated numbers") from None
    if not values or not all(math.isfinite(v) for v in values):
        raise InputError(field, text, "comma-separated finite numbers")
    return values


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m neurostim.ecap.maps build --growth MODULE:FUNCTION [--program P.toml]
    [--level T10] [--dcsf 3,4,5] [--amplitudes 0,0.25,...] -o MAP.csv``.

    ``--growth`` names either a growth function ``f(dcsf_mm, amplitudes_ma) -> (ecap_uv,
    recruited)``, a factory of one called without arguments (``closed_form_plant``), or, with
    ``--program``, ``f(program, *, level, dcsf_mm, amplitudes_ma) -> GrowthCurve``
    (``neurostim.ecap.growth:ecap_growth``).
    """
    parser = argparse.ArgumentParser(prog="python -m neurostim.ecap.maps")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build an ECAP map (CSV or NPZ)")
    b.add_argument("--growth", required=True)
    b.add_argument("--program", type=Path, default=None)
    b.add_argument("--level", default="T10")
    b.add_argument("--dcsf", default=None, help="grid dCSF (mm), comma-separated")
    b.add_argument("--amplitudes", default=None, help="grid currents (mA), comma-separated")
    b.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        start = time.perf_counter()
        fn = _callable(args.growth)
        header = {"growth": args.growth, "level": args.level, "program_key": ""}
        if args.program is not None:
            from neurostim.device import load_program
            from neurostim.patient.coverage import program_key

            program = load_program(args.program)
            growth = growth_from_curves(fn, program, args.level)
            header.update(program_file=str(args.program), program_key=program_key(program))
        elif _is_factory(fn):
            growth = fn()
        else:
            growth = fn
        header["source"] = f"python -m neurostim.ecap.maps build --growth {args.growth}" + (
            f" --program {args.program} --level {args.level}" if args.program else ""
        )
        dcsf = None if args.dcsf is None else _floats("--dcsf", args.dcsf)
        amps = None if args.amplitudes is None else _floats("--amplitudes", args.amplitudes)
        m = build_map(growth, dcsf, amps, header=header)
        m.save(args.output)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.output} ({m.dcsf_mm.size} x {m.amplitude_ma.size}, "
          f"{time.perf_counter() - start:.1f} s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
