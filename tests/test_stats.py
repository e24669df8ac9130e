import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from shared import stats


def test_mean_ci_covers_the_mean_and_narrows_with_more_items():
    rng = np.random.default_rng(0)
    few, many = rng.random(20), rng.random(2000)
    mean, low, high = stats.mean_ci(few)
    assert mean == pytest.approx(few.mean()) and low < mean < high
    _, low_many, high_many = stats.mean_ci(many)
    assert high_many - low_many < (high - low) / 4  # 100× os itens: intervalo ~10× mais estreito
    assert stats.mean_ci([1.0, 1.0, 1.0]) == (1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="pelo menos um"):
        stats.mean_ci([])


def test_bootstrap_by_groups_widens_the_interval_of_correlated_items():
    rng = np.random.default_rng(1)
    clusters = np.repeat(rng.random(10), 5)  # 10 grupos de 5 itens iguais: só 10 valores independentes
    groups = np.repeat(np.arange(10), 5)
    mean, low, high = stats.mean_ci(clusters, groups=groups)
    _, low_items, high_items = stats.mean_ci(clusters)
    assert mean == pytest.approx(clusters.mean()) and low < mean < high
    assert high - low > 1.5 * (high_items - low_items)  # sortear itens finge 50 valores independentes
    singletons = stats.mean_ci(clusters[::5], groups=np.arange(10))
    assert singletons == pytest.approx(stats.mean_ci(clusters[::5]), abs=0.03)  # grupos de 1 = itens
    diff, low_d, high_d = stats.paired_bootstrap(clusters, clusters - 0.1, groups=groups)
    assert diff == pytest.approx(0.1) and low_d == pytest.approx(0.1) and high_d == pytest.approx(0.1)
    with pytest.raises(ValueError, match="um rótulo por item"):
        stats.mean_ci(clusters, groups=groups[:-1])


def test_auc_ci_is_sklearns_auc_with_an_interval():
    y = np.array([0, 0, 1, 1, 0, 1, 1, 0])
    score = np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.7, 0.6])
    auc, low, high = stats.auc_ci(y, score, n_boot=500)
    assert auc == pytest.approx(roc_auc_score(y, score)) and low <= auc <= high
    assert stats.auc_ci(y, -score, n_boot=100)[0] == pytest.approx(1 - auc)  # nota invertida: AUC espelhada
    assert stats.auc_ci(y, np.zeros(8), n_boot=100)[0] == 0.5  # nota constante é chute
    with pytest.raises(ValueError, match="duas classes"):
        stats.auc_ci(np.ones(4), np.arange(4))


def test_paired_auc_bootstrap_sees_a_real_gain_and_calls_noise_a_tie():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    good = y + rng.normal(0, 0.8, 300)  # separa bem
    weak = y + rng.normal(0, 3.0, 300)  # quase chute
    diff, low, high = stats.paired_auc_bootstrap(y, good, weak, n_boot=500)
    assert diff == pytest.approx(roc_auc_score(y, good) - roc_auc_score(y, weak)) and low > 0
    noisy = good + rng.normal(0, 0.01, 300)  # a mesma nota com um ruído ínfimo: empate
    _, low, high = stats.paired_auc_bootstrap(y, noisy, good, n_boot=500)
    assert low <= 0 <= high
    with pytest.raises(ValueError, match="mesmos itens"):
        stats.paired_auc_bootstrap(y, good[:10], weak)
