"""Quanto custa o build portátil do llama.cpp? Mede as linhas llama.cpp do capítulo 4 em dois builds.

Uso (na raiz do repositório):

    .venv/bin/python scripts/comparar_builds_llama.py --nativo PASTA_LIB   # portátil (o instalado) × nativo
    .venv/bin/python scripts/comparar_builds_llama.py                      # só o instalado
    .venv/bin/python scripts/comparar_builds_llama.py --pequeno            # configuração mínima (teste)

``PASTA_LIB`` é a pasta ``llama_cpp/lib`` de um llama-cpp-python da MESMA versão compilado com as opções
padrão (``-march=native``), por exemplo de um ``pip install llama-cpp-python`` num venv de rascunho. Cada
build roda num processo próprio (a biblioteca em C só é carregada uma vez por processo; o
``llama-cpp-python`` a procura em ``LLAMA_CPP_LIB_PATH``), e os builds se alternam em rodadas, para que
o ruído de uma máquina ocupada caia igual nos dois. Grava ``results/00-llama-builds.csv`` com as
instruções que cada build tem compiladas (``llama_print_system_info``) e a CPU que mediu.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VARIANTS = ("Q8_0", "Q4_1", "Q4_0")  # as linhas llama.cpp da tabela do capítulo 4


def measure_here(variants: list[str], n_new: int, n_prompts: int, threads: int, text_tokens: int) -> list[dict]:
    """Mede, neste processo, cada variante GGUF com ``quant.benchmark`` (a função do capítulo 4)."""
    import llama_cpp

    from shared import llamacpp, quant

    rows = []
    for variant in variants:
        engine = quant.load_gguf_variant(variant, threads=threads)

        def tokenize(text: str, llm=engine.llm) -> list[int]:
            return llm.tokenize(text.encode("utf-8"), add_bos=False)

        prompts, text_ids = quant.standard_inputs(tokenize, n_prompts=n_prompts, text_tokens=text_tokens)
        result = quant.benchmark(engine, prompts, text_ids, n_new=n_new)
        engine.close()
        rows.append({
            "variante": variant,
            "geração (tok/s)": result.gen_tps,
            "prompt (tok/s)": result.prompt_tps,
            "perplexidade": result.perplexity,
            "instruções compiladas": llamacpp.compiled_cpu_features_text(),
            "biblioteca": str(Path(llama_cpp.llama_cpp._base_path)),
        })  # fmt: skip
    return rows


def run_build(lib_dir: str | None, args) -> list[dict]:
    """Roda :func:`measure_here` num processo novo, com a biblioteca de ``lib_dir`` (ou a instalada)."""
    env = dict(os.environ)  # o mesmo ambiente do capítulo 4 (sem mexer no OMP_WAIT_POLICY)
    env.pop("LLAMA_CPP_LIB_PATH", None)
    if lib_dir:
        env["LLAMA_CPP_LIB_PATH"] = lib_dir
    cmd = [sys.executable, __file__, "--_medir", ",".join(args.variantes), "--n-novos", str(args.n_novos),
           "--prompts", str(args.prompts), "--threads", str(args.threads), "--texto", str(args.texto)]  # fmt: skip
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"A medição do build {lib_dir or 'instalado'} falhou:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nativo", help="pasta llama_cpp/lib de um build nativo da mesma versão")
    parser.add_argument("--rodadas", type=int, default=3, help="rodadas alternando os builds")
    parser.add_argument("--n-novos", type=int, default=24, help="tokens gerados por prompt (como no capítulo 4)")
    parser.add_argument("--texto", type=int, default=256, help="tokens do texto da perplexidade (como no capítulo 4)")
    parser.add_argument("--prompts", type=int, default=3, help="prompts por variante (mínimo 3)")
    parser.add_argument("--threads", type=int, default=2, help="threads do llama.cpp (como no capítulo 4)")
    parser.add_argument("--variantes", type=lambda s: s.split(","), default=list(VARIANTS))
    parser.add_argument("--pequeno", action="store_true", help="configuração mínima, para o teste")
    parser.add_argument("--_medir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._medir:
        print(json.dumps(measure_here(args._medir.split(","), args.n_novos, args.prompts, args.threads, args.texto)))
        return 0
    if args.pequeno:
        args.rodadas, args.n_novos, args.variantes = 1, 4, ["Q4_1"]
    if args.nativo and not (Path(args.nativo) / "libllama.so").exists() and not list(Path(args.nativo).glob("libllama*")):
        raise SystemExit(f"{args.nativo} não tem a biblioteca do llama.cpp (libllama). Passe a pasta llama_cpp/lib.")

    import pandas as pd

    from shared import bench

    builds = {"portátil (instalado)": None}
    if args.nativo:
        builds["nativo (-march=native)"] = args.nativo
    raw = []
    for round_ in range(args.rodadas):
        for build, lib_dir in builds.items():
            for row in run_build(lib_dir, args):
                raw.append({"build": build, "rodada": round_ + 1, **row})
                print(f"rodada {round_ + 1} {build:>24} {row['variante']}: {row['geração (tok/s)']:6.1f} tok/s", flush=True)
    df = pd.DataFrame(raw)
    table = (
        df.groupby(["build", "variante"], sort=False)
        .agg(**{
            "geração (tok/s), mediana": ("geração (tok/s)", statistics.median),
            "geração, mín.": ("geração (tok/s)", "min"),
            "geração, máx.": ("geração (tok/s)", "max"),
            "prompt (tok/s), mediana": ("prompt (tok/s)", statistics.median),
            "prompt, mín.": ("prompt (tok/s)", "min"),
            "prompt, máx.": ("prompt (tok/s)", "max"),
            "perplexidade": ("perplexidade", "first"),
            "rodadas": ("rodada", "count"),
            "instruções compiladas": ("instruções compiladas", "first"),
        })
        .reset_index()
    )  # fmt: skip
    if args.nativo:  # razões pareadas: portátil ÷ nativo na mesma rodada, para cada variante
        wide = df.pivot_table(index=["variante", "rodada"], columns="build",
                              values=["geração (tok/s)", "prompt (tok/s)"])  # fmt: skip
        is_portable = table.build.str.startswith("portátil")
        for column, label in (("geração (tok/s)", "geração: portátil / nativo"),
                              ("prompt (tok/s)", "prompt: portátil / nativo")):  # fmt: skip
            ratio = (wide[column]["portátil (instalado)"] / wide[column]["nativo (-march=native)"]).groupby("variante")
            text = {v: f"{statistics.median(r):.2f} ({r.min():.2f}–{r.max():.2f})" for v, r in ratio}
            table[label] = table.variante.map(text).where(is_portable)
    print(table.drop(columns=["instruções compiladas"]).round(2).to_string(index=False))
    name = "00-llama-builds-pequeno" if args.pequeno else "00-llama-builds"
    description = (
        f"Linhas llama.cpp do capítulo 4 (SmolLM2-135M, {args.threads} thread(s), {args.n_novos} tokens gerados, "
        f"{args.prompts} prompts, perplexidade em {args.texto} tokens, {args.rodadas} rodadas alternadas) no build "
        "portátil e no nativo; razões portátil/nativo: mediana das razões pareadas por rodada (mín.–máx.)"
    )
    bench.write_results(table, name, description, config=vars(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
