#!/usr/bin/env python3
"""scripts/fit_erf.py — fits the rational approximation of erf that
ag::detail::erf_vectorizable (core/kernels/vector_math.h) evaluates, and prints its
coefficients as C++ float literals. Needs numpy; run it with any python3 that has it
(Debian's python3-numpy).

erf is odd, so it is written as erf(x) = x * P(z) / Q(z) with z = x^2, on |x| <= 4 (beyond 4,
erf(x) rounds to +-1 in float32). P has degree 5 and Q degree 5 with Q(0) = 1: 12 coefficients,
so a vector evaluates it in 11 multiply-adds and one division, with no branch and no table.

The fit minimises the largest relative error of P/Q against erf(x)/x:
  1. linearised least squares: P(z) - f(z) (Q(z) - 1) = f(z), weighted by 1/(f |Q|) from the
     previous Q (Sanathanan and Koerner's iteration), from Q = 1;
  2. Lawson's iteration: the weights are multiplied by each point's error, which moves the
     least-squares fit towards the minimax (equal-ripple) one.
The reference is Python's math.erf, in double precision.
"""
import math

import numpy as np

NUMERATOR_DEGREE, DENOMINATOR_DEGREE, X_MAX = 5, 5, 4.0


def fit():
    n = 6000
    # Chebyshev points on [0, X_MAX]: denser near the ends, where the error of a fit peaks.
    x = X_MAX / 2 * (1 - np.cos(np.pi * (np.arange(n) + 0.5) / n))
    z = x * x
    f = np.array([math.erf(v) / v for v in x])  # x > 0 at every Chebyshev point
    powers_p = np.vander(z, NUMERATOR_DEGREE + 1, increasing=True)
    powers_q = np.vander(z, DENOMINATOR_DEGREE + 1, increasing=True)[:, 1:]
    system = np.concatenate([powers_p, -f[:, None] * powers_q], axis=1)

    def solve(weights):
        c, *_ = np.linalg.lstsq(system * weights[:, None], f * weights, rcond=None)
        return c[: NUMERATOR_DEGREE + 1], np.concatenate([[1.0], c[NUMERATOR_DEGREE + 1 :]])

    p, q = solve(1 / f)
    for _ in range(30):  # 1. least squares, reweighted by the last denominator
        p, q = solve(1 / (f * np.abs(np.polyval(q[::-1], z))))
    lawson = np.full(n, 1.0 / n)
    for _ in range(200):  # 2. towards the minimax fit
        p, q = solve(np.sqrt(lawson) / (f * np.abs(np.polyval(q[::-1], z))))
        error = np.abs(np.polyval(p[::-1], z) / np.polyval(q[::-1], z) - f) / f
        lawson = lawson * error
        lawson /= lawson.sum()
    return p, q, error.max()


def main():
    p, q, worst = fit()
    print(f"// largest relative error of P/Q in double precision: {worst:.2e}")
    print("P:", ", ".join(f"{np.float32(c):.9e}f" for c in p))
    print("Q:", ", ".join(f"{np.float32(c):.9e}f" for c in q))


if __name__ == "__main__":
    main()
