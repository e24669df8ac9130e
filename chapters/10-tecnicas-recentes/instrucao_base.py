"""Instruction tuning de um modelo base, medido em tipos de tarefa que o treino não tem (o teste do FLAN).

O Gemma 3 270M *base* (só continua textos) passa por SFT com LoRA em três tarefas tiradas das avaliações
(nota de 1 a 5, recomendaria ou não, título do cliente), no molde de texto do capítulo 8. Depois, sem
nenhum exemplo, responde às 86 tarefas em português de ``data/prompts`` — seis tipos, nenhum deles treinado.
Comparamos com o mesmo modelo antes do SFT (0 e 3 exemplos no prompt) e com as linhas de base sem modelo
("resposta constante" e "eco da entrada"), com intervalos de Wilson e comparações pareadas nas mesmas tarefas.
A taxa de aprendizado e o passo do adaptador saem da perda na validação (pares das três tarefas treinadas,
de avaliações fora do treino); as tarefas de ``data/prompts`` não escolhem nada.

Uso (na raiz do repositório; levou 12 minutos em 2 núcleos de CPU):

    .venv/bin/python chapters/10-tecnicas-recentes/instrucao_base.py
    .venv/bin/python chapters/10-tecnicas-recentes/instrucao_base.py --minima --saida /tmp/x   # o teste minúsculo

Grava em ``results/``: ``10-instrucao-base`` (acerto por sistema e tipo de tarefa, com intervalo),
``10-instrucao-base-pareado`` (diferenças pareadas), ``10-instrucao-base-respostas`` (cada resposta),
``10-instrucao-base-vistas`` (as tarefas treinadas, em avaliações de teste) e ``10-instrucao-base-perdas``
(as curvas de treino e validação de cada taxa).
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from shared import alignment, bench, models, prompts, stats  # noqa: E402

BEFORE, FEW_SHOT, AFTER = "base · 0 ex.", "base · 3 ex.", "base + SFT · 0 ex."
CONSTANT = "(sem modelo) resposta constante"  # a melhor resposta fixa de cada subtipo, escolhida olhando as tarefas


@dataclass
class Config:
    model: str = "gemma3-270m"
    per_task: int = 48  # pares de treino por tarefa (três tarefas)
    validation_per_task: int = 12
    test_per_task: int = 32  # as tarefas treinadas em avaliações de teste (a parte "vista")
    rates: tuple[float, ...] = (1e-4, 3e-4, 1e-3)
    epochs: int = 2
    batch_size: int = 8
    eval_every: int = 6
    rank: int = 16
    seed: int = 2024
    task_limit: int = 0  # 0 = as 86 tarefas em português
    n_boot: int = 2000
    notes: list[str] = field(default_factory=list)


def tiny_config() -> Config:
    """Minúscula, para o teste: o SmolLM2, 4 pares por tarefa, uma taxa, 12 tarefas."""
    return Config(model="smollm2-135m-instruct", per_task=4, validation_per_task=2, test_per_task=2, rates=(1e-3,),
                  epochs=1, batch_size=4, eval_every=2, rank=4, task_limit=12, n_boot=100)  # fmt: skip


def eval_tasks(cfg: Config) -> list[dict]:
    """As tarefas em português de ``data/prompts`` (com ``task_limit``, as primeiras de cada tipo, alternadas)."""
    tasks = [t for t in prompts.load_tasks() if t["language"] == "pt"]
    if not cfg.task_limit:
        return tasks
    by_type: dict[str, list[dict]] = {}
    for t in tasks:
        by_type.setdefault(t["type"], []).append(t)
    picked = [t for i in range(cfg.task_limit) for group in by_type.values() if i < len(group) for t in [group[i]]]
    return picked[: cfg.task_limit]


def accuracy_rows(answers: pd.DataFrame) -> pd.DataFrame:
    """Acerto (%) com o intervalo de Wilson por sistema, no geral e por tipo de tarefa."""
    overall = prompts.accuracy_table(answers.assign(tipo="todas"), by=("sistema", "tipo"))
    by_type = prompts.accuracy_table(answers, by=("sistema", "tipo"))
    return pd.concat([overall, by_type], ignore_index=True)


def paired_rows(answers: pd.DataFrame, pairs: list[tuple[str, str]], n_boot: int) -> pd.DataFrame:
    """Para cada par (A, B) de sistemas: a diferença de acerto A − B nas mesmas tarefas, com intervalo e McNemar."""
    rows = []
    wide = answers.pivot_table(index="tarefa", columns="sistema", values="acertou", aggfunc="first")
    for a, b in pairs:
        x, y = wide[a].astype(float).to_numpy(), wide[b].astype(float).to_numpy()
        diff, low, high = stats.paired_bootstrap(x, y, n_boot=n_boot)
        test = stats.mcnemar(x.astype(bool), y.astype(bool))
        rows.append({"A": a, "B": b, "n": len(x), "A − B (pontos)": 100 * diff, "IC 95% de": 100 * low,
                     "IC 95% até": 100 * high, "só A acerta": test["a_only"], "só B acerta": test["b_only"],
                     "p (McNemar)": test["p"]})  # fmt: skip
    return pd.DataFrame(rows)


def seen_rows(model, tokenizer, test: pd.DataFrame, system: str) -> pd.DataFrame:
    """Acerto exato nas tarefas treinadas de resposta fechada (nota, recomenda), em avaliações de teste."""
    from shared.generation import complete_batch

    closed = test[test["tarefa"].isin(["nota", "recomenda"])].reset_index(drop=True)
    outs = complete_batch(model, tokenizer, list(closed["prompt"]), max_new_tokens=8)
    got = [alignment.normalize_label(text) for text, _ in outs]
    return closed.assign(sistema=system, resposta=[t for t, _ in outs], acertou=[g == a for g, a in zip(got, closed["answer"])])


def majority_rows(test: pd.DataFrame, train: pd.DataFrame) -> pd.DataFrame:
    """A linha de base das tarefas treinadas: responder sempre o rótulo mais comum do treino."""
    closed = test[test["tarefa"].isin(["nota", "recomenda"])].reset_index(drop=True)
    majority = closed["tarefa"].map(train.groupby("tarefa")["answer"].agg(lambda s: s.value_counts().index[0]))
    return closed.assign(sistema="(sem modelo) o rótulo mais comum do treino", resposta=majority,
                         acertou=majority == closed["answer"])  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    minima, folder = bench.script_options(__doc__.splitlines()[0], argv)
    cfg = tiny_config() if minima else Config()
    started = time.perf_counter()
    train = alignment.base_instruction_pairs("train", cfg.per_task, seed=cfg.seed)
    validation = alignment.base_instruction_pairs("validation", cfg.validation_per_task, seed=cfg.seed)
    test = alignment.base_instruction_pairs("test", cfg.test_per_task, seed=cfg.seed)
    tasks, examples = eval_tasks(cfg), prompts.load_examples()

    tokenizer, model = models.load_causal_lm(cfg.model)
    few_shot = prompts.variant_name("texto", True, 3)
    answers = [
        prompts.evaluate_hf(model, tokenizer, tasks, [alignment.BASE_VARIANT], examples).assign(sistema=BEFORE),
        prompts.evaluate_hf(model, tokenizer, tasks, [few_shot], examples).assign(sistema=FEW_SHOT),
    ]
    seen = [majority_rows(test, train), seen_rows(model, tokenizer, test, BEFORE)]

    # A taxa: a de menor perda de validação. Cada taxa treina do modelo base (o adaptador anterior sai) e
    # guardamos os pesos do adaptador escolhido; no fim, ele volta ao modelo.
    from peft import get_peft_model, get_peft_model_state_dict, set_peft_model_state_dict

    curves, best = [], None
    for rate in cfg.rates:
        peft_model, history = alignment.instruction_tune_base(
            model, tokenizer, train, validation, rank=cfg.rank, learning_rate=rate, epochs=cfg.epochs,
            batch_size=cfg.batch_size, eval_every=cfg.eval_every, seed=cfg.seed)  # fmt: skip
        curves.append(history.assign(taxa=rate))
        loss = history["perda_validacao"].min()
        step = int(history.loc[history["escolhido"], "passo"].iloc[0])
        print(f"taxa {rate:g}: menor perda de validação {loss:.3f} no passo {step}", flush=True)
        if best is None or loss < best[0]:
            best = (loss, rate, {k: v.clone() for k, v in get_peft_model_state_dict(peft_model).items()})
        model = peft_model.unload()
    _, rate, weights = best
    tuned = get_peft_model(model, alignment.base_lora_config(cfg.rank))
    set_peft_model_state_dict(tuned, weights)
    tuned.eval()
    curves = pd.concat(curves, ignore_index=True)
    curves["taxa escolhida"] = curves["taxa"] == rate

    answers.append(prompts.evaluate_hf(tuned, tokenizer, tasks, [alignment.BASE_VARIANT], examples).assign(sistema=AFTER))
    seen.append(seen_rows(tuned, tokenizer, test, AFTER))
    answers.append(prompts.baselines(tasks).rename(columns={"variante": "sistema"}).assign(
        sistema=lambda d: "(sem modelo) " + d["sistema"]))  # fmt: skip
    answers = pd.concat(answers, ignore_index=True)
    seen = pd.concat(seen, ignore_index=True)

    manifest = {**asdict(cfg), "taxa escolhida": rate, "minutos": round((time.perf_counter() - started) / 60, 1)}
    columns = ["sistema", "tarefa", "tipo", "subtipo", "resposta", "verificado", "cortada", "acertou", "motivo"]
    bench.write_results(accuracy_rows(answers), "10-instrucao-base",
                        f"Acerto (%) nas tarefas em português de data/prompts, tipos que o SFT não treinou ({cfg.model})",
                        folder, manifest)  # fmt: skip
    bench.write_results(paired_rows(answers, [(AFTER, BEFORE), (AFTER, CONSTANT), (AFTER, FEW_SHOT), (FEW_SHOT, BEFORE)], cfg.n_boot),
                        "10-instrucao-base-pareado", "Diferenças pareadas de acerto nas mesmas tarefas (bootstrap e McNemar)",
                        folder, manifest)  # fmt: skip
    bench.write_results(answers[columns], "10-instrucao-base-respostas", "Cada resposta de cada sistema", folder, manifest)
    seen_table = prompts.accuracy_table(seen, by=("sistema", "tarefa"))
    for task, group in seen.groupby("tarefa"):
        pair = paired_rows(group.assign(tarefa=group.groupby("sistema").cumcount()),
                           [(AFTER, "(sem modelo) o rótulo mais comum do treino")], cfg.n_boot)  # mesmas avaliações
        keep = ["A − B (pontos)", "IC 95% de", "IC 95% até", "p (McNemar)"]
        for column in keep:
            seen_table.loc[(seen_table["sistema"] == AFTER) & (seen_table["tarefa"] == task),
                           f"contra o rótulo mais comum: {column}"] = pair[column].iloc[0]  # fmt: skip
    bench.write_results(seen_table, "10-instrucao-base-vistas",
                        "Acerto (%) nas tarefas treinadas (nota, recomenda), em avaliações de teste", folder, manifest)  # fmt: skip
    bench.write_results(curves, "10-instrucao-base-perdas", "Perda de treino e de validação por passo, para cada taxa",
                        folder, manifest)  # fmt: skip
    print(accuracy_rows(answers).round(1).to_string(index=False))
    print(f"{manifest['minutos']} minutos")


if __name__ == "__main__":
    main()
