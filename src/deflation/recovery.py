"""Former home of chapter 5's recovery measures and sweep runs (kept as aliases).

Everything moved (see /work/notes/RENAMES.md): the measures to
:mod:`deflation.measures`, the run functions and the success table to
:mod:`deflation.experiments.ch5`. These aliases keep old code running until the
chapters use the new names; they will be removed.
"""

from .experiments.ch5 import (  # noqa: F401  ALIAS: moved to experiments.ch5
    modified_config,
    run_modified,
    run_plain,
    success_table,
)
from .measures import fitted_weights, group_sizes, recovered  # noqa: F401  ALIAS: moved to measures

__all__ = [  # ALIAS
    "fitted_weights", "recovered", "group_sizes", "modified_config", "run_modified",
    "run_plain", "success_table",
]
