"""The GAS T-score against values worked out by hand.

T = 50 + 10·Σ(wᵢxᵢ) / √(0.7·Σwᵢ² + 0.3·(Σwᵢ)²)
"""

import math

import pytest

from goals.scoring import gas_t_score


def test_no_goals_has_no_score():
    assert gas_t_score([]) is None


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        # One goal: the denominator is √(0.7 + 0.3) = 1, so T = 50 + 10·x.
        ([1], 60.0),
        ([-2], 30.0),
        ([2], 70.0),
        # Three goals: √(0.7·3 + 0.3·9) = √4.8 = 2.190890…
        ([1, 1, 2], 50 + 40 / math.sqrt(4.8)),  # 68.2574
        ([-2, -1, -1], 50 - 40 / math.sqrt(4.8)),  # 31.7426
        ([1, 0, -1], 50.0),
    ],
)
def test_equal_weights(levels, expected):
    assert gas_t_score(levels) == pytest.approx(expected)


def test_three_goals_to_four_decimals():
    assert round(gas_t_score([1, 1, 2]), 4) == 68.2574
    assert round(gas_t_score([-2, -1, -1]), 4) == 31.7426


@pytest.mark.parametrize("n", [1, 2, 3, 5, 10])
def test_all_goals_as_expected_give_fifty(n):
    assert gas_t_score([0] * n) == 50.0


def test_weights():
    # Σwx = 2·1 + 1·(−1) = 1; Σw² = 5; Σw = 3; √(0.7·5 + 0.3·9) = √6.2 = 2.48998
    assert gas_t_score([1, -1], [2, 1]) == pytest.approx(50 + 10 / math.sqrt(6.2))
    assert round(gas_t_score([1, -1], [2, 1]), 3) == 54.016


def test_equal_weights_of_any_size_match_the_unweighted_score():
    assert gas_t_score([1, -1, 2], [3, 3, 3]) == pytest.approx(gas_t_score([1, -1, 2]))


@pytest.mark.parametrize(
    ("levels", "weights"), [([3], None), ([0, 1], [1]), ([1], [0]), ([-3, 0], None)]
)
def test_nonsense_is_refused(levels, weights):
    with pytest.raises(ValueError):
        gas_t_score(levels, weights)
