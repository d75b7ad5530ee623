"""The placebo machinery: pseudo-anniversaries, their leave-window-out sums, the reference.

A pseudo-anniversary is a whole-day shift of the tested anniversaries (:func:`placebo_shifts`);
its windows' expectation comes from the model fitted without them (:func:`left_out_sums`, by
the deletion formula); :class:`PlaceboReference` studentises and ranks the log ratios
(see :mod:`eventdata.analysis.anniversary` for the reasoning).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from eventdata.analysis._baseline import Baseline, WindowSums

# Fewer pseudo-anniversaries than this and the smallest attainable p-value
# (1 / (1 + n)) is above 0.01: "auto" then falls back to quasi-Poisson.
MIN_PLACEBO = 99
# Pseudo-anniversaries whose leave-window-out sums are solved together: a step
# of the progress report, and a bound on the memory of the stacked designs.
PLACEBO_BATCH = 128
# A window without events counts as half an event on the log scale.
HALF_EVENT = 0.5
# Values in the stacked weighted designs of the units solved together (about 160 MB).
_STACK_VALUES = 20_000_000


def left_out_sums(
    baseline: Baseline,
    anchors: np.ndarray,
    shifts: np.ndarray,
    window: tuple[int, int],
    advance: Callable[[int], object] | None = None,
) -> WindowSums:
    """Events and leave-window-out expectation at each pseudo-anniversary.

    Solved :data:`PLACEBO_BATCH` shifts at a time (each shift's numbers do
    not depend on the others in its batch), calling ``advance(len(batch))``
    after each batch.
    """
    return left_out_sums_of_units([baseline], anchors, shifts, window, advance)[0]


def left_out_sums_of_units(
    baselines: Sequence[Baseline],
    anchors: np.ndarray,
    shifts: np.ndarray,
    window: tuple[int, int],
    advance: Callable[[int], object] | None = None,
) -> list[WindowSums]:
    """:func:`left_out_sums` of several series over the same days (units), solved together.

    The baselines share the design matrix (each fitted on the same ``design``): its
    window rows are gathered once per batch of shifts, and the units' systems are
    solved in one stack.
    Each unit's numbers are those :func:`left_out_sums` gives it alone.
    """
    if not len(shifts) or not len(baselines):
        return [WindowSums(np.zeros(0), np.zeros(0), np.zeros(0)) for _ in baselines]
    information = np.stack([baseline.information for baseline in baselines])
    width = len(anchors) * (window[1] - window[0] + 1)
    # units solved together: a bound on the memory of the stacked weighted designs
    chunk = max(1, _STACK_VALUES // (PLACEBO_BATCH * width * baselines[0].X.shape[1]))
    parts: list[list[WindowSums]] = [[] for _ in baselines]
    for first in range(0, len(shifts), PLACEBO_BATCH):
        batch = shifts[first : first + PLACEBO_BATCH]
        for low in range(0, len(baselines), chunk):
            some = baselines[low : low + chunk]
            solved = _left_out_stack(some, anchors, batch, window, information[low : low + chunk])
            for i, sums in enumerate(solved, start=low):
                parts[i].append(sums)
        if advance is not None:
            advance(len(batch))
    return [
        WindowSums(
            np.concatenate([p.observed for p in unit]),
            np.concatenate([p.expected for p in unit]),
            np.concatenate([p.model_variance for p in unit]),
        )
        for unit in parts
    ]


def left_out_batch(
    baseline: Baseline,
    anchors: np.ndarray,
    shifts: np.ndarray,
    window: tuple[int, int],
) -> WindowSums:
    """:func:`left_out_sums` of a batch of shifts, solved together.

    For shift ``s`` the window days ``S`` are ``anchors + s + window``; their
    expectation comes from the fit without them, by the deletion formula of
    weighted least squares at the Poisson fit's final weights ``mu``:
    ``beta_(-S) = beta - A X_S' W_S^(1/2) (I - H_SS)^(-1) W_S^(1/2) e_S``,
    with ``A`` the inverse information, ``e`` the working residuals
    ``(y - mu) / mu`` and ``H_SS`` the hat matrix's block of the window. By the
    Woodbury identity, ``A X~_S' (I - H_SS)^(-1) = M_S^(-1) X~_S'`` with
    ``X~_S = W_S^(1/2) X_S`` and ``M_S = A^(-1) - X~_S' X~_S`` the information
    without the window's days, so each shift solves a system of the size of the
    model (a few dozen parameters), not of the window (days times years). The
    expectation's variance is ``v' M_S^(-1) v``, ``v`` the gradient of the window's
    left-out expectation.
    """
    information = baseline.information[None]
    return _left_out_stack([baseline], anchors, shifts, window, information)[0]


def _left_out_stack(
    baselines: Sequence[Baseline],
    anchors: np.ndarray,
    shifts: np.ndarray,
    window: tuple[int, int],
    information: np.ndarray,
) -> list[WindowSums]:
    """:func:`left_out_batch` for each baseline (same design), as one stack (unit first)."""
    offsets = np.arange(window[0], window[1] + 1)
    rows = (shifts[:, None, None] + anchors[None, :, None] + offsets[None, None, :]).reshape(
        len(shifts), -1
    )
    design = baselines[0].X[rows]  # (shift, day, parameter), the same for every unit
    columns = np.ascontiguousarray(np.swapaxes(design, -1, -2))  # (shift, parameter, day)
    mu = np.stack([baseline.mu[rows] for baseline in baselines])  # (unit, shift, day)
    y = np.stack([baseline.y[rows] for baseline in baselines])
    # every product is one per unit and shift (a stack of small matrix products, never one
    # across units), so a unit's numbers do not depend on the others solved with it
    without = information[:, None] - (columns * mu[:, :, None, :]) @ design
    score = np.matmul(columns, (y - mu)[..., None])[..., 0]
    try:
        # the left-out information is positive definite: one Cholesky factor serves both
        # solves, by substitution over the whole stack at once (parameter axes first)
        lower = np.ascontiguousarray(np.moveaxis(np.linalg.cholesky(without), (-2, -1), (0, 1)))
    except np.linalg.LinAlgError:  # not numerically: LU solves
        lower = None
    if lower is not None:
        delta = np.moveaxis(_backward(lower, _forward(lower, np.moveaxis(score, -1, 0))), 0, -1)
    else:
        delta = np.linalg.solve(without, score[..., None])[..., 0]
    left_out = np.exp(np.log(mu) - np.matmul(design, delta[..., None])[..., 0])
    gradient = np.matmul(columns, left_out[..., None])[..., 0]
    if lower is not None:
        variance = np.sum(_forward(lower, np.moveaxis(gradient, -1, 0)) ** 2, axis=0)
    else:
        variance = np.einsum(
            "usp,usp->us", gradient, np.linalg.solve(without, gradient[..., None])[..., 0]
        )
    expected = left_out.sum(axis=-1)
    observed = y.sum(axis=-1)
    return [
        WindowSums(observed[i], expected[i], variance[i] / expected[i] ** 2)
        for i in range(len(baselines))
    ]


def _forward(lower: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve ``L x = b`` for a stack of lower-triangular ``L``, the stack on the last axes:
    ``lower[i, j]`` and ``b[i]`` hold element ``(i, j)`` and ``i`` of every system."""
    x = np.empty_like(b)
    for i in range(len(b)):
        x[i] = (b[i] - np.sum(lower[i, :i] * x[:i], axis=0)) / lower[i, i]
    return x


def _backward(lower: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve ``L' x = b`` for a stack of lower-triangular ``L`` (laid out as for
    :func:`_forward`)."""
    x = np.empty_like(b)
    for i in reversed(range(len(b))):
        x[i] = (b[i] - np.sum(lower[i + 1 :, i] * x[i + 1 :], axis=0)) / lower[i, i]
    return x


@dataclass(frozen=True)
class PlaceboReference:
    """The null distribution from pseudo-anniversaries, studentised.

    A window's log ratio ``log(O / E)`` has variance about ``1 / E`` (Poisson
    counting) + ``v`` (the expectation's error) + ``c`` (overdispersion and
    autocorrelation, relative to the mean). ``c`` is the placebo log ratios'
    variance beyond the first two. Dividing by the square root of the sum puts
    windows with more and fewer expected events (the real one sits in one
    season, the placebo ones in all) on one scale before they are ranked.
    """

    z: np.ndarray
    excess: float

    @classmethod
    def from_sums(cls, placebo: WindowSums) -> PlaceboReference:
        log_ratio = log_rate_ratio(placebo.observed, placebo.expected)
        known = 1 / placebo.expected + placebo.model_variance
        excess = max(0.0, float(np.var(log_ratio) - np.mean(known)))
        return cls(z=log_ratio / np.sqrt(known + excess), excess=excess)

    def scale(self, sums: WindowSums, log_ratio: np.ndarray | float = 0.0) -> np.ndarray:
        """Standard deviation of the log ratio when the true ratio is ``exp(log_ratio)``."""
        poisson = 1 / (sums.expected * np.exp(log_ratio))
        return np.sqrt(poisson + sums.model_variance + self.excess)

    def pvalues(self, sums: WindowSums) -> dict[str, np.ndarray]:
        """Share of placebo windows at least as extreme, each way (1 + k) / (1 + n)."""
        z = np.atleast_1d(log_rate_ratio(sums.observed, sums.expected) / self.scale(sums))
        tolerance = 1e-12  # equal ratios (e.g. two empty windows) count as at least as extreme
        n = len(self.z)
        larger = (1 + (self.z[None, :] >= z[:, None] - tolerance).sum(axis=1)) / (1 + n)
        smaller = (1 + (self.z[None, :] <= z[:, None] + tolerance).sum(axis=1)) / (1 + n)
        both = np.minimum(1.0, 2 * np.minimum(larger, smaller))
        return {"increase": larger, "decrease": smaller, "two-sided": both}

    def interval(self, sums: WindowSums, level: float) -> tuple[np.ndarray, np.ndarray]:
        """The ratios that neither one-sided placebo test rejects at ``(1 - level) / 2``.

        The bounds solve ``(log(O / E) - log rho) / scale(rho) = q``, with ``q``
        the placebo z at the rank where the p-value ``(1 + k) / (1 + n)`` crosses
        ``(1 - level) / 2``; unbounded when there are too few placebo windows.
        """
        statistic = log_rate_ratio(sums.observed, sums.expected)
        ordered = np.sort(self.z)
        rank = int(np.floor((1 - level) / 2 * (len(ordered) + 1) - 1))  # tail count kept
        if rank < 0:
            infinite = np.full(np.shape(statistic), np.inf)
            return np.zeros(np.shape(statistic)), infinite
        bounds = []
        for q in (ordered[-(rank + 1)], ordered[rank]):
            log_rho = statistic - q * self.scale(sums, statistic)
            for _ in range(200):  # a contraction wherever E * rho is above about 1
                new = np.clip(statistic - q * self.scale(sums, log_rho), -30.0, 30.0)
                if np.all(np.abs(new - log_rho) < 1e-10):
                    break
                log_rho = new
            bounds.append(np.exp(new))
        return bounds[0], bounds[1]


def placebo_minimum(level: float) -> int:
    """Pseudo-anniversaries for a bounded interval at ``level``: ``2 / (1 - level) - 1``."""
    return int(np.ceil(2 / (1 - level) - 1 - 1e-9))


def log_rate_ratio(observed: np.ndarray | float, expected: np.ndarray | float) -> np.ndarray:
    return np.log(np.maximum(observed, HALF_EVENT) / expected)


def placebo_shifts(
    anchors: np.ndarray, window: tuple[int, int], forbidden: np.ndarray, n: int
) -> np.ndarray:
    """Shifts of the tested anchors that make admissible pseudo-anniversaries.

    Every shifted window lies in the series and touches no forbidden day (real
    windows and their buffer); of these, at most one year's worth of
    consecutive shifts (one per calendar date), the span holding the most.
    """
    low, high = -(anchors.min() + window[0]), n - 1 - (anchors.max() + window[1])
    if high < low:
        return np.array([], dtype=int)
    shifts = np.arange(low, high + 1)
    starts = shifts[:, None] + anchors[None, :] + window[0]
    ends = starts + (window[1] - window[0]) + 1
    blocked = np.concatenate([[0], np.cumsum(forbidden)])
    ok = ((blocked[ends] - blocked[starts]) == 0).all(axis=1)
    if len(shifts) > 365:
        running = np.concatenate([[0], np.cumsum(ok)])
        totals = running[365:] - running[:-365]
        first = shifts[: len(totals)]
        # most admissible shifts; among equals, the span centred nearest the real dates
        best = np.lexsort((np.abs(first + 182), -totals))[0]
        keep = (shifts >= first[best]) & (shifts < first[best] + 365)
        ok &= keep
    return shifts[ok]
