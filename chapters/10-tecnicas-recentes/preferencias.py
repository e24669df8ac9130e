"""Preferências com o SmolLM2: um modelo de recompensa de Bradley–Terry e o DPO medido num conjunto fixo.

Os pares: pedir um título curto para uma avaliação; a resposta **escolhida** é o título do cliente, a
**rejeitada** é a primeira linha do que o SmolLM2 responde hoje (gerada até o fim da linha, sem corte em
poucos tokens). Em pares que o treino não viu, medimos:

- um modelo de recompensa linear sobre o SmolLM2 congelado (perda de Bradley–Terry), em dois tipos de par:
  contra a resposta do modelo e contra o título de **outra** avaliação (mesmo jeito, outra avaliação), ao
  lado das linhas de base "a mais curta vence" e acaso;
- o log da probabilidade das **mesmas** escolhidas e rejeitadas sob quatro modelos: o original, o DPO a
  partir dele, o SFT nas escolhidas e o DPO a partir do SFT (como no artigo do DPO, quando a referência não
  gerou os dados), em soma e por token, com intervalos pareados;
- os títulos que cada modelo gera.

Uso (na raiz do repositório; leva uns 12 minutos em 2 núcleos de CPU):

    .venv/bin/python chapters/10-tecnicas-recentes/preferencias.py
    .venv/bin/python chapters/10-tecnicas-recentes/preferencias.py --minima --saida /tmp/x   # o teste minúsculo

Grava em ``results/``: ``10-dpo`` (o resumo por modelo), ``10-dpo-logprobs`` (cada par sob cada modelo),
``10-dpo-treino`` (as métricas por passo dos dois DPO), ``10-dpo-titulos`` (os títulos gerados) e
``10-recompensa`` (o acerto do modelo de recompensa e das linhas de base).
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from shared import alignment, bench, data, env, models, stats  # noqa: E402

MODELS = ("original", "DPO", "SFT", "SFT + DPO")


@dataclass
class Config:
    n_train: int = 32
    n_held_out: int = 16
    max_review_words: int = 14
    rejected_tokens: int = 64  # teto da primeira linha gerada; as que chegam nele são contadas
    epochs: int = 2  # o SFT e os dois DPO passam por todos os pares de treino, duas vezes
    batch_size: int = 4
    sft_lr: float = 1e-3
    dpo_lr: float = 2e-4
    beta: float = 0.1
    reward_c: float = 1.0  # inverso da regularização L2 da cabeça de recompensa (fixo, não ajustado)
    title_tokens: int = 24
    seed: int = 2024
    n_boot: int = 2000


def tiny_config() -> Config:
    """Minúscula, para o teste: 4 pares de treino, 4 fora, um passo de cada treino."""
    return Config(n_train=4, n_held_out=4, rejected_tokens=12, epochs=1, title_tokens=6, n_boot=100)


def lora_config():
    from peft import LoraConfig

    return LoraConfig(task_type="CAUSAL_LM", r=16, lora_alpha=32, lora_dropout=0.0,
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj"])  # fmt: skip


def make_pairs(model, tokenizer, cfg: Config) -> pd.DataFrame:
    """Avaliações curtas do treino, o título do cliente (escolhida) e a primeira linha do modelo (rejeitada)."""
    from shared.generation import _generate_batch

    short = data.review_title_pairs("train", n=400, seed=cfg.seed)
    short = short[short["review_text"].str.split().str.len() <= cfg.max_review_words]
    short = short.head(cfg.n_train + cfg.n_held_out).reset_index(drop=True)
    prompts = [alignment.TITLE.format(review_text=t) for t in short["review_text"]]
    texts = [tokenizer.apply_chat_template([{"role": "user", "content": p}], add_generation_prompt=True, tokenize=False)
             for p in prompts]  # fmt: skip
    outs = _generate_batch(model, tokenizer, texts, cfg.rejected_tokens, 16, stop=("\n",))
    return pd.DataFrame({
        "conjunto": ["treino"] * cfg.n_train + ["fora do treino"] * cfg.n_held_out,
        "avaliação": short["review_text"], "prompt": prompts, "escolhida": short["answer"],
        "rejeitada": [text.strip() for text, _ in outs], "rejeitada cortada": [cut for _, cut in outs],
    })  # fmt: skip


def reward_rows(model, tokenizer, pairs: pd.DataFrame, cfg: Config) -> pd.DataFrame:
    """O modelo de recompensa (cabeça linear de Bradley–Terry no SmolLM2 congelado) contra as linhas de base."""
    prompts, chosen = list(pairs["prompt"]), list(pairs["escolhida"])
    _, _, other = alignment.relevance_pairs(prompts, chosen, seed=cfg.seed)
    kinds = {"a resposta do próprio modelo": list(pairs["rejeitada"]), "o título de outra avaliação": other}
    h_chosen = alignment.reward_features(model, tokenizer, prompts, chosen)
    h_rejected = {k: alignment.reward_features(model, tokenizer, prompts, v) for k, v in kinds.items()}
    train = (pairs["conjunto"] == "treino").to_numpy()
    head = alignment.fit_reward_head(np.concatenate([h_chosen[train]] * len(kinds)),
                                     np.concatenate([h[train] for h in h_rejected.values()]), C=cfg.reward_c)  # fmt: skip
    w = head.coef_[0]
    rows = []
    for kind, rejected in kinds.items():
        for subset, mask in (("treino", train), ("fora do treino", ~train)):
            systems = {
                "modelo de recompensa": h_chosen[mask] @ w > h_rejected[kind][mask] @ w,
                "a mais curta vence": np.array([len(c) < len(r) for c, r, m in zip(chosen, rejected, mask) if m]),
            }
            # os dois sistemas julgam os mesmos pares: McNemar nos pares em que discordam
            test = stats.mcnemar(systems["modelo de recompensa"], systems["a mais curta vence"])
            for system, wins in systems.items():
                k, n = int(wins.sum()), int(mask.sum())
                low, high = stats.wilson(k, n)
                rows.append({"rejeitada": kind, "conjunto": subset, "sistema": system, "n": n, "acerto (%)": 100 * k / n,
                             "IC 95% de": 100 * low, "IC 95% até": 100 * high,
                             "só o modelo acerta": test["a_only"], "só a mais curta acerta": test["b_only"],
                             "p (McNemar, modelo × a mais curta)": test["p"]})  # fmt: skip
    return pd.DataFrame(rows)


def log_prob_rows(model, tokenizer, pairs: pd.DataFrame, name: str) -> pd.DataFrame:
    """O log da probabilidade de cada escolhida e rejeitada (soma e por token) sob um modelo."""
    prompts = list(pairs["prompt"])
    c = alignment.response_log_probs(model, tokenizer, prompts, list(pairs["escolhida"]))
    r = alignment.response_log_probs(model, tokenizer, prompts, list(pairs["rejeitada"]))
    return pd.DataFrame({
        "modelo": name, "conjunto": pairs["conjunto"], "par": range(len(pairs)),
        "escolhida": c["logp"], "rejeitada": r["logp"], "tokens escolhida": c["tokens"], "tokens rejeitada": r["tokens"],
        "escolhida por token": c["logp_por_token"], "rejeitada por token": r["logp_por_token"],
    })  # fmt: skip


def summary_rows(logps: pd.DataFrame, titles: pd.DataFrame, cfg: Config) -> pd.DataFrame:
    """Por modelo, nos pares fora do treino: médias com intervalo e a mudança pareada contra a referência."""
    held = logps[logps["conjunto"] == "fora do treino"]
    wide = {m: g.sort_values("par").reset_index(drop=True) for m, g in held.groupby("modelo")}
    reference = {"original": None, "DPO": "original", "SFT": "original", "SFT + DPO": "SFT"}  # o modelo de antes do treino
    rows = []
    for name in MODELS:
        df = wide[name]
        row = {"modelo": name, "comparado com": reference[name] or "—"}
        for col in ("escolhida", "rejeitada", "escolhida por token", "rejeitada por token"):
            mean, low, high = stats.mean_ci(df[col], n_boot=cfg.n_boot)
            row[f"{col}"], row[f"{col} IC de"], row[f"{col} IC até"] = mean, low, high
        base = reference[name]
        for col in ("escolhida", "rejeitada"):
            if base is None:
                row[f"Δ {col} (pareada)"] = row[f"Δ {col} IC de"] = row[f"Δ {col} IC até"] = float("nan")
            else:
                diff = stats.paired_bootstrap(df[col], wide[base][col], n_boot=cfg.n_boot)
                row[f"Δ {col} (pareada)"], row[f"Δ {col} IC de"], row[f"Δ {col} IC até"] = diff
        gen = titles[titles["modelo"] == name]["título"]
        row["palavras por título"] = gen.map(alignment.words).mean()
        row["títulos que começam com 'Avaliação'"] = gen.str.startswith("Avaliação").mean()
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    minima, folder = bench.script_options(__doc__.splitlines()[0], argv)
    env.set_seed(2024)
    cfg = tiny_config() if minima else Config()
    started = time.perf_counter()
    from shared.generation import chat_batch

    tokenizer, model = models.load_causal_lm()
    pairs = make_pairs(model, tokenizer, cfg)
    rewards = reward_rows(model, tokenizer, pairs, cfg)
    train, held = pairs[pairs["conjunto"] == "treino"], pairs[pairs["conjunto"] == "fora do treino"]
    dpo_train = alignment.preference_dataset(list(train["prompt"]), list(train["escolhida"]), list(train["rejeitada"]))
    steps = cfg.epochs * -(-cfg.n_train // cfg.batch_size)
    titles = {}
    logps = []
    histories = []

    def after(trained, name):
        logps.append(log_prob_rows(trained, tokenizer, pairs, name))
        titles[name] = chat_batch(trained, tokenizer, list(held["prompt"]), max_new_tokens=cfg.title_tokens)

    after(model, "original")  # os títulos de todos os modelos saem da mesma chamada, com o mesmo limite de tokens
    # DPO a partir do modelo original (a referência é ele mesmo, com o adaptador desligado)
    trainer, history = alignment.dpo(model, tokenizer, dpo_train, lora_config(), max_steps=steps, batch_size=cfg.batch_size,
                                     learning_rate=cfg.dpo_lr, beta=cfg.beta, seed=cfg.seed)  # fmt: skip
    histories.append(history.assign(modelo="DPO"))
    after(trainer.model, "DPO")
    model = trainer.model.unload()
    # SFT nas escolhidas (LoRA fundido ao modelo), depois DPO a partir dele
    sft_data = alignment.to_conversations(train.rename(columns={"escolhida": "answer"}))
    trainer, sft_history = alignment.sft(model, tokenizer, sft_data, max_steps=steps, batch_size=cfg.batch_size,
                                         learning_rate=cfg.sft_lr, seed=cfg.seed, peft_config=lora_config())  # fmt: skip
    sft_model = trainer.model.merge_and_unload()
    after(sft_model, "SFT")
    trainer, history = alignment.dpo(sft_model, tokenizer, dpo_train, lora_config(), max_steps=steps,
                                     batch_size=cfg.batch_size, learning_rate=cfg.dpo_lr, beta=cfg.beta, seed=cfg.seed)  # fmt: skip
    histories.append(history.assign(modelo="SFT + DPO"))
    after(trainer.model, "SFT + DPO")

    logps = pd.concat(logps, ignore_index=True)
    titles = pd.DataFrame([{"modelo": m, "avaliação": a, "cliente": c, "título": t}
                           for m, ts in titles.items() for a, c, t in zip(held["avaliação"], held["escolhida"], ts)])  # fmt: skip
    histories = pd.concat(histories + [sft_history.assign(modelo="SFT (perda)")], ignore_index=True)
    manifest = {**asdict(cfg), "passos de cada treino": steps, "rejeitadas cortadas": int(pairs["rejeitada cortada"].sum()),
                "minutos": round((time.perf_counter() - started) / 60, 1)}  # fmt: skip
    bench.write_results(summary_rows(logps, titles, cfg), "10-dpo",
                        "DPO com LoRA no SmolLM2-135M: log-prob. das mesmas respostas fora do treino, por modelo", folder, manifest)  # fmt: skip
    bench.write_results(logps, "10-dpo-logprobs", "Log-prob. de cada escolhida e rejeitada sob cada modelo", folder, manifest)
    bench.write_results(histories, "10-dpo-treino", "Métricas por passo dos dois DPO (e a perda do SFT)", folder, manifest)
    bench.write_results(titles, "10-dpo-titulos", "Títulos gerados para as avaliações fora do treino", folder, manifest)
    bench.write_results(rewards, "10-recompensa", "Modelo de recompensa (Bradley–Terry, cabeça linear no SmolLM2 congelado)",
                        folder, manifest)  # fmt: skip
    bench.write_results(pairs, "10-dpo-pares", "Os pares de preferência (escolhida: o cliente; rejeitada: o modelo)", folder, manifest)
    print(summary_rows(logps, titles, cfg).round(2).T.to_string())
    print(rewards.round(1).to_string(index=False))
    print(f"{manifest['minutos']} minutos")


if __name__ == "__main__":
    main()
