"""Mede os LMs causais do registro (SmolLM2-135M e Gemma 3 270M) nesta máquina: carga, geração e treino.

Uso (na raiz do repositório):

    .venv/bin/python scripts/medir_modelos.py              # tudo; grava results/00-modelos.csv
    .venv/bin/python scripts/medir_modelos.py --converter  # mede também a conversão GGUF → safetensors
    .venv/bin/python scripts/medir_modelos.py --pequeno    # configuração mínima (teste)

Para cada modelo: conversão (opcional, num cache vazio), recarga do cache, geração gulosa em fp32 com o
``transformers`` e com o llama.cpp (mediana de 3 prompts, contando do 1º ao último token gerado, como no
capítulo 4), e um passo de treino LoRA com a perda só na resposta, calculando os logits em todas as
posições (``model(**lote).loss``) e só nas posições com rótulo (``shared.lora.loss_on_labels``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODELS = ("smollm2-135m-instruct", "gemma3-270m")
PROMPTS = (
    "O que é tokenização? Tokenização é",
    "Avaliação de um cliente: o fone chegou rápido e o som é ótimo. Em resumo, o cliente",
    "A quantização de um modelo de linguagem serve para",
)


def generation_speed(engine, tokenize, n_new: int) -> float:
    """Tokens/s da geração gulosa (mediana de 3 prompts, sem o prefill), com um aquecimento antes.

    ``engine`` é um ``quant.HFEngine`` ou ``quant.LlamaCppEngine`` (a mesma interface de medição do
    capítulo 4): ``generate`` devolve os tokens e o instante em que cada um chegou.
    """
    from shared import bench

    speeds = []
    for i, prompt in enumerate((PROMPTS[0], *PROMPTS)):
        _, times = engine.generate(tokenize(prompt), n_new)
        if i > 0:  # o primeiro é aquecimento
            speeds.append(bench.stream_tokens_per_second(times))
    return statistics.median(speeds)


def lora_step_seconds(model, tokenizer, batch: int, length: int, answer: int, label_only: bool) -> float:
    """Mediana de 3 passos (após 1 de aquecimento) de treino LoRA num lote ``batch × length`` tokens.

    Só os últimos ``answer`` tokens de cada exemplo têm rótulo (a "resposta"), como num ajuste de instruções.
    """
    import torch
    from peft import LoraConfig, get_peft_model

    from shared import bench, lora

    config = LoraConfig(task_type="CAUSAL_LM", r=8, lora_alpha=16, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"])
    peft_model = get_peft_model(model, config)
    torch.manual_seed(0)
    ids = torch.randint(10, tokenizer.vocab_size - 10, (batch, length))
    labels = ids.clone()
    labels[:, : length - answer] = -100
    data = {"input_ids": ids, "labels": labels, "attention_mask": torch.ones_like(ids)}
    optimizer = torch.optim.AdamW([p for p in peft_model.parameters() if p.requires_grad], lr=1e-4)
    peft_model.train()

    def step():
        loss = lora.loss_on_labels(peft_model, data) if label_only else peft_model(**data).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

    seconds = bench.time_it(step, repeat=3, warmup=1).median
    peft_model.unload()  # devolve o modelo sem os adaptadores, para a próxima medida
    return seconds


def measure(name: str, args) -> list[tuple[str, str, float, str]]:
    """As medidas de um modelo, como linhas (modelo, medida, valor, unidade)."""
    from shared import models, quant

    rows = []
    if args.converter:
        previous = os.environ.get("LLM_ZTH_CACHE")
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["LLM_ZTH_CACHE"] = tmp
            try:
                start = time.perf_counter()
                models.convert_gguf(name)
                what = "montar o GGUF e converter" if models.get_spec(name).assembled else "converter o GGUF"
                rows.append((name, f"{what} para safetensors, 1ª vez", time.perf_counter() - start, "s"))
            finally:
                if previous is None:
                    del os.environ["LLM_ZTH_CACHE"]
                else:
                    os.environ["LLM_ZTH_CACHE"] = previous
    models.convert_gguf(name)
    start = time.perf_counter()
    tokenizer, model = models.load_causal_lm(name)
    rows.append((name, "carregar do cache (safetensors)", time.perf_counter() - start, "s"))
    rows.append((name, "parâmetros", sum(p.numel() for p in model.parameters()) / 1e6, "milhões"))
    hf = quant.HFEngine(name=name, model=model, load_seconds=0.0)
    speed = generation_speed(hf, lambda text: tokenizer(text)["input_ids"], args.n_novos)
    rows.append((name, "geração gulosa fp32, transformers", speed, "tok/s"))
    gguf = quant.load_gguf_file(models.gguf_path(name), threads=args.threads)
    try:
        speed = generation_speed(gguf, lambda text: gguf.llm.tokenize(text.encode("utf-8"), add_bos=True), args.n_novos)
    finally:
        gguf.close()
    threads = f"{args.threads} {'thread' if args.threads == 1 else 'threads'}"
    rows.append((name, f"geração gulosa GGUF, llama.cpp ({threads})", speed, "tok/s"))
    shape = f"{args.lote}×{args.tamanho} tokens, {args.resposta} com rótulo"
    for label_only, how in ((False, "logits em todas as posições"), (True, "logits só onde há rótulo")):
        seconds = lora_step_seconds(model, tokenizer, args.lote, args.tamanho, args.resposta, label_only)
        rows.append((name, f"passo de treino LoRA r=8 ({shape}), {how}", seconds, "s"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modelos", type=lambda s: s.split(","), default=list(MODELS))
    parser.add_argument("--converter", action="store_true", help="mede a conversão num cache vazio")
    parser.add_argument("--n-novos", type=int, default=32, help="tokens gerados por prompt")
    parser.add_argument("--threads", type=int, default=1, help="threads do llama.cpp")
    parser.add_argument("--lote", type=int, default=8)
    parser.add_argument("--tamanho", type=int, default=64, help="tokens por exemplo no passo de treino")
    parser.add_argument("--resposta", type=int, default=16, help="tokens com rótulo por exemplo")
    parser.add_argument("--pequeno", action="store_true", help="configuração mínima, para o teste")
    args = parser.parse_args(argv)
    if args.pequeno:
        args.modelos, args.n_novos, args.lote, args.tamanho, args.resposta = ["smollm2-135m-instruct"], 4, 2, 16, 4

    import pandas as pd
    import torch

    from shared import bench, env

    env.quiet()
    torch.set_num_threads(2)
    rows = [row for name in args.modelos for row in measure(name, args)]
    table = pd.DataFrame(rows, columns=["modelo", "medida", "valor", "unidade"])
    print(table.round(2).to_string(index=False))
    name = "00-modelos-pequeno" if args.pequeno else "00-modelos"
    bench.write_results(table, name, f"LMs causais do registro: carga, geração ({args.n_novos} tokens) e treino LoRA",
                        config=vars(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
