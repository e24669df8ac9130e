import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from shared import finetune


def test_metrics_match_sklearn_and_hand_counts():
    y_true = [1, 1, 1, 0, 0, 1, 0, 1]
    y_pred = [1, 0, 1, 0, 1, 1, 0, 1]
    m = finetune.classification_metrics(y_true, y_pred)
    assert m["acurácia"] == pytest.approx(6 / 8)
    # classe 1: VP=4, FP=1, FN=1 → F1 0,8; classe 0: VP=2, FP=1, FN=1 → F1 2/3
    assert m["F1 macro"] == pytest.approx((0.8 + 2 / 3) / 2)
    assert m["F1 macro"] == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    with pytest.raises(ValueError):
        finetune.classification_metrics([1], [1, 0])


def test_bootstrap_interval_contains_point_and_is_reproducible():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 2, 200)
    y_pred = np.where(rng.random(200) < 0.8, y_true, 1 - y_true)
    ci = finetune.bootstrap_ci(y_true, y_pred, n_boot=300, seed=1)
    assert list(ci["métrica"]) == list(finetune.METRIC_NAMES)
    assert ((ci["baixo"] <= ci["valor"]) & (ci["valor"] <= ci["alto"])).all()
    assert (ci["alto"] - ci["baixo"]).between(0.02, 0.3).all()
    pd.testing.assert_frame_equal(ci, finetune.bootstrap_ci(y_true, y_pred, n_boot=300, seed=1))
    # perfeito: intervalo degenerado em 1
    perfect = finetune.bootstrap_ci(y_true, y_true, n_boot=100)
    assert (perfect[["valor", "baixo", "alto"]] == 1.0).all().all()
    with pytest.raises(ValueError):
        finetune.bootstrap_ci(y_true, y_pred, n_boot=10)


def test_baselines():
    assert list(finetune.majority_baseline([1, 0, 1, 1], 3)) == [1, 1, 1]
    preds = finetune.leia_baseline(["Produto excelente, adorei!", "Péssimo, horrível, não funciona."])
    assert list(preds) == [1, 0]
    texts = ["adorei muito bom", "ótimo adorei", "muito bom mesmo", "péssimo não gostei", "horrível péssimo", "não gostei"]
    model = finetune.tfidf_logreg(texts, [1, 1, 1, 0, 0, 0])
    assert list(model.predict(["adorei, muito bom", "péssimo, não gostei"])) == [1, 0]


def test_error_kinds():
    assert finetune.error_kinds("Não gostei, mas chegou rápido") == ["negação", "contraste (mas, porém)"]
    assert finetune.error_kinds("Parabéns pela demora de um mês") == [
        "ironia provável (aspas, 'parabéns', 'ótimo... só que')"
    ]
    assert finetune.error_kinds("Chegou rápido.") == []


def test_history_frame_averages_train_loss_between_evals():
    log = [
        {"loss": 0.8, "step": 5, "epoch": 0.5},
        {"loss": 0.6, "step": 10, "epoch": 1.0},
        {"eval_loss": 0.7, "eval_f1": 0.5, "step": 10, "epoch": 1.0},
        {"loss": 0.4, "step": 15, "epoch": 1.5},
        {"eval_loss": 0.5, "eval_f1": 0.8, "step": 20, "epoch": 2.0},
        {"train_runtime": 1.0, "step": 20, "epoch": 2.0},
    ]
    h = finetune.history_frame(log)
    assert list(h["passo"]) == [10, 20]
    assert list(h["perda de treino"]) == pytest.approx([0.7, 0.4])
    assert list(h["F1 de validação"]) == [0.5, 0.8]


def test_train_classifier_learns_a_toy_task(tmp_path):
    """Um BERT minúsculo (com o tokenizador do MiniLM) aprende duas palavras e volta ao melhor ponto."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    from shared import models

    tokenizer = models.load_tokenizer("all-minilm-l6-v2")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, num_labels=2)  # fmt: skip
    model = BertForSequenceClassification(config)
    df = pd.DataFrame({"review_text": ["a good product", "bad product", "good", "bad, the product"] * 8,
                       "label": [1, 0, 1, 0] * 8})  # fmt: skip
    result = finetune.train_classifier(
        model, tokenizer, df, df.iloc[:8], tmp_path / "treino", learning_rate=1e-2, batch_size=8, epochs=6,
        max_length=8, eval_every=4,
    )  # fmt: skip
    assert result.steps == 24 and result.best_step is not None
    assert result.history["F1 de validação"].max() == 1.0
    assert result.history["perda de validação"].iloc[-1] < result.history["perda de validação"].iloc[0]
    preds, probs = finetune.predict(result.trainer.model, tokenizer, ["a good product", "bad product"], max_length=8)
    assert list(preds) == [1, 0] and probs.shape == (2, 2)
    assert len(list((tmp_path / "treino").glob("checkpoint-*"))) <= 2


def test_parameter_count_and_folder_size(tmp_path):
    import torch

    layer = torch.nn.Linear(4, 2)
    layer.bias.requires_grad_(False)
    assert finetune.count_parameters(layer) == (8, 10)
    (tmp_path / "a").write_bytes(b"x" * 100)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b").write_bytes(b"y" * 50)
    assert finetune.folder_size(tmp_path) == 150
