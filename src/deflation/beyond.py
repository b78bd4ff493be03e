"""Former home of chapter 6's measures, predictions and sweeps (kept as aliases).

Everything moved (see /work/notes/RENAMES.md): the recovery measure to
:mod:`deflation.measures`, the predictions to :mod:`deflation.theory`, the crossing
times to :mod:`deflation.times`, and the run functions and sweep plan to
:mod:`deflation.experiments.ch6`. These aliases keep old code running until the
chapters use the new names; they will be removed.
"""

from .experiments.ch6 import (  # noqa: F401  ALIAS: moved to experiments.ch6
    INIT_SCALES,
    SCALE_WEIGHTS,
    SWEEPS,
    run_correlated,
    run_fit_times,
    run_loss_curve,
    run_noisy,
    sweep_plan,
)
from .measures import (  # noqa: F401  ALIAS: moved to measures
    Recovery,
    deflation_recovery,
    group_directions,
    recovery,
    recovery_path,
)
from .theory import (  # noqa: F401  ALIAS: moved to theory
    alignment_delay,
    first_order_fixed_point,
    predicted_fit_times,
)
from .times import (  # noqa: F401  ALIAS: moved to times
    group_fit_times,
    logit_fit_times,
    plateau_match,
)

__all__ = [  # ALIAS
    "Recovery", "recovery", "deflation_recovery", "recovery_path", "group_fit_times",
    "group_directions", "plateau_match", "first_order_fixed_point", "alignment_delay",
    "predicted_fit_times", "logit_fit_times", "run_fit_times", "run_correlated",
    "run_noisy", "run_loss_curve", "sweep_plan", "SWEEPS", "SCALE_WEIGHTS", "INIT_SCALES",
]
