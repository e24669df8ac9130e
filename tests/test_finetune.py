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


def _tiny_bert(num_labels: int = 2):
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(vocab_size=30522, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, num_labels=num_labels)  # fmt: skip
    return BertForSequenceClassification(config)


def test_parameter_groups_split_head_from_body_also_in_peft():
    from peft import LoraConfig, get_peft_model

    model = _tiny_bert()
    groups = finetune.parameter_groups(model, 1e-4, 2e-3)
    assert [g["lr"] for g in groups] == [1e-4, 2e-3] and [g["name"] for g in groups] == ["corpo", "cabeça"]
    head_ids = {id(p) for p in groups[1]["params"]}
    expected = {id(p) for n, p in model.named_parameters() if n.startswith(("bert.pooler", "classifier"))}
    assert head_ids == expected and len(expected) == 4
    assert sum(len(g["params"]) for g in groups) == len(list(model.parameters()))

    config = LoraConfig(task_type="SEQ_CLS", r=2, target_modules=["query", "value"], modules_to_save=["classifier", "pooler"])
    peft_model = get_peft_model(_tiny_bert(), config)
    body, head = finetune.parameter_groups(peft_model, 2e-3, 5e-3)
    names = {id(p): n for n, p in peft_model.named_parameters()}
    assert all("lora_" in names[id(p)] for p in body["params"]) and len(body["params"]) == 4
    assert all("modules_to_save" in names[id(p)] for p in head["params"]) and len(head["params"]) == 4

    frozen = _tiny_bert()
    for name, p in frozen.named_parameters():
        p.requires_grad_(name.startswith("bert.embeddings"))
    with pytest.raises(ValueError, match="cabeça"):
        finetune.parameter_groups(frozen, 1e-4, 2e-3)


def test_parameter_groups_exempt_what_the_trainer_exempts_from_weight_decay():
    """Com os nomes isentos do Trainer, vieses e LayerNorm ficam em grupos sem decaimento, e só eles."""
    from transformers import Trainer, TrainingArguments

    model = _tiny_bert()
    trainer = Trainer(model=model, args=TrainingArguments(output_dir="/tmp/nao-usado", report_to=[]))
    no_decay = {n for n, _ in model.named_parameters()} - set(trainer.get_decay_parameter_names(model))
    assert any("LayerNorm" in n for n in no_decay) and all(("bias" in n or "LayerNorm" in n) for n in no_decay)
    groups = finetune.parameter_groups(model, 1e-4, 2e-3, no_decay=no_decay, weight_decay=0.01)
    assert [(g["name"], g["weight_decay"]) for g in groups] == [("corpo", 0.01), ("corpo", 0.0), ("cabeça", 0.01),
                                                                ("cabeça", 0.0)]  # fmt: skip
    names = {id(p): n for n, p in model.named_parameters()}
    for g in groups:
        assert all((names[id(p)] in no_decay) == (g["weight_decay"] == 0.0) for p in g["params"])


def test_balanced_weights_and_weighted_loss_match_sklearn_and_torch():
    import torch
    from sklearn.utils.class_weight import compute_class_weight

    labels = [0, 1, 1, 1, 0, 1]
    weights = finetune.balanced_class_weights(labels)
    assert weights == pytest.approx(compute_class_weight("balanced", classes=np.array([0, 1]), y=np.array(labels)))
    assert weights[0] > weights[1]  # a classe menor pesa mais
    with pytest.raises(ValueError, match="0, 1"):
        finetune.balanced_class_weights([1, 2, 2])
    logits, y = torch.tensor([[2.0, -1.0], [0.5, 0.2], [-1.0, 1.0]]), torch.tensor([0, 1, 1])
    loss = finetune.weighted_loss(weights)({"logits": logits}, y)
    expected = torch.nn.functional.cross_entropy(logits, y, weight=torch.tensor(weights, dtype=torch.float32))
    assert loss.item() == pytest.approx(expected.item())
    assert loss.item() != pytest.approx(torch.nn.functional.cross_entropy(logits, y).item())


def test_mean_pooling_head_sees_the_sentence_transformers_embedding():
    """A entrada da camada nova é a média dos tokens: normalizada, é o vetor do sentence-transformers."""
    import torch
    from sentence_transformers import SentenceTransformer

    from shared import models

    tokenizer, model = finetune.mean_pooling_classifier(seed=0)
    assert not any(n.startswith("encoder.pooler") for n, _ in model.named_parameters())
    texts = ["O produto chegou rápido.", "Não funcionou, quero devolver o dinheiro agora."]
    seen = []
    model.classifier.register_forward_hook(lambda m, inp, out: seen.append(inp[0]))
    model.eval()
    with torch.no_grad():
        logits = model(**tokenizer(texts, padding=True, return_tensors="pt")).logits
    assert logits.shape == (2, 2)
    ours = torch.nn.functional.normalize(seen[0], dim=-1).numpy()
    reference = SentenceTransformer(str(models.encoder_path()), device="cpu").encode(texts, normalize_embeddings=True)
    assert np.allclose(ours, reference, atol=1e-5)
    cls = torch.nn.functional.normalize(model.encoder(**tokenizer(texts, padding=True, return_tensors="pt"))
                                        .last_hidden_state[:, 0], dim=-1).detach().numpy()  # fmt: skip
    assert not np.allclose(cls, reference, atol=1e-2)  # o [CLS] sozinho não é o vetor da frase


def test_saved_activations_separate_frozen_head_from_lora_and_full():
    """Só a cabeça não guarda as ativações do codificador; o LoRA guarda quase as mesmas do completo."""
    import torch
    from peft import LoraConfig, get_peft_model

    tokenizer, full = finetune.mean_pooling_classifier(seed=0)
    batch = dict(tokenizer(["uma avaliação curta", "outra avaliação um pouco maior que a primeira"] * 4,
                           padding=True, return_tensors="pt"))  # fmt: skip
    full_bytes = finetune.saved_activation_bytes(full, batch)
    _, head = finetune.mean_pooling_classifier(seed=0)
    for name, p in head.named_parameters():
        p.requires_grad_(name.startswith("classifier"))
    head_bytes = finetune.saved_activation_bytes(head, batch)
    _, base = finetune.mean_pooling_classifier(seed=0)
    lora = get_peft_model(base, LoraConfig(r=8, lora_alpha=16, target_modules=["query", "value"],
                                           modules_to_save=["classifier"]))  # fmt: skip
    lora_bytes = finetune.saved_activation_bytes(lora, batch)
    assert head_bytes < full_bytes / 50
    assert 0.5 * full_bytes < lora_bytes <= 1.1 * full_bytes
    memory = finetune.training_memory(head, batch)
    trainable = sum(p.numel() for p in head.parameters() if p.requires_grad) * 4
    assert memory["gradientes"] == trainable and memory["estados do AdamW"] == 2 * trainable
    seconds = finetune.time_train_step(head, batch, torch.tensor([0, 1] * 4), repeats=2)
    assert 0 < seconds < 30


def test_train_classifier_with_head_rate_and_length_groups(tmp_path):
    """A taxa da cabeça chega ao otimizador (e ao agendador) e os lotes agrupados por tamanho treinam igual."""
    from shared import models

    tokenizer = models.load_tokenizer("all-minilm-l6-v2")
    df = pd.DataFrame({"review_text": ["a good product", "bad product", "good", "bad, the product"] * 8,
                       "label": [1, 0, 1, 0] * 8})  # fmt: skip
    result = finetune.train_classifier(
        _tiny_bert(), tokenizer, df, df.iloc[:8], tmp_path / "treino", learning_rate=1e-2, batch_size=8, epochs=6,
        max_length=8, eval_every=4, warmup_ratio=0.0, head_learning_rate=2e-2, group_by_length=True,
    )  # fmt: skip
    optimizer = result.trainer.optimizer
    assert [g["initial_lr"] for g in optimizer.param_groups] == [1e-2, 1e-2, 2e-2, 2e-2]  # com e sem decaimento
    assert result.trainer.args.train_sampling_strategy == "group_by_length"
    assert result.history["F1 de validação"].max() == 1.0


def test_save_for_reuse_keeps_only_what_was_trained(tmp_path):
    from peft import LoraConfig, get_peft_model
    from safetensors.torch import load_file

    full = finetune.save_for_reuse(_tiny_bert(), tmp_path / "completo")
    assert (full / "model.safetensors").exists()

    head_only = _tiny_bert()
    for name, p in head_only.named_parameters():
        p.requires_grad_(name.startswith(("bert.pooler", "classifier")))
    folder = finetune.save_for_reuse(head_only, tmp_path / "cabeca")
    saved = load_file(folder / "treinaveis.safetensors")
    assert sorted(saved) == sorted(n for n, p in head_only.named_parameters() if p.requires_grad)
    assert finetune.folder_size(folder) < finetune.folder_size(full) / 5

    config = LoraConfig(task_type="SEQ_CLS", r=2, target_modules=["query", "value"], modules_to_save=["classifier", "pooler"])
    adapter = finetune.save_for_reuse(get_peft_model(_tiny_bert(), config), tmp_path / "lora")
    assert (adapter / "adapter_model.safetensors").exists() and not (adapter / "model.safetensors").exists()

    for p in head_only.parameters():
        p.requires_grad_(False)
    with pytest.raises(ValueError, match="treináveis"):
        finetune.save_for_reuse(head_only, tmp_path / "nada")


def test_train_and_evaluate_is_the_gpu_cells_path_at_tiny_size(tmp_path):
    """O caminho das células só-GPU (treinar e medir em vários testes) roda em CPU com um BERT minúsculo."""
    from shared import models

    tokenizer = models.load_tokenizer("all-minilm-l6-v2")
    df = pd.DataFrame({"review_text": ["a good product", "bad product", "good", "bad, the product"] * 8,
                       "label": [1, 0, 1, 0] * 8})  # fmt: skip
    result, table = finetune.train_and_evaluate(
        _tiny_bert(), tokenizer, df, df.iloc[:8], {"B2W (teste)": df.iloc[:12], "data/avaliacoes (teste)": df.iloc[12:]},
        tmp_path / "gpu", max_length=8, n_boot=100, learning_rate=1e-2, batch_size=8, epochs=6, eval_every=4,
    )  # fmt: skip
    assert list(table["conjunto"]) == ["B2W (teste)", "data/avaliacoes (teste)"]
    assert list(table["avaliações"]) == [12, 20] and (table["F1 macro"] == 1.0).all()
    assert (table["passos"] == result.steps).all()


def test_linear_baselines_are_tuned_on_validation():
    """O C e o limiar saem da validação: num caso em que o padrão erra, a escolha acerta."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = (X[:, 0] + 0.3 * rng.normal(size=200) > 0).astype(int)
    model, table = finetune.logreg_on_validation(X[:100], y[:100], X[100:], y[100:], Cs=(1e-6, 1.0))
    assert list(table["C"]) == [1e-6, 1.0] and model.C == 1.0  # C minúsculo não aprende nada
    truth = (X[100:, 0] > 0.5).astype(int)  # a fronteira certa está em 0,5, não no 0 de costume
    t, table = finetune.threshold_on_validation(X[100:, 0], truth, thresholds=[-0.5, 0.0, 0.5])
    assert t == 0.5 and table["F1 de validação"].max() == 1.0
    assert table.set_index("limiar").loc[0.0, "F1 de validação"] < 1.0
