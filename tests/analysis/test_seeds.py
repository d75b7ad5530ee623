"""Every ``seed`` option takes None, a whole number >= 0 or a numpy Generator, and says so."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import eventdata as ed


@pytest.fixture(scope="module")
def year():
    return ed.datasets.simulate("2021-01-01", "2021-12-31", seed=3)


CALLS = {
    "simulate": lambda e, seed: ed.datasets.simulate("2021-01-01", "2021-01-31", seed=seed),
    "space_time_scan": lambda e, seed: ed.space_time_scan(
        e.head(200), replications=9, max_days=7, max_radius_km=50, seed=seed
    ),
    "knox_test": lambda e, seed: ed.knox_test(
        e.head(200), distance_km=20, days=3, permutations=9, seed=seed
    ),
    "province_frequency": lambda e, seed: ed.province_frequency(e, n_simulations=9, seed=seed),
    "compare_periods": lambda e, seed: ed.compare_periods(
        e,
        before=("2021-01-01", "2021-06-30"),
        after=("2021-07-01", "2021-12-31"),
        n_simulations=9,
        seed=seed,
    ),
    "escalation_alerts": lambda e, seed: ed.escalation_alerts(
        ed.counts(e), method="nb-cusum", n_bootstrap=9, seed=seed
    ),
}


@pytest.mark.parametrize("call", list(CALLS))
@pytest.mark.parametrize("seed", [-1, 1.5, "7", True])
def test_a_seed_that_is_not_a_whole_number_from_0_gets_one_clear_error(year, call, seed):
    with pytest.raises(ed.EventDataError, match="seed must be") as caught:
        CALLS[call](year, seed)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("call", list(CALLS))
def test_a_seed_gives_the_same_answer_as_its_generator(year, call):
    one = CALLS[call](year, 11)
    # a generator where the option takes one, else numpy's own integer
    takes_generator = call in ("space_time_scan", "knox_test", "simulate")
    two = CALLS[call](year, np.random.default_rng(11) if takes_generator else np.int64(11))
    if isinstance(one, pd.DataFrame):
        pd.testing.assert_frame_equal(one, two)
    else:
        pd.testing.assert_frame_equal(one.to_frame(), two.to_frame())
