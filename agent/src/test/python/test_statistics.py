"""dev.isoplast.report (Java) against rliable and scipy: IQM, mean, probability of improvement and their
stratified-bootstrap intervals on random score matrices (normal, heavy-tailed, integer ties, a
strong run effect, one run, one task, 2 x 2).

The Java side runs as `java -cp agent/target/isoplast.jar dev.isoplast.report.StatisticsTool`
(JSON in, JSON out; the jar is built by ./isoplast setup / test), once for all cases.

Point estimates must equal rliable's to float rounding (1e-12, relative to max(1, |value|)): the
same formulas on the same numbers, only the order of a few additions may differ.

Interval endpoints cannot agree exactly (the random streams differ: rliable draws with numpy's
global RandomState), so each rliable endpoint is checked in probability space against the Java
bootstrap distribution. If both sample the same bootstrap distribution G, rliable's q-quantile r
from B_r replicates has G(r) = q ± sqrt(q(1-q)/B_r), and Java's empirical CDF adds
± sqrt(q(1-q)/B_j); so r must lie between the Java replicates' (q - 4 se) and (q + 4 se)
quantiles, se = sqrt(q(1-q)(1/B_r + 1/B_j)), q = 0.025 and 0.975. With B_j = 50,000 (the Java
default, rliable's default too) and B_r = 5,000 (IQM, mean, ratio) or 2,000 (probability of
improvement, whose rliable version calls scipy per task and replicate), 4 se is 0.0093 and 0.0142:
e.g. rliable's lower IQM endpoint must be a 1.6%-3.4% quantile of Java's replicates. (rliable's
bootstrap runs in Python at about 0.1-1 ms per replicate; these counts keep the file near 30 s on
the two shared cores.) A resampling
that differed (whole runs instead of runs within tasks, tasks resampled, another percentile rule)
moves the endpoints far more than that on these cases. Everything is seeded, so the outcome is
deterministic; a false alarm at 4 se would have probability about 6e-5 per endpoint.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from rliable import library as rly
from rliable import metrics

ROOT = Path(__file__).resolve().parents[4]
JAR = ROOT / "agent" / "target" / "isoplast.jar"

JAVA_REPS = 50_000
RLIABLE_REPS = 5_000
RLIABLE_REPS_POI = 2_000
CONFIDENCE = 0.95
Z = 4.0


def _cases() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2021)
    ties = rng.integers(1, 5, size=(6, 3)).astype(float)
    return {
        "normal_10x5": rng.normal(1.0, 0.3, size=(10, 5)),
        "shifted_8x5": rng.normal(1.2, 0.3, size=(8, 5)),
        "ties_6x3": ties,
        "ties_copy_6x3": ties.copy(),  # identical columns: rliable's 0.5 branch
        "ties_5x3": rng.integers(1, 5, size=(5, 3)).astype(float),
        "small_2x2": rng.uniform(0.5, 1.5, size=(2, 2)),
        "small_3x2": rng.uniform(0.5, 1.5, size=(3, 2)),
        "one_run_1x4": rng.uniform(0.5, 1.5, size=(1, 4)),
        "one_task_7x1": 1 + rng.exponential(size=(7, 1)),
        "one_task_4x1": 1 + rng.exponential(size=(4, 1)),
        # runs that are good or bad on every task at once: resampling whole runs would widen the CI
        "run_effect_8x4": 3 + rng.normal(size=(8, 1)) + 0.1 * rng.normal(size=(8, 4)),
        "heavy_5x3": rng.lognormal(0.0, 1.5, size=(5, 3)),  # 15 scores: floor(3.75) = 3 trimmed
    }


CASES = _cases()
PAIRS = [
    ("shifted_8x5", "normal_10x5"),
    ("ties_6x3", "ties_5x3"),
    ("ties_6x3", "ties_copy_6x3"),
    ("small_3x2", "small_2x2"),
    ("one_task_7x1", "one_task_4x1"),
]
# intervals: the copy adds nothing to its original's bootstrap, so it is left out there
CI_CASES = sorted(name for name in CASES if name != "ties_copy_6x3")
CI_PAIRS = [p for p in PAIRS if "ties_copy_6x3" not in p]


def statistics_tool(cases: dict[str, np.ndarray], pairs: list, seed: int, **options) -> dict:
    """One request to the Java StatisticsTool: every case, every pair, Java's default reps, replicates."""
    assert shutil.which("java"), "java is not on PATH"
    assert JAR.exists(), f"{JAR} is missing: run ./isoplast setup (it builds the jar)"
    request = {
        "scores": {name: s.tolist() for name, s in cases.items()},
        "pairs": [list(p) for p in pairs],
        "reps": JAVA_REPS,
        "confidence": CONFIDENCE,
        "seed": seed,
        "replicates": True,
        **options,
    }
    proc = subprocess.run(
        ["java", "-cp", str(JAR), "dev.isoplast.report.StatisticsTool"],
        input=json.dumps(request), capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def java() -> dict:
    return statistics_tool(CASES, PAIRS, seed=12345)


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 * max(1.0, abs(b))


def iqm(s):
    return np.array([metrics.aggregate_iqm(s)])


def mean(s):
    return np.array([metrics.aggregate_mean(s)])


def poi(x, y):
    return np.array([metrics.probability_of_improvement(x, y)])


def iqm_ratio(x, y):
    return np.array([metrics.aggregate_iqm(x) / metrics.aggregate_iqm(y)])


def rliable_interval(scores, func, reps: int, seed: int) -> tuple[float, float, float]:
    """rliable's point estimate and percentile CI; its StratifiedBootstrap draws from np.random."""
    np.random.seed(seed)
    points, cis = rly.get_interval_estimates({"m": scores}, func, reps=reps,
                                             confidence_interval_size=CONFIDENCE)
    return float(points["m"][0]), float(cis["m"][0][0]), float(cis["m"][1][0])


def assert_endpoint_agrees(r: float, java_replicates: list[float], q: float, rliable_reps: int, what: str):
    se = math.sqrt(q * (1 - q) * (1 / len(java_replicates) + 1 / rliable_reps))
    lo, hi = np.quantile(np.asarray(java_replicates), [max(q - Z * se, 0.0), min(q + Z * se, 1.0)])
    slack = 1e-12 * max(1.0, abs(r))
    assert lo - slack <= r <= hi + slack, (
        f"{what}: rliable's {q:.3f} endpoint {r!r} is outside the Java replicates' "
        f"[{q - Z * se:.4f}, {q + Z * se:.4f}] quantiles [{lo!r}, {hi!r}]")


ALPHA = (1 - CONFIDENCE) / 2


@pytest.mark.parametrize("name", sorted(CASES))
def test_iqm_and_mean_point_estimates_equal_rliables(java, name):
    s = CASES[name]
    got = java["aggregates"][name]
    assert close(got["iqm"]["point"], metrics.aggregate_iqm(s)), (got["iqm"]["point"], metrics.aggregate_iqm(s))
    assert close(got["mean"]["point"], metrics.aggregate_mean(s)), (got["mean"]["point"], metrics.aggregate_mean(s))


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: f"{p[0]}>{p[1]}")
def test_probability_of_improvement_and_ratio_points_equal_rliables(java, pair):
    x, y = CASES[pair[0]], CASES[pair[1]]
    got = next(r for r in java["probability_of_improvement"] if (r["x"], r["y"]) == pair)
    want = metrics.probability_of_improvement(x, y)
    assert close(got["point"], want), (got["point"], want)
    ratio = next(r for r in java["iqm_ratio"] if (r["x"], r["y"]) == pair)
    assert close(ratio["point"], iqm_ratio(x, y)[0])


def test_the_cases_cover_ties_and_the_identical_branch(java):
    """Guards the case list itself: ties across methods, a P(X > Y) of exactly 0.5, a 1-run matrix."""
    x, y = CASES["ties_6x3"], CASES["ties_5x3"]
    assert any(np.intersect1d(x[:, m], y[:, m]).size for m in range(3))
    same = next(r for r in java["probability_of_improvement"] if r["y"] == "ties_copy_6x3")
    assert same["point"] == 0.5
    one = java["aggregates"]["one_run_1x4"]["iqm"]
    assert one["lower"] == one["upper"] == one["point"]


def test_java_endpoints_are_numpys_percentiles_of_its_replicates(java):
    """The percentile rule itself: arch's conf_int takes np.percentile at 100*alpha and 100*(1-alpha)."""
    estimates = [e for a in java["aggregates"].values() for e in a.values()]
    estimates += java["probability_of_improvement"] + java["iqm_ratio"]
    for e in estimates:
        assert len(e["replicates"]) == JAVA_REPS
        lo, hi = np.percentile(np.asarray(e["replicates"]), [100 * ALPHA, 100 * (1 - ALPHA)])
        assert close(e["lower"], lo) and close(e["upper"], hi), (e["lower"], lo, e["upper"], hi)


@pytest.mark.parametrize("name", CI_CASES)
def test_iqm_and_mean_intervals_agree_with_rliable(java, name):
    assert_aggregates_agree(java["aggregates"][name], CASES[name], 100, name)


def assert_aggregates_agree(got_by_stat: dict, s: np.ndarray, seed: int, what: str):
    """Java's IQM and mean of s with their intervals against rliable's (seeds seed, seed + 1)."""
    for k, (stat, func) in enumerate((("iqm", iqm), ("mean", mean))):
        got = got_by_stat[stat]
        point, lo, hi = rliable_interval(s, func, RLIABLE_REPS, seed=seed + k)
        assert close(got["point"], point)
        assert_endpoint_agrees(lo, got["replicates"], ALPHA, RLIABLE_REPS, f"{what} {stat} lower")
        assert_endpoint_agrees(hi, got["replicates"], 1 - ALPHA, RLIABLE_REPS, f"{what} {stat} upper")


@pytest.mark.parametrize("pair", CI_PAIRS, ids=lambda p: f"{p[0]}>{p[1]}")
def test_probability_of_improvement_and_ratio_intervals_agree_with_rliable(java, pair):
    x, y = CASES[pair[0]], CASES[pair[1]]
    got = next(r for r in java["probability_of_improvement"] if (r["x"], r["y"]) == pair)
    point, lo, hi = rliable_interval([x, y], poi, RLIABLE_REPS_POI, seed=7)
    assert close(got["point"], point)
    assert_endpoint_agrees(lo, got["replicates"], ALPHA, RLIABLE_REPS_POI, f"P({pair[0]} > {pair[1]}) lower")
    assert_endpoint_agrees(hi, got["replicates"], 1 - ALPHA, RLIABLE_REPS_POI, f"P({pair[0]} > {pair[1]}) upper")

    got = next(r for r in java["iqm_ratio"] if (r["x"], r["y"]) == pair)
    point, lo, hi = rliable_interval([x, y], iqm_ratio, RLIABLE_REPS, seed=8)
    assert close(got["point"], point)
    assert_endpoint_agrees(lo, got["replicates"], ALPHA, RLIABLE_REPS, f"IQM {pair[0]} / {pair[1]} lower")
    assert_endpoint_agrees(hi, got["replicates"], 1 - ALPHA, RLIABLE_REPS, f"IQM {pair[0]} / {pair[1]} upper")


# --- A run as the unit of replication (DESIGN.md §14) ----------------------------------------------
# The study reduces each runs x tasks matrix to its runs' means (the tasks of one continual run are
# not independent) and bootstraps whole runs; rliable's reference for that is the same bootstrap on
# the runs x 1 matrix of per-run means (one stratum). Beside P(X > Y): scipy's two-sided
# Mann-Whitney test and the minimum detectable difference at 80% power.

RUN_CASES = {name: s for name, s in CASES.items() if name != "ties_copy_6x3"}
RUN_CASES.update({
    # more than 8 runs each and no ties: scipy's method='auto' takes the normal approximation
    "big_12x3": np.random.default_rng(7).normal(0.0, 1.0, size=(12, 3)),
    "big_15x3": np.random.default_rng(8).normal(0.4, 1.0, size=(15, 3)),
    # 9 against 3 runs, no ties: exact (one sample has at most 8)
    "mid_9x2": np.random.default_rng(9).normal(0.0, 1.0, size=(9, 2)),
    "mid_3x2": np.random.default_rng(10).normal(1.0, 1.0, size=(3, 2)),
    # per-run means that tie across methods: asymptotic with the tie correction
    "tied_10x2": np.repeat(np.array([[1.0], [2.0], [2.0], [3.0], [3.0], [3.0], [4.0], [5.0], [5.0], [6.0]]), 2, axis=1),
    "tied_11x2": np.repeat(np.array([[2.0], [2.0], [3.0], [4.0], [4.0], [5.0], [6.0], [6.0], [6.0], [7.0], [8.0]]),
                           2, axis=1),
})
RUN_PAIRS = PAIRS[:2] + [("small_3x2", "small_2x2"), ("run_effect_8x4", "normal_10x5"), ("big_15x3", "big_12x3"),
                         ("mid_9x2", "mid_3x2"), ("tied_10x2", "tied_11x2"), ("heavy_5x3", "ties_5x3")]
RUN_PAIRS = [p for p in RUN_PAIRS if "ties_copy_6x3" not in p]


@pytest.fixture(scope="module")
def java_runs() -> dict:
    return statistics_tool(RUN_CASES, RUN_PAIRS, seed=777, per_run=True)


def per_run(s: np.ndarray) -> np.ndarray:
    return s.mean(axis=1, keepdims=True)


@pytest.mark.parametrize("name", ["normal_10x5", "run_effect_8x4", "heavy_5x3", "ties_6x3", "big_15x3"])
def test_run_intervals_are_rliables_bootstrap_of_per_run_scores(java_runs, name):
    assert_aggregates_agree(java_runs["aggregates"][name], per_run(RUN_CASES[name]), 300, f"{name} run")


def test_run_intervals_are_wider_than_per_task_strata_with_a_run_effect(java, java_runs):
    """The reason for the change, on the case built for it: runs good or bad on every task at once."""
    strat = java["aggregates"]["run_effect_8x4"]["iqm"]
    runs = java_runs["aggregates"]["run_effect_8x4"]["iqm"]
    assert runs["upper"] - runs["lower"] > 1.5 * (strat["upper"] - strat["lower"]), (runs, strat)


@pytest.mark.parametrize("pair", [p for p in RUN_PAIRS if p[0] != "one_run_1x4"], ids=lambda p: f"{p[0]}>{p[1]}")
def test_run_probability_of_improvement_agrees_with_rliable(java_runs, pair):
    x, y = per_run(RUN_CASES[pair[0]]), per_run(RUN_CASES[pair[1]])
    got = next(r for r in java_runs["probability_of_improvement"] if (r["x"], r["y"]) == pair)
    point, lo, hi = rliable_interval([x, y], poi, RLIABLE_REPS_POI, seed=11)
    assert close(got["point"], point)
    assert_endpoint_agrees(lo, got["replicates"], ALPHA, RLIABLE_REPS_POI, f"run P({pair[0]} > {pair[1]}) lower")
    assert_endpoint_agrees(hi, got["replicates"], 1 - ALPHA, RLIABLE_REPS_POI, f"run P({pair[0]} > {pair[1]}) upper")


@pytest.mark.parametrize("pair", RUN_PAIRS, ids=lambda p: f"{p[0]}>{p[1]}")
def test_mann_whitney_equals_scipys(java_runs, pair):
    from scipy import stats
    x = per_run(RUN_CASES[pair[0]])[:, 0]
    y = per_run(RUN_CASES[pair[1]])[:, 0]
    want = stats.mannwhitneyu(x, y, alternative="two-sided")
    got = next(r for r in java_runs["mann_whitney"] if (r["x"], r["y"]) == pair)
    assert got["u"] == float(want.statistic), (got, want)
    assert abs(got["p"] - float(want.pvalue)) <= 1e-9 * max(1e-3, float(want.pvalue)), (got, want)


def test_mann_whitney_cases_cover_both_methods_and_ties(java_runs):
    tests = {(r["x"], r["y"]): r for r in java_runs["mann_whitney"]}
    assert tests[("mid_9x2", "mid_3x2")]["exact"] and not tests[("big_15x3", "big_12x3")]["exact"]
    assert not tests[("tied_10x2", "tied_11x2")]["exact"]


@pytest.mark.parametrize("pair", [p for p in RUN_PAIRS if p[0] != "one_run_1x4"], ids=lambda p: f"{p[0]}>{p[1]}")
def test_minimum_detectable_difference_has_80_percent_power(java_runs, pair):
    """MDD = (t_{0.975,v} + t_{0.8,v}) s_p sqrt(1/n1 + 1/n2); at that true difference the exact power of
    the two-sided t test (scipy's noncentral t) is within two points of 0.8 for >= 3 runs a method."""
    from scipy import stats
    x = per_run(RUN_CASES[pair[0]])[:, 0]
    y = per_run(RUN_CASES[pair[1]])[:, 0]
    n1, n2 = len(x), len(y)
    df = n1 + n2 - 2
    sp = math.sqrt(((n1 - 1) * np.var(x, ddof=1) + (n2 - 1) * np.var(y, ddof=1)) / df)
    se = sp * math.sqrt(1 / n1 + 1 / n2)
    want = (stats.t.ppf(0.975, df) + stats.t.ppf(0.8, df)) * se
    got = next(r for r in java_runs["mdd"] if (r["x"], r["y"]) == pair)
    assert abs(got["pooled_sd"] - sp) <= 1e-12 * max(1.0, sp)
    assert abs(got["mdd"] - want) <= 1e-8 * max(1.0, want), (got, want)
    if min(n1, n2) >= 3:
        crit = stats.t.ppf(0.975, df)
        nc = got["mdd"] / se
        power = stats.nct.sf(crit, df, nc) + stats.nct.cdf(-crit, df, nc)
        assert abs(power - 0.8) <= 0.02, (pair, power)
