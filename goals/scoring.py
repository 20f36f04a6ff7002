"""Goal Attainment Scaling: the summary T-score over a child's goals.

Kiresuk & Sherman (1968), with the usual assumption that goal scores are
correlated with ρ = 0.3:

    T = 50 + 10·Σ(wᵢ·xᵢ) / √((1 − ρ)·Σwᵢ² + ρ·(Σwᵢ)²)

where xᵢ is the level of goal i (−2 … +2) and wᵢ its weight. With equal weights
(wᵢ = 1 for n goals) this is T = 50 + 10·Σxᵢ / √(0.7·n + 0.3·n²). All goals at
the expected level (0) give T = 50; 10 points is one standard deviation.
"""

import math
from collections.abc import Sequence

RHO = 0.3

FORMULA = "T = 50 + 10·Σ(wᵢxᵢ) / √((1 − ρ)·Σwᵢ² + ρ·(Σwᵢ)²), ρ = 0.3, equal weights wᵢ = 1"


def gas_t_score(
    levels: Sequence[int], weights: Sequence[float] | None = None, *, rho: float = RHO
) -> float | None:
    """The T-score of these goal levels, or None when there are no goals."""
    if not levels:
        return None
    if weights is None:
        weights = [1.0] * len(levels)
    if len(weights) != len(levels):
        raise ValueError("One weight per goal level is needed.")
    if any(level not in (-2, -1, 0, 1, 2) for level in levels):
        raise ValueError("Goal levels run from -2 to +2.")
    if any(weight <= 0 for weight in weights):
        raise ValueError("Weights must be positive.")
    weighted_sum = sum(w * x for w, x in zip(weights, levels, strict=True))
    denominator = math.sqrt((1 - rho) * sum(w * w for w in weights) + rho * sum(weights) ** 2)
    return 50 + 10 * weighted_sum / denominator
