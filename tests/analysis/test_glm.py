"""The analysis layer's one GLM core: fits and the NB2 dispersion against statsmodels."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests

from eventdata.analysis._glm import (
    fit_log_glm,
    fit_log_glms,
    fit_nb2,
    log_glm,
    nb2_alpha,
    nb2_alphas,
    nb2_dispersion,
    nb2_loglik,
    objective,
)
from eventdata.analysis._multiple import adjust_pvalues, benjamini_hochberg
from eventdata.core.errors import EventDataError


def overdispersed(seed: int, n: int = 600, alpha: float = 0.6):
    """NB2 counts with a trend and a binary covariate: variance mu + alpha mu^2."""
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(n), np.linspace(-1, 1, n), rng.integers(0, 2, n)])
    mu = np.exp(x @ np.array([1.5, 0.4, -0.3]))
    size = 1 / alpha
    y = rng.negative_binomial(size, size / (size + mu)).astype(float)
    return x, y


def statsmodels_nb_mle(x: np.ndarray, y: np.ndarray):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = sm.NegativeBinomial(y, x, loglike_method="nb2")
        return model.fit(method="newton", maxiter=200, disp=0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_dispersion_estimator_matches_statsmodels_negative_binomial_mle(seed):
    x, y = overdispersed(seed)
    reference = statsmodels_nb_mle(x, y)
    alpha = reference.params[-1]
    assert 0.3 < alpha < 1.0  # the data are overdispersed
    # jointly, by the profile likelihood
    nb, poisson, converged = fit_nb2(x, y, xatol=1e-9)
    assert converged
    assert nb.alpha == pytest.approx(alpha, rel=1e-5)
    np.testing.assert_allclose(nb.params, reference.params[:-1], rtol=1e-6)
    assert nb.loglik == pytest.approx(reference.llf, rel=1e-10)
    assert poisson.loglik < nb.loglik
    # given the joint maximum's means, the dispersion maximising the likelihood is the same
    mu = np.exp(x @ reference.params[:-1])
    given = nb2_dispersion(y, mu, method="ml", xatol=1e-10)
    assert given == pytest.approx(alpha, rel=1e-5)
    assert nb2_alpha(y, mu) == pytest.approx(alpha, rel=1e-3)


def test_pearson_dispersion_solves_the_moment_equation_of_statsmodels_glm():
    x, y = overdispersed(4)
    fit = sm.GLM(y, x, family=sm.families.Poisson()).fit()
    alpha = nb2_dispersion(y, fit.mu, method="pearson", df=fit.df_resid)
    chi2 = np.sum((y - fit.mu) ** 2 / (fit.mu * (1 + alpha * fit.mu)))
    assert chi2 == pytest.approx(fit.df_resid, rel=1e-9)
    # one mean per row: the closed form, row by row, as the same equation
    rows = np.random.default_rng(5).negative_binomial(2, 0.25, size=(4, 50)).astype(float)
    by_row = nb2_dispersion(rows, rows.mean(axis=1, keepdims=True), method="pearson")
    for row, value in zip(rows, by_row, strict=True):
        moment = (row.var(ddof=1) - row.mean()) / row.mean() ** 2
        assert value == pytest.approx(max(moment, 0.0))
    # Poisson counts with a Pearson chi-square below df: 0, not a negative dispersion
    flat = np.array([3.0, 3, 4, 3, 3, 4, 3, 3])
    assert nb2_dispersion(flat, flat.mean(), method="pearson") == 0.0
    with pytest.raises(ValueError, match="method"):
        nb2_dispersion(flat, flat.mean(), method="moments")


@pytest.mark.parametrize("alpha", [0.0, 0.5])
def test_log_glm_equals_statsmodels_glm_with_offsets(alpha):
    x, y = overdispersed(6, n=200)
    offset = np.log(np.linspace(1, 3, 200))
    family = sm.families.Poisson() if alpha == 0 else sm.families.NegativeBinomial(alpha=alpha)
    reference = sm.GLM(y, x, family=family, offset=offset).fit(tol=1e-12)
    ours = log_glm(x, y, offset=offset, alpha=alpha, step_tol=1e-10)
    np.testing.assert_allclose(ours.params, reference.params, rtol=1e-7)
    np.testing.assert_allclose(ours.cov, reference.cov_params(), rtol=1e-6)
    assert ours.loglik == pytest.approx(reference.llf, rel=1e-10)
    assert nb2_loglik(y, reference.mu, alpha) == pytest.approx(reference.llf, rel=1e-12)
    # the deviance rule alone stops a little earlier, within 1e-5 of the optimum
    np.testing.assert_allclose(
        fit_log_glm(x, y, offset=offset, alpha=alpha), reference.params, rtol=1e-5
    )


@pytest.mark.parametrize("alpha", [0.0, 0.5])
@pytest.mark.parametrize("warm", [False, True])
def test_series_fitted_together_get_exactly_their_coefficients_alone(alpha, warm):
    """One stack of Newton steps for several series on one design: each series stops by
    its own rule, and its coefficients are bit for bit those of its fit alone."""
    rng = np.random.default_rng(9)
    x, _ = overdispersed(10, n=400)
    # from busy to nearly empty series, one with a steep trend (more iterations)
    means = [
        np.exp(x @ np.array([b0, b1, -0.3]))
        for b0, b1 in [(2.0, 0.4), (0.0, 0.1), (-2.0, 0.0), (-1.0, 2.5), (1.0, -0.5)]
    ]
    counts = np.stack([rng.poisson(mu) for mu in means]).astype(float)
    offset = np.log(rng.uniform(0.5, 2.0, size=counts.shape))
    start = np.zeros((len(counts), x.shape[1])) if warm else None
    together = fit_log_glms(x, counts, offset=offset, alpha=alpha, start=start)
    for i, y in enumerate(counts):
        alone = fit_log_glm(
            x, y, offset=offset[i], alpha=alpha, start=None if start is None else start[i]
        )
        np.testing.assert_array_equal(together[i], alone)
    # and they are the maximum likelihood, as statsmodels finds it
    family = sm.families.Poisson() if alpha == 0 else sm.families.NegativeBinomial(alpha=alpha)
    reference = sm.GLM(counts[3], x, family=family, offset=offset[3]).fit(tol=1e-12)
    np.testing.assert_allclose(together[3], reference.params, rtol=1e-5)


def test_series_with_their_own_dispersions_get_exactly_their_fits_alone():
    """Each series of a stack at its own alpha (0 for Poisson): the coefficients of its fit
    alone, bit for bit, and the objective at them."""
    rng = np.random.default_rng(11)
    x, _ = overdispersed(12, n=300)
    counts = np.stack([rng.negative_binomial(2, 0.4, size=300) for _ in range(4)]).astype(float)
    alphas = np.array([0.0, 0.3, 1.2, 0.05])
    together, objectives = fit_log_glms(x, counts, alpha=alphas, with_objective=True)
    for i, y in enumerate(counts):
        alone = fit_log_glm(x, y, alpha=alphas[i])
        np.testing.assert_array_equal(together[i], alone)
        assert objectives[i] == pytest.approx(objective(y, np.exp(x @ alone), alphas[i]), rel=1e-12)


def test_dispersions_searched_together_are_each_the_scipy_search_alone():
    """nb2_alphas: scipy's bounded search step for step, each series' own, Poisson at 0."""
    from scipy import optimize

    rng = np.random.default_rng(5)
    means = rng.uniform(0.1, 4.0, size=(5, 250))
    counts = rng.negative_binomial(1.5, 1 / (1 + 0.6 * means)).astype(float)
    counts[3] = np.round(means[3])  # less than Poisson variation: alpha 0
    together = nb2_alphas(counts, means)
    for y, mu, alpha in zip(counts, means, together, strict=True):
        assert nb2_alphas(y[None], mu[None])[0] == alpha == nb2_alpha(y, mu)
        search = optimize.minimize_scalar(
            lambda log_alpha, y=y, mu=mu: -nb2_loglik(y, mu, float(np.exp(log_alpha))),
            bounds=(-12.0, 4.0),
            method="bounded",
            options={"xatol": 1e-5},
        )
        found = float(np.exp(search.x))
        best = found if nb2_loglik(y, mu, found) > nb2_loglik(y, mu, 0.0) else 0.0
        assert alpha == pytest.approx(best, rel=1e-12, abs=1e-300)
    assert together[3] == 0.0


def test_a_series_that_cannot_be_fitted_does_not_stop_the_others():
    x = np.column_stack([np.ones(6), [0.0, 0, 0, 1, 1, 1]])
    # the second series has a missing count: neither IRLS nor statsmodels can fit it
    counts = np.array([[2.0, 3, 1, 5, 6, 4], [2.0, 3, np.nan, 1, 0, 0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        together = fit_log_glms(x, counts)
        np.testing.assert_array_equal(together[0], fit_log_glm(x, counts[0]))
        assert np.isnan(together[1]).all()
        with pytest.raises(EventDataError, match="did not converge"):
            fit_log_glm(x, counts[1])


def test_without_overdispersion_the_nb2_fit_is_the_poisson_one():
    rng = np.random.default_rng(7)
    x = np.column_stack([np.ones(300), rng.normal(size=300)])
    y = rng.poisson(np.exp(1 + 0.2 * x[:, 1])).astype(float)
    y[:] = np.round(np.exp(1 + 0.2 * x[:, 1]))  # less than Poisson variation
    nb, poisson, converged = fit_nb2(x, y)
    assert converged and nb.alpha == 0.0 and nb is poisson


def test_multiple_testing_masks_missing_pvalues():
    rng = np.random.default_rng(8)
    p = rng.uniform(size=30) ** 2
    p[[2, 11, 29]] = np.nan
    kept = ~np.isnan(p)
    for method in ("fdr_bh", "holm", "bonferroni"):
        adjusted = adjust_pvalues(p, method)
        assert np.isnan(adjusted[~kept]).all()
        np.testing.assert_allclose(adjusted[kept], multipletests(p[kept], method=method)[1])
    np.testing.assert_array_equal(benjamini_hochberg(p), adjust_pvalues(p, "fdr_bh"))
    assert np.isnan(benjamini_hochberg([np.nan, np.nan])).all()
    assert benjamini_hochberg([]).shape == (0,)
