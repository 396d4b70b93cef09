"""What `purge_deleted` erases: each app registers its purgers in its AppConfig.ready().

Registering keeps core free of imports from the apps; the order of
registration is the order of the purge (images before the files they use).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Purger:
    label: str
    # (cutoff, dry_run) -> how many rows were (or would be) erased
    run: Callable[[datetime, bool], int]


_PURGERS: list[Purger] = []


def register(label: str, run: Callable[[datetime, bool], int]) -> None:
    if all(p.label != label for p in _PURGERS):
        _PURGERS.append(Purger(label, run))


def purgers() -> list[Purger]:
    return list(_PURGERS)
