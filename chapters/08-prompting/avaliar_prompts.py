"""A avaliação completa do capítulo 8: todas as variantes de prompt em todas as tarefas, nos dois modelos.

Pesada demais para o notebook (alguns milhares de respostas; ~15 min em 2 núcleos), então roda aqui e
grava tudo em ``results/``; o notebook lê as respostas gravadas, refaz uma parte ao vivo e confere que
saiu igual. Rode da raiz do curso:

    python chapters/08-prompting/avaliar_prompts.py              # a rodada que está no README
    python chapters/08-prompting/avaliar_prompts.py --por-grupo 1 --saida /tmp/x   # rodada minúscula

O que roda:

- **SmolLM2-135M-Instruct** (modelo de conversa): as 12 células do fatorial template × formato × exemplos,
  as variantes avulsas (pergunta crua, papel no sistema, passo a passo) e a variante revisada do 8.6;
  as tarefas de JSON e de rótulo de novo com gramática, no mesmo prompt.
- **Gemma 3 270M base** (sem chat template): as células do template de texto (formato × exemplos).
- As linhas de base sem modelo: resposta constante e eco da entrada.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from shared import bench, env, llamacpp, models, prompts  # noqa: E402

INSTRUCT, BASE = "smollm2-135m-instruct", "gemma3-270m"
GRAMMAR_VARIANT = prompts.variant_name("chat", True, 0)
BUDGETS = {"max_tokens": 48, "line_tokens": 24, "step_by_step_tokens": 128}


def subset(tasks: list[dict], per_group: int | None) -> list[dict]:
    """As ``per_group`` primeiras tarefas de cada subtipo e língua (todas, se ``None``)."""
    if per_group is None:
        return tasks
    seen: dict[tuple, int] = {}
    out = []
    for t in tasks:
        key = (t["subtype"], t["language"])
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= per_group:
            out.append(t)
    return out


def grammar_for(task: dict):
    """Gramática de cada tarefa com forma fechada: esquema JSON ou a lista de rótulos."""
    if task["check"]["kind"] == "json":
        return llamacpp.grammar(llamacpp.json_gbnf(task))
    return llamacpp.grammar(prompts.label_gbnf(task))


def run(per_group: int | None, out_dir: Path | None, threads: int, models_to_run: list[str],
        max_variants: int | None = None) -> pd.DataFrame:  # fmt: skip
    variants = list(prompts.VARIANTS)[:max_variants]
    tasks, examples = subset(prompts.load_tasks(), per_group), prompts.load_examples()
    parts, seconds = [prompts.baselines(tasks)], {}
    if INSTRUCT in models_to_run:
        start = time.perf_counter()
        llm, _ = llamacpp.open_model(models.gguf_path(INSTRUCT), n_ctx=2048, threads=threads)
        parts.append(prompts.evaluate(llm, tasks, variants, examples, model=INSTRUCT, **BUDGETS))
        closed = [t for t in tasks if t["check"]["kind"] in ("json", "label")]
        with_grammar = prompts.evaluate(llm, closed, [GRAMMAR_VARIANT], examples, model=INSTRUCT,
                                        grammar_for=grammar_for, **BUDGETS)  # fmt: skip
        with_grammar["variante"] = GRAMMAR_VARIANT + " + gramática"
        parts.append(with_grammar)
        seconds[INSTRUCT] = time.perf_counter() - start
        del llm
    if BASE in models_to_run:
        start = time.perf_counter()
        llm, _ = llamacpp.open_model(models.gguf_path(BASE), n_ctx=2048, threads=threads)
        text_cells = [n for n, r in prompts.FACTORIAL.items() if r["template"] == "texto"][:max_variants]
        parts.append(prompts.evaluate(llm, tasks, text_cells, examples, model=BASE, **BUDGETS))
        seconds[BASE] = time.perf_counter() - start
        del llm
    answers = pd.concat(parts, ignore_index=True)
    config = {"tarefas": len(tasks), "por_grupo": per_group, "threads": threads, "modelos": models_to_run,
              "orçamentos": BUDGETS, "temperatura": 0.0, "segundos_por_modelo": seconds,
              "variante_com_gramática": GRAMMAR_VARIANT, "variantes_max": max_variants}  # fmt: skip
    bench.write_results(answers, "08-respostas", "Cada resposta de cada modelo, variante e tarefa do capítulo 8",
                        folder=out_dir, config=config)  # fmt: skip
    summary = prompts.accuracy_table(answers)
    bench.write_results(summary.round(2), "08-prompting", "% de acertos por modelo e variante, com IC de Wilson",
                        folder=out_dir, config=config)  # fmt: skip
    return answers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--por-grupo", type=int, default=None, help="só N tarefas por subtipo e língua (teste)")
    parser.add_argument("--saida", type=Path, default=None, help="pasta dos resultados (padrão: results/)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--variantes-max", type=int, default=None, help="só as N primeiras variantes (teste)")
    parser.add_argument("--modelos", nargs="+", default=[INSTRUCT, BASE], choices=[INSTRUCT, BASE])
    args = parser.parse_args(argv)
    env.quiet()
    answers = run(args.por_grupo, args.saida, args.threads, args.modelos, args.variantes_max)
    print(prompts.accuracy_table(answers).round(1).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
