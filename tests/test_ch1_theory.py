"""Chapter 1's prediction: the probability that no component wins a direction."""

import numpy as np
import pytest

import deflation as dfl
from deflation import theory

WEIGHTS = np.array([1.0, 0.8, 0.6, 0.4, 0.2])


def test_win_probabilities_sum_to_one_and_are_ordered():
    pi = theory.win_probabilities(WEIGHTS)
    assert pi.shape == (5,)
    assert np.isclose(pi.sum(), 1.0, atol=1e-9)
    assert np.all(np.diff(pi) < 0)  # a larger weight wins more often


def test_equal_weights_are_won_equally():
    assert np.allclose(theory.win_probabilities([0.5, 0.5, 0.5]), 1 / 3, atol=1e-9)


def test_two_weights_closed_form():
    # P(a1 g1^2 > a2 g2^2) = P(|g2/g1| < sqrt(a1/a2)) = (2/pi) arctan(sqrt(a1/a2))
    pi = theory.win_probabilities([1.0, 0.25])
    assert np.isclose(pi[0], 2 / np.pi * np.arctan(2.0), atol=1e-9)


@pytest.mark.parametrize("order", [4, 6])
def test_win_probabilities_match_the_winner_rule_on_random_directions(order):
    d, n = 8, 200_000
    X = dfl.random_directions(n, d, seed=11)
    winners = theory.predicted_winner(X[:, :5], WEIGHTS, order=order)
    freq = np.bincount(winners, minlength=5) / n
    pi = theory.win_probabilities(WEIGHTS, order=order)
    # binomial standard error <= 0.0012; 5 standard errors
    assert np.all(np.abs(freq - pi) < 0.006), (freq, pi)


def test_miss_probability_formula_and_simulation():
    pi = theory.win_probabilities(WEIGHTS)
    assert np.allclose(theory.miss_probability(WEIGHTS, 1), 1 - pi)
    assert np.allclose(theory.miss_probability(WEIGHTS, 7), (1 - pi) ** 7)
    m, d, n = 20, 10, 20_000
    X = dfl.random_directions(n * m, d, seed=5).reshape(n, m, d)
    winners = theory.predicted_winner(X[..., :5], WEIGHTS)
    missed = np.array([[not np.any(w == k) for k in range(5)] for w in winners])
    freq = missed.mean(axis=0)
    pred = theory.miss_probability(WEIGHTS, m)
    se = np.sqrt(pred * (1 - pred) / n) + 1e-4
    assert np.all(np.abs(freq - pred) < 5 * se), (freq, pred)
    all_won = np.mean(~missed.any(axis=1))
    p_all = theory.all_won_probability(WEIGHTS, m)
    assert abs(all_won - p_all) < 5 * np.sqrt(p_all * (1 - p_all) / n)


def test_all_won_probability_limits():
    # one start cannot win five directions
    assert theory.all_won_probability(WEIGHTS, 1) == pytest.approx(0.0, abs=1e-12)
    assert theory.all_won_probability([1.0], 3) == pytest.approx(1.0)
    two = theory.win_probabilities([1.0, 0.5])
    # two directions, m = 2: both won iff the two starts have different winners
    assert theory.all_won_probability([1.0, 0.5], 2) == pytest.approx(2 * two[0] * two[1])


@pytest.mark.parametrize(
    "call",
    [
        lambda: theory.win_probabilities([1.0, -0.5]),
        lambda: theory.win_probabilities([[1.0, 0.5]]),
        lambda: theory.win_probabilities([1.0, 0.5], order=3),
        lambda: theory.miss_probability([1.0, 0.5], 0),
    ],
)
def test_bad_inputs_raise(call):
    with pytest.raises(ValueError):
        call()


def test_a_fractional_count_is_a_type_error():
    with pytest.raises(TypeError, match=r"m must be an integer, got 2\.5"):
        theory.all_won_probability([1.0, 0.5], 2.5)
