"""shared.alignment: instruções tiradas das avaliações, pontuação de rótulos e SFT/DPO da TRL em miniatura."""

from __future__ import annotations

import pytest

from shared import alignment


def test_instruction_pairs_are_balanced_and_labelled():
    pairs = alignment.instruction_pairs("train", 10, seed=1)
    assert len(pairs) == 20 and pairs["tarefa"].value_counts().to_dict() == {"sentimento": 10, "categoria": 10}
    sentiment = pairs[pairs["tarefa"] == "sentimento"]
    assert set(sentiment["answer"]) <= {"positivo", "negativo"}
    assert all(p.startswith("Classifique o sentimento") for p in sentiment["prompt"])
    assert pairs.equals(alignment.instruction_pairs("train", 10, seed=1))
    test = alignment.instruction_pairs("test", 10, seed=1)
    assert not set(pairs["prompt"]) & set(test["prompt"])


def test_scoring_separates_format_from_accuracy():
    pairs = alignment.instruction_pairs("train", 3, seed=1)
    answers = [a.upper() + "." for a in pairs["answer"]]
    scored = alignment.score_labels(pairs, answers)
    assert scored["formato"].all() and scored["acerto"].all()
    wrong = ["negativo" if t == "sentimento" and a == "positivo" else "positivo" if t == "sentimento" else "Livros, acho"
             for t, a in zip(pairs["tarefa"], pairs["answer"])]  # fmt: skip
    scored = alignment.score_labels(pairs, wrong)
    assert not scored["acerto"].any()
    assert scored.loc[scored["tarefa"] == "sentimento", "formato"].all()
    assert alignment.normalize_label("  **Positivo!**\nporque...") == "positivo"
    assert alignment.normalize_label("") == ""


def test_dataset_formats_for_trl():
    pairs = alignment.instruction_pairs("train", 2)
    row = alignment.to_conversations(pairs)[0]
    assert row["prompt"][0]["role"] == "user" and row["completion"][0]["role"] == "assistant"
    prefs = alignment.preference_dataset(["p"], ["boa"], ["ruim"])
    assert prefs[0]["chosen"][0]["content"] == "boa" and prefs[0]["rejected"][0]["content"] == "ruim"
    with pytest.raises(ValueError, match="mesmo tamanho"):
        alignment.preference_dataset(["p"], ["a", "b"], ["c"])


@pytest.fixture(scope="module")
def lora():
    from peft import LoraConfig

    return lambda: LoraConfig(task_type="CAUSAL_LM", r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"])


def test_sft_masks_the_prompt_and_trains(lora):
    from shared import models

    tokenizer, model = models.load_causal_lm()
    data = alignment.to_conversations(alignment.instruction_pairs("train", 2))
    trainer, history = alignment.sft(model, tokenizer, data, max_steps=2, batch_size=2, learning_rate=1e-3, peft_config=lora())
    assert list(history["passo"]) == [1, 2] and history["loss"].notna().all()
    batch = trainer.data_collator([trainer.train_dataset[0]])
    labels = batch["labels"][0].tolist()
    answer = tokenizer.decode([i for i, label in zip(batch["input_ids"][0].tolist(), labels) if label != -100])
    assert labels[0] == -100 and data[0]["completion"][0]["content"] in answer and "Classifique" not in answer


def test_dpo_logs_margins_and_accuracy(lora):
    from shared import models

    tokenizer, model = models.load_causal_lm()
    prefs = alignment.preference_dataset(["Título curto:"] * 2, ["Ótimo", "Ruim"], ["The product is good", "Bad"])
    _, history = alignment.dpo(model, tokenizer, prefs, lora(), max_steps=2, batch_size=2, learning_rate=1e-3)
    assert list(history.columns) == ["passo", "loss", "rewards/margins", "rewards/accuracies", "logps/chosen", "logps/rejected"]
    assert len(history) == 2 and history["rewards/margins"].iloc[0] == pytest.approx(0, abs=1e-4)
