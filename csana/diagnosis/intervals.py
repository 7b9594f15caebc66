"""Confidence intervals as polars expressions, for flags that a small sample cannot make.

Terms:

Wilson score interval
    for a proportion p̂ = x/n at normal quantile z::

        centre    = (p̂ + z²/(2n)) / (1 + z²/n)
        half      = z / (1 + z²/n) · √(p̂(1 − p̂)/n + z²/(4n²))
        interval  = centre ± half

    Unlike p̂ ± z·√(p̂(1−p̂)/n) it stays inside [0, 1] and is honest at p̂ = 0 or 1
    and small n (Wilson 1927; Brown, Cai & DasGupta 2001).
Byar's interval
    for a Poisson count k (e.g. customers reached in a month)::

        low  = k · (1 − 1/(9k) − z/(3√k))³                 (0 when k = 0)
        high = (k+1) · (1 − 1/(9(k+1)) + z/(3√(k+1)))³

    a closed form within about 1% of the exact chi-square interval for every k
    (Breslow & Day 1987), so no scipy is needed.
Newcombe's interval of a difference
    of two proportions p₁ − p₂, from the two Wilson intervals (see :func:`difference`).
Normal interval of a mean
    mean ± z · sd / √n, for averages of many independent events (response times, order
    amounts); with n ≥ 30 the central limit theorem makes it a fair approximation even
    for skewed times.

Every function returns null bounds where the sample is empty (n = 0 or null).
"""

from __future__ import annotations

from statistics import NormalDist

import polars as pl


def z_value(confidence: float) -> float:
    """The two-sided normal quantile of a confidence level (0.95 → 1.959964)."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson(x: pl.Expr, n: pl.Expr, z: float) -> tuple[pl.Expr, pl.Expr]:
    """Lower and upper Wilson bounds of the proportion x/n."""
    n_f = n.cast(pl.Float64)
    p = x.cast(pl.Float64) / n_f
    denom = 1 + z**2 / n_f
    centre = (p + z**2 / (2 * n_f)) / denom
    half = z / denom * (p * (1 - p) / n_f + z**2 / (4 * n_f**2)).sqrt()
    valid = n.is_not_null() & (n > 0) & x.is_not_null()
    low = pl.when(valid).then((centre - half).clip(0.0, 1.0))
    high = pl.when(valid).then((centre + half).clip(0.0, 1.0))
    return low, high


def poisson(k: pl.Expr, z: float) -> tuple[pl.Expr, pl.Expr]:
    """Lower and upper bounds (Byar) of the Poisson mean behind an observed count k."""
    k_f = k.cast(pl.Float64)
    k1 = k_f + 1
    low = pl.when(k_f > 0).then(k_f * (1 - 1 / (9 * k_f) - z / (3 * k_f.sqrt())) ** 3).otherwise(0.0)
    high = k1 * (1 - 1 / (9 * k1) + z / (3 * k1.sqrt())) ** 3
    valid = k.is_not_null() & (k >= 0)
    return pl.when(valid).then(low.clip(lower_bound=0.0)), pl.when(valid).then(high)


def mean_interval(mean: pl.Expr, sd: pl.Expr, n: pl.Expr, z: float, floor: float | None = 0.0) -> tuple[pl.Expr, pl.Expr]:
    """Normal bounds mean ± z·sd/√n (null when sd is unknown or n < 2), the lower one at least ``floor``
    (times, amounts and counts cannot be negative; None for no floor)."""
    half = z * sd / n.cast(pl.Float64).sqrt()
    valid = sd.is_not_null() & (n >= 2) & mean.is_not_null()
    low = mean - half if floor is None else (mean - half).clip(lower_bound=floor)
    return pl.when(valid).then(low), pl.when(valid).then(mean + half)


def difference(x1: pl.Expr, n1: pl.Expr, x2: pl.Expr, n2: pl.Expr, z: float) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """p₁ − p₂ of two independent proportions and Newcombe's hybrid score interval (his method 10)::

        low  = d − √((p₁ − l₁)² + (u₂ − p₂)²)
        high = d + √((u₁ − p₁)² + (p₂ − l₂)²)

    with (lᵢ, uᵢ) the Wilson bounds of each proportion (Newcombe 1998): like Wilson's, it stays
    inside [−1, 1] and behaves at small n. Null where either sample is empty.
    """
    p1, p2 = x1.cast(pl.Float64) / n1.cast(pl.Float64), x2.cast(pl.Float64) / n2.cast(pl.Float64)
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    d = p1 - p2
    valid = (n1 > 0) & (n2 > 0)
    low = d - ((p1 - l1) ** 2 + (u2 - p2) ** 2).sqrt()
    high = d + ((u1 - p1) ** 2 + (p2 - l2) ** 2).sqrt()
    return pl.when(valid).then(d), pl.when(valid).then(low), pl.when(valid).then(high)
