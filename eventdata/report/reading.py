"""The anniversary test's result in plain words: what it shows and what it does not."""

from __future__ import annotations

from eventdata.analysis.anniversary import AnniversaryResult, format_pvalue, format_ratio

__all__ = ["interpretation"]


def interpretation(result: AnniversaryResult) -> str:
    """The anniversary result in plain words, with what it does and does not show.

    Examples
    --------
    >>> import eventdata as ed
    >>> from eventdata.analysis.anniversary import anniversary_test
    >>> daily = ed.datasets.simulate_counts("2016-01-01", "2022-12-31", seed=4)
    >>> text = interpretation(anniversary_test(daily, "01-03"))
    >>> text.startswith("Over 7 years (2016-2022), the windows held")
    True
    """
    lo, hi = result.ci
    years = f"{result.years[0]}-{result.years[-1]}" if result.n_years > 1 else str(result.years[0])
    change = result.rate_ratio - 1
    direction = f"{abs(change):.0%} {'more' if change >= 0 else 'fewer'}"
    text = (
        f"Over {result.n_years} years ({years}), the windows held {result.observed:g} events "
        f"against {result.expected:.1f} expected: {direction} than expected (rate ratio "
        f"{result.rate_ratio:.2f}, {result.level:.0%} interval {format_ratio(lo)} to "
        f"{format_ratio(hi)}). "
    )
    if not result.reliable:
        return text + f"No p-value: {result.reliability_note}."
    p = f"p {format_pvalue(result.pvalue_adjusted, equals=True)}"
    significant = result.pvalue_adjusted < 0.05
    if result.alternative != "increase":
        text += f"The {result.alternative} test gives {p}" + (
            " (below 0.05)." if significant else " (not below 0.05)."
        )
    elif significant and lo > 1:
        text += (
            f"A rise this large is unusual for this series ({p}): the data are consistent "
            "with an escalation around the anniversary"
        )
        text += (
            ", though the interval is wide: its size is uncertain."
            if hi / lo > 2
            else ", and the interval bounds its size."
        )
    elif significant:
        text += (
            f"The one-sided test gives {p}, but the interval reaches down to {lo:.2f}: "
            "weak evidence of a rise, which a different window or period could undo."
        )
    elif hi >= 2:
        text += (
            f"The test gives {p}, and the interval is wide: with {result.expected:.1f} events "
            "expected, it cannot tell a rise from chance, and even a doubling would fit the "
            "data. Absence of evidence here is not evidence of absence; widen the "
            "selection, or wait for more years."
        )
    else:
        text += (
            f"Rises of this size are common at other dates of this series "
            f"({p}): no evidence of an escalation around the "
            f"anniversary, and effects above {hi:.2f} times the expectation are unlikely."
        )
    if not significant and result.alternative == "increase" and result.detectable_ratio > 1:
        text += (
            f" This series can detect (with 80% power) only rises of "
            f"{result.detectable_ratio:.2f} times the expectation or more."
        )
    bumpy = int((result.by_year["ratio"] < 1).sum())
    if significant and bumpy and result.alternative == "increase":
        text += f" Not every year rose: {bumpy} of {result.n_years} were below expectation."
    return text
