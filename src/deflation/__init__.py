"""deflation: simulations for the theory companion to Ge, Ren, Wang & Zhou (NeurIPS 2021),
*Understanding Deflation Process in Over-parametrized Tensor Decomposition*.

Import as ``import deflation as dfl``. The most used functions and classes are available
here and in ``__all__`` (``dfl.gradient_flow``, ``dfl.orthogonal_tensor``, ...); the
others live in the public modules (``dfl.times``, ``dfl.measures``, ...), which a star
import does not bring in. Only numpy, scipy,
joblib and threadpoolctl are needed to import it; :mod:`deflation.plotting`, the exercise
checker, the sweeps' progress bar and Dask runs need the extras ``[plot]``,
``[exercises]``, ``[progress]`` and ``[dask]`` (all of them: ``[book]``).
"""

from . import (
    curvature,
    deflation_process,
    early,
    experiments,
    flow,
    integrate,
    matrix,
    measures,
    model,
    modified,
    phases,
    plotting,
    rates,
    sweeps,
    tensors,
    theory,
    times,
)
from ._blas import blas_threads
from ._version import __version__
from .curvature import hessian
from .deflation_process import DeflationResult, power_iteration, tensor_deflation
from .flow import Trajectory, concatenate, gradient_flow
from .matrix import MatrixTrajectory, matrix_factorization_flow
from .model import (
    correlations,
    fit_loss,
    gradient,
    loss,
    loss_and_gradient,
    model_tensor,
    residuals,
    state,
)
from .modified import ModifiedResult, modified_gradient_flow, reinitialize
from .sweeps import cache_key, sweep
from .tensors import (
    LowRankTensor,
    correlated_directions,
    low_rank_tensor,
    orthogonal_tensor,
    random_directions,
    small_init,
    symmetrize,
    with_noise,
)
from .theory import fit_floor
from .times import fit_times

__all__ = [
    "DeflationResult",
    "LowRankTensor",
    "MatrixTrajectory",
    "ModifiedResult",
    "Trajectory",
    "blas_threads",
    "cache_key",
    "concatenate",
    "correlated_directions",
    "correlations",
    "fit_floor",
    "fit_loss",
    "fit_times",
    "gradient",
    "gradient_flow",
    "hessian",
    "loss",
    "loss_and_gradient",
    "low_rank_tensor",
    "matrix_factorization_flow",
    "model_tensor",
    "modified_gradient_flow",
    "orthogonal_tensor",
    "power_iteration",
    "random_directions",
    "reinitialize",
    "residuals",
    "small_init",
    "state",
    "sweep",
    "symmetrize",
    "tensor_deflation",
    "with_noise",
]
