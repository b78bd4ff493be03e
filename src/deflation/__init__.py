"""deflation: simulations for the theory companion to Ge, Ren, Wang & Zhou (NeurIPS 2021),
*Understanding Deflation Process in Over-parametrized Tensor Decomposition*.

Import as ``import deflation as dfl``.
"""

from .flow import Trajectory, concatenate, gradient_flow
from .curvature import hessian
from .times import fit_times
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

from . import early, experiments, measures, phases, plotting, rates, theory, times
from .deflation_process import DeflationResult, power_iteration, tensor_deflation
from .matrix import MatrixTrajectory, matrix_factorization_flow
from .modified import ModifiedResult, modified_gradient_flow, reinitialize
from .theory import fit_floor
from .sweep import cache_key, sweep

from ._version import __version__
