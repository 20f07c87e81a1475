"""The update formulas of the three methods (docs/algorithms.md §4): ∇_a L and ∇_b L from the
values of f at the corners of the inner box D (and, for OIR_B, of the outer box Q)."""

from __future__ import annotations

import numpy as np


def corner_matrix(n: int) -> np.ndarray:
    """M (n × 2^n): column j is j in binary with n digits, dimension 1 the most significant."""
    j = np.arange(2 ** n)
    return np.array([(j >> (n - 1 - i)) & 1 for i in range(n)], dtype=np.float64)


def naive_gradients(f_d: np.ndarray, r: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """∇_a L, ∇_b L of the naive loss; f_d (S, 2^n) corner values, r (S, n) widths."""
    n = r.shape[1]
    m = corner_matrix(n)
    delta = np.prod(r, axis=1, keepdims=True) / 2 ** n
    grad_a = 2 * delta / r * (f_d @ (1 - m).T) - lam * r
    grad_b = -2 * delta / r * (f_d @ m.T) + lam * r
    return grad_a, grad_b


def oir_b_gradients(f_d: np.ndarray, f_q: np.ndarray, r: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """∇_a L, ∇_b L of OIR_B; f_q (S, 2^n) are the values at the outer box Q's corners."""
    n = r.shape[1]
    m = corner_matrix(n)
    mbar = 1 - m
    scale = (1 + alpha) ** (n - 1)
    mbar_q = scale * ((1 + alpha / 2) * mbar + (alpha / 2) * m)
    m_q = scale * ((1 + alpha / 2) * m + (alpha / 2) * mbar)
    delta = np.prod(r, axis=1, keepdims=True) / 2 ** n
    grad_a = 2 * delta / r * (2 * f_d @ mbar.T - f_q @ mbar_q.T)
    grad_b = 2 * delta / r * (-2 * f_d @ m.T + f_q @ m_q.T)
    return grad_a, grad_b


def oir_w_gradients(f_d: np.ndarray, g_d: np.ndarray, r: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """∇_a L, ∇_b L of OIR_W; g_d (S, 2^n, n) holds ∇f at the corners (row j = ∇f(d_j))."""
    n = r.shape[1]
    m = corner_matrix(n)
    mbar = 1 - m
    gamma = 2 - beta * (2 * n - 1)
    mbar_d = gamma * mbar - beta * m
    m_d = gamma * m - beta * mbar
    delta = np.prod(r, axis=1, keepdims=True) / 2 ** n
    diag_mbar_g = np.einsum("kj,sjk->sk", mbar, g_d)
    diag_m_g = np.einsum("kj,sjk->sk", m, g_d)
    off = 1 - np.eye(n)
    # t[s, i, k] = Σ_j (M̄_i - M_i)[j] M̄_k[j] G[s, j, i]   (and the barred counterpart)
    t = np.einsum("ij,kj,sji->sik", mbar - m, mbar, g_d) * off
    tbar = np.einsum("ij,kj,sji->sik", m - mbar, m, g_d) * off
    s = np.einsum("si,sik->sk", r, t) / r
    sbar = np.einsum("si,sik->sk", r, tbar) / r
    grad_a = delta * (f_d @ mbar_d.T / r + beta * diag_mbar_g + beta * sbar)
    grad_b = delta * (-f_d @ m_d.T / r + beta * diag_m_g + beta * s)
    return grad_a, grad_b
