"""Type aliases of the public signatures (a private module: nothing here is API)."""

from __future__ import annotations

from typing import Protocol, TypeAlias

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["ArrayLike", "SeedLike", "HasTrajectory"]

#: What every ``seed`` parameter accepts: None (fresh entropy), an int >= 0, a Generator.
SeedLike: TypeAlias = "int | np.integer | np.random.Generator | None"


class HasTrajectory(Protocol):
    """A run result that carries its trajectory (a ModifiedResult, for example)."""

    @property
    def trajectory(self) -> object: ...
