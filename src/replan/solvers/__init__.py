"""Solver adapters: the only modules that import highspy, pulp or ortools."""

from __future__ import annotations

from .base import Basis, ColdRelaxation, Engine, Relaxation, Result, Status
from .cbc import CbcEngine
from .highs import HighsEngine
from .scip import ScipEngine

ENGINES: dict[str, Engine] = {e.name: e for e in (HighsEngine(), CbcEngine(), ScipEngine())}


def engine(name: str) -> Engine:
    """The engine called `name`; ValueError naming the choices when there is none."""
    try:
        return ENGINES[name.lower()]
    except KeyError:
        raise ValueError(f"unknown solver {name!r}; choose one of {', '.join(ENGINES)}") from None


def installed_or(name: str, fallback: Engine) -> Engine:
    """The engine called `name` where it is installed, else `fallback`."""
    preferred = engine(name)
    return preferred if preferred.available() else fallback


def available() -> list[str]:
    """Names of the engines installed on this machine."""
    return [name for name, e in ENGINES.items() if e.available()]


__all__ = ["ENGINES", "Basis", "ColdRelaxation", "Engine", "Relaxation", "Result", "Status", "available", "engine", "installed_or"]
