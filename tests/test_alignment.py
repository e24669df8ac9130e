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


# ---------------------------------------------------------------------------------------------------
# O SFT do modelo base (o teste do FLAN) e as medidas do DPO e do modelo de recompensa


def test_base_instruction_pairs_follow_the_text_template():
    pairs = alignment.base_instruction_pairs("train", 6, seed=1)
    assert pairs["tarefa"].value_counts().to_dict() == {"nota": 6, "recomenda": 6, "título": 6}
    assert all(p.endswith("\nResposta:") and "\n\nAvaliação: " in p for p in pairs["prompt"])
    by_task = pairs.groupby("tarefa")["answer"]
    assert set(by_task.get_group("nota")) <= {"1", "2", "3", "4", "5"}
    assert set(by_task.get_group("recomenda")) <= {"sim", "não"}
    assert all(a and "\n" not in a for a in by_task.get_group("título"))
    assert pairs.equals(alignment.base_instruction_pairs("train", 6, seed=1))
    test = alignment.base_instruction_pairs("test", 6, seed=1)
    assert not set(pairs["prompt"]) & set(test["prompt"])
    # nenhuma tarefa treinada é de um tipo do data/prompts (o que se mede é a generalização para tipos novos)
    from shared import prompts

    instructions = {t["instruction"] for t in prompts.load_tasks()}
    assert not {instr for instr, _ in alignment.BASE_TASKS.values()} & instructions


def test_text_example_puts_the_loss_only_on_the_completion():
    from shared import models
    tokenizer = models.load_tokenizer("smollm2-135m-instruct")
    example = alignment.text_example(tokenizer, "Nota?\nResposta:", " 5\n")
    ids, labels = example["input_ids"], example["labels"]
    trained = tokenizer.decode([i for i, label in zip(ids, labels) if label != -100])
    assert trained == " 5\n" + tokenizer.eos_token
    prompt_len = len(tokenizer("Nota?\nResposta:")["input_ids"])
    assert labels[:prompt_len] == [-100] * prompt_len and ids[:prompt_len] == tokenizer("Nota?\nResposta:")["input_ids"]


@pytest.fixture(scope="module")
def smollm():
    from shared import models

    return models.load_causal_lm()


def test_complete_batch_stops_and_matches_one_at_a_time(smollm):
    from shared.generation import complete_batch

    tokenizer, model = smollm
    prompts_ = ["A capital do Brasil é", "Lista:\n1.", "Um, dois, três,"]
    batched = complete_batch(model, tokenizer, prompts_, max_new_tokens=12, stop=("\n",), batch_size=3)
    alone = [complete_batch(model, tokenizer, [p], max_new_tokens=12, stop=("\n",))[0] for p in prompts_]
    assert batched == alone
    assert all("\n" not in text for text, _ in batched)
    text, cut = complete_batch(model, tokenizer, ["Um, dois, três,"], max_new_tokens=1, stop=("ZZZ",))[0]
    assert cut and text  # um token só, sem chegar ao stop: cortada


def test_evaluate_hf_gives_the_same_answers_as_evaluate_with_hfchat(smollm):
    from shared import prompts

    tokenizer, model = smollm
    tasks = [t for t in prompts.load_tasks() if t["language"] == "pt"][::15][:5]
    variant = prompts.variant_name("texto", True, 0)
    fast = prompts.evaluate_hf(model, tokenizer, tasks, [variant], batch_size=1, line_tokens=8, max_tokens=16)
    slow = prompts.evaluate(prompts.HFChat(model, tokenizer), tasks, [variant], line_tokens=8, max_tokens=16)
    assert list(fast["tarefa"]) == [t["id"] for t in tasks]
    assert list(fast["resposta"]) == list(slow["resposta"]) and list(fast["acertou"]) == list(slow["acertou"])
    assert list(fast["cortada"]) == list(slow["cortada"])


def test_response_log_probs_match_what_the_dpo_trainer_computes(smollm, lora):
    """Sem treino (o LoRA começa nulo), o DPOTrainer mede log π das respostas; a nossa conta dá o mesmo."""
    tokenizer, model = smollm
    prompts_, chosen, rejected = ["Título curto: chegou quebrado."] * 2, ["Quebrado", "Ruim"], ["Ótimo produto", "Nota 10, recomendo!"]
    ours = alignment.response_log_probs(model, tokenizer, prompts_, chosen)
    theirs = alignment.response_log_probs(model, tokenizer, prompts_, rejected)
    trainer, _ = alignment.dpo(model, tokenizer, alignment.preference_dataset(prompts_, chosen, rejected), lora(),
                               max_steps=1, batch_size=2, learning_rate=0.0)  # fmt: skip
    metrics = trainer.evaluate(alignment.preference_dataset(prompts_, chosen, rejected))
    trainer.model.unload()
    assert metrics["eval_logps/chosen"] == pytest.approx(ours["logp"].mean(), abs=1e-3)
    assert metrics["eval_logps/rejected"] == pytest.approx(theirs["logp"].mean(), abs=1e-3)
    # a média por token é a soma dividida pelos tokens da resposta (o texto e o fim de turno)
    assert (ours["logp_por_token"] * ours["tokens"]).round(4).tolist() == ours["logp"].round(4).tolist()
    assert ours["tokens"].min() >= 2 and (ours["logp"] < 0).all()


def test_relevance_pairs_never_pair_a_title_with_its_own_review():
    prompts_, chosen, rejected = alignment.relevance_pairs([f"p{i}" for i in range(7)], [f"t{i}" for i in range(7)], seed=3)
    assert chosen == [f"t{i}" for i in range(7)] and sorted(rejected) == sorted(chosen)
    assert all(c != r for c, r in zip(chosen, rejected))
    assert rejected == alignment.relevance_pairs(prompts_, chosen, seed=3)[2]
    with pytest.raises(ValueError, match="dois prompts"):
        alignment.relevance_pairs(["p"], ["t"])


def test_reward_features_read_the_last_real_token_of_each_conversation(smollm):
    import torch

    tokenizer, model = smollm
    prompts_, responses = ["Título curto:", "Escreva um título curto para: chegou rápido e bem embalado."], ["Ótimo", "Entrega rápida"]
    batched = alignment.reward_features(model, tokenizer, prompts_, responses, batch_size=2)  # o 1º é preenchido
    text = tokenizer.apply_chat_template([{"role": "user", "content": prompts_[0]}, {"role": "assistant", "content": responses[0]}],
                                         tokenize=False)  # fmt: skip
    enc = tokenizer(text, return_tensors="pt", add_special_tokens=False)
    with torch.no_grad():
        alone = model(**enc, output_hidden_states=True).hidden_states[-1][0, -1].numpy()
    assert batched.shape == (2, model.config.hidden_size)
    assert abs(batched[0] - alone).max() < 1e-3


def test_reward_head_learns_the_preferred_direction_and_its_loss_is_bradley_terry():
    import numpy as np

    rng = np.random.default_rng(0)
    rejected = rng.normal(size=(40, 5))
    chosen = rejected + np.array([1.0, 0, 0, 0, 0]) + 0.1 * rng.normal(size=(40, 5))  # a preferida tem mais da 1ª coordenada
    head = alignment.fit_reward_head(chosen[:30], rejected[:30], C=10.0)
    w = head.coef_[0]
    assert (chosen[30:] @ w > rejected[30:] @ w).all() and np.argmax(np.abs(w)) == 0
    flipped = alignment.fit_reward_head(rejected[:30], chosen[:30], C=10.0).coef_[0]  # preferências trocadas
    assert not (chosen[30:] @ flipped > rejected[30:] @ flipped).any()
    # a perda da regressão logística nos pares é a de Bradley–Terry: −log σ(r(y_w) − r(y_l))
    from sklearn.metrics import log_loss

    diff = chosen[:30] - rejected[:30]
    bt = np.mean(np.log1p(np.exp(-(diff @ w))))
    X, y = np.concatenate([diff, -diff]), np.concatenate([np.ones(30), np.zeros(30)])
    assert log_loss(y, head.predict_proba(X)[:, 1]) == pytest.approx(bt, rel=1e-6)


def test_label_table_counts_accuracy_with_wilson_intervals():
    pairs = alignment.instruction_pairs("train", 4, seed=1)
    right = alignment.score_labels(pairs, list(pairs["answer"]))
    wrong = alignment.score_labels(pairs, ["talvez"] * len(pairs))
    table = alignment.label_table({"certo": right, "errado": wrong}).set_index(["sistema", "tarefa"])
    assert table.loc[("certo", "sentimento"), "acerto (%)"] == 100 and table.loc[("errado", "sentimento"), "acerto (%)"] == 0
    assert table.loc[("errado", "sentimento"), "formato (%)"] == 0
    assert 0 < table.loc[("errado", "sentimento"), "IC 95% até"] < 100 and table.loc[("certo", "sentimento"), "IC 95% de"] > 0
