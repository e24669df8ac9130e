"""llama.cpp pelo ``llama-cpp-python`` (capítulo 7): logs do C, geração em fluxo medida, threads, o GGUF
por dentro e a requantização em série que o script ``quantizar.py`` do capítulo usa.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import functools
import json
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from shared import bench, quant, sizing

# ---------------------------------------------------------------------------------------------------
# Com que instruções o llama.cpp instalado foi compilado

# Instruções que o build portátil do curso (scripts/install_llama_cpp.sh) deixa de fora em x86-64: ele
# roda em qualquer CPU de Haswell (AVX2) em diante. Um wheel com qualquer uma delas foi compilado com
# -march=native (ou com opções a mais) e cai com "Illegal instruction" numa CPU que não as tem — ou, no
# caso do AMX, até numa que tem, mas não o liberou ao processo.
NOT_PORTABLE_X86 = ("AVX512", "AVX512_VBMI", "AVX512_VNNI", "AVX512_BF16", "AVX_VNNI", "AMX_INT8")
PORTABLE_BASELINE_X86 = ("AVX", "AVX2", "FMA", "F16C")


def compiled_cpu_features(info: str | None = None) -> dict[str, str]:
    """As opções de CPU compiladas no llama.cpp, lidas de ``llama_print_system_info()`` ("AVX2 = 1 | ...")."""
    if info is None:
        import llama_cpp

        info = llama_cpp.llama_print_system_info().decode("utf-8", errors="replace")
    return dict(re.findall(r"([A-Z][A-Z0-9_]*) = ([^|\s]+)", info))


def compiled_cpu_features_text(info: str | None = None) -> str:
    """As instruções ligadas (valor 1), numa linha: "SSE3 AVX AVX2 F16C FMA ..."."""
    return " ".join(name for name, value in compiled_cpu_features(info).items() if value == "1")


def portability_problems(features: dict[str, str], machine: str) -> list[str]:
    """O que impede este build de rodar em qualquer x86-64 de Haswell em diante (lista vazia: portátil).

    Em outras arquiteturas (ARM, Apple Silicon) o curso usa o build padrão, feito para a própria máquina:
    não há o que conferir.
    """
    if machine.lower() not in ("x86_64", "amd64"):
        return []
    problems = [f"{name} compilado (o build portátil não o usa)" for name in NOT_PORTABLE_X86 if features.get(name) == "1"]
    problems += [f"falta {name} (o build portátil o usa)" for name in PORTABLE_BASELINE_X86 if features.get(name) != "1"]
    return problems


# ---------------------------------------------------------------------------------------------------
# Os logs do llama.cpp


@contextlib.contextmanager
def captured_logs():
    """Guarda numa lista o que o llama.cpp registra (em vez de imprimir) enquanto o bloco roda.

    O llama.cpp conta ali o que alocou: o tamanho do cache KV, dos buffers de cálculo, dos pesos mapeados.
    No fim, devolve o registro padrão do ``llama-cpp-python``.
    """
    import llama_cpp
    from llama_cpp import _logger

    lines: list[str] = []

    @llama_cpp.llama_log_callback
    def keep(level, text, user_data):
        lines.append(text.decode("utf-8", errors="replace"))

    llama_cpp.llama_log_set(keep, ctypes.c_void_p(0))
    try:
        yield lines
    finally:
        llama_cpp.llama_log_set(_logger.llama_log_callback, ctypes.c_void_p(0))


def log_sizes_mib(lines: list[str]) -> dict[str, float]:
    """Os tamanhos (MiB) que o llama.cpp registrou ao abrir um modelo: pesos, cache KV e buffer de cálculo."""
    text = "".join(lines)
    patterns = {
        "pesos": r"model buffer size =\s*([\d.]+) MiB",
        "cache KV": r"llama_kv_cache: size =\s*([\d.]+) MiB",
        "buffer de cálculo": r"compute buffer size =\s*([\d.]+) MiB",
    }
    found = {}
    for key, pattern in patterns.items():
        match = re.search(pattern, text)
        if match:
            found[key] = float(match.group(1))
    return found


def open_model(path: str | Path, n_ctx: int = 512, threads: int = 2, **kwargs):
    """Abre um GGUF com ``llama_cpp.Llama``, sem ruído; devolve ``(llm, tamanhos em MiB dos logs)``."""
    import llama_cpp

    path = Path(path)
    if not quant.is_gguf(path):
        raise FileNotFoundError(f"{path} não existe ou não é um GGUF. Confira o caminho (shared.models.gguf_path()).")
    with captured_logs() as lines:
        llm = llama_cpp.Llama(str(path), n_ctx=n_ctx, n_threads=threads, verbose=False, **kwargs)
    return llm, log_sizes_mib(lines)


# ---------------------------------------------------------------------------------------------------
# Geração em fluxo, medida


@dataclass
class StreamResult:
    """Uma geração em fluxo: os pedaços na ordem em que chegaram e os tempos."""

    text: str
    pieces: list[str]
    prompt_tokens: int
    generated_tokens: int  # pedaços recebidos: um por token (um caractere partido em 2 tokens chega junto)
    first_token_seconds: float  # do pedido ao 1º token: quase todo é o processamento do prompt
    generation_tps: float  # do 1º ao último token

    @property
    def prompt_tps(self) -> float:
        return self.prompt_tokens / self.first_token_seconds


def stream(llm, prompt: str | None = None, messages: list[dict] | None = None, max_tokens: int = 32, **kwargs) -> StreamResult:
    """Gera em fluxo (``stream=True``), com texto puro (``prompt``) ou conversa (``messages``, no formato do
    *chat template* do GGUF), gulosa por padrão, e mede o tempo até o 1º token e os tokens/s depois dele.
    """
    if (prompt is None) == (messages is None):
        raise ValueError("Passe prompt (texto puro) ou messages (conversa), um dos dois.")
    kwargs.setdefault("temperature", 0.0)
    llm.reset()
    start = time.perf_counter()
    if messages is not None:
        chunks = llm.create_chat_completion(messages=messages, max_tokens=max_tokens, stream=True, **kwargs)
        read = lambda chunk: chunk["choices"][0]["delta"].get("content", "")  # noqa: E731
    else:
        chunks = llm.create_completion(prompt, max_tokens=max_tokens, stream=True, **kwargs)
        read = lambda chunk: chunk["choices"][0]["text"]  # noqa: E731
    pieces, times = [], []
    for chunk in chunks:
        piece = read(chunk)
        if piece:
            pieces.append(piece)
            times.append(time.perf_counter())
    if not times:  # o modelo encerrou logo de cara (fim de texto como 1º token)
        times = [time.perf_counter()]
    return StreamResult(
        text="".join(pieces),
        pieces=pieces,
        prompt_tokens=_prompt_length(llm, prompt, messages),
        generated_tokens=len(pieces),
        first_token_seconds=times[0] - start,
        generation_tps=bench.stream_tokens_per_second(times),
    )


def _prompt_length(llm, prompt, messages) -> int:
    if prompt is not None:
        return len(llm.tokenize(prompt.encode()))
    return len(llm.tokenize(chat_prompt(llm, messages).encode(), special=True))


def chat_prompt(llm, messages: list[dict]) -> str:
    """O texto que o *chat template* do GGUF monta para uma conversa (o que o modelo lê de verdade)."""
    import jinja2

    template = llm.metadata["tokenizer.chat_template"]
    return jinja2.Template(template).render(messages=messages, add_generation_prompt=True)


# ---------------------------------------------------------------------------------------------------
# Threads numa máquina ocupada


@contextlib.contextmanager
def busy_cores(n: int):
    """Ocupa ``n`` núcleos com processos que só giram em laço, enquanto o bloco roda (simula uma máquina
    ocupada: outro programa, o navegador, uma compilação)."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        time.sleep(0.2)
        yield
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


def generation_speeds(path: str | Path, threads: int, prompt_ids: list[int], n_new: int = 32,
                      repeat: int = 5) -> list[float]:  # fmt: skip
    """Tokens/s da geração gulosa em cada uma de ``repeat`` rodadas (depois de um aquecimento)."""
    engine = quant.load_gguf_file(path, threads=threads)
    try:
        engine.generate(prompt_ids, 3)  # aquecimento
        return [bench.stream_tokens_per_second(engine.generate(prompt_ids, n_new)[1]) for _ in range(repeat)]
    finally:
        engine.close()


def generation_speed(path: str | Path, threads: int, prompt_ids: list[int], n_new: int = 32, repeat: int = 3) -> float:
    """Tokens/s da geração gulosa: a mediana de :func:`generation_speeds`."""
    return statistics.median(generation_speeds(path, threads, prompt_ids, n_new, repeat))


# ---------------------------------------------------------------------------------------------------
# Gramáticas (capítulo 8)


def json_gbnf(task: dict, max_length: int = 40) -> str:
    """A gramática GBNF que o llama.cpp monta a partir de ``prompts.json_schema`` (o texto que ele usa)."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    from shared import prompts

    return json_schema_to_gbnf(json.dumps(prompts.json_schema(task, max_length)))


def grammar(gbnf: str):
    """O objeto ``LlamaGrammar`` de um texto GBNF (silencioso)."""
    from llama_cpp.llama_grammar import LlamaGrammar

    return LlamaGrammar.from_string(gbnf, verbose=False)


# ---------------------------------------------------------------------------------------------------
# O GGUF por dentro


def gguf_metadata(path: str | Path) -> dict[str, object]:
    """Os metadados simples de um GGUF (números e textos; sem as listas do vocabulário)."""
    import gguf

    reader = gguf.GGUFReader(str(path))
    meta = {}
    for name, field in reader.fields.items():
        if name.startswith("GGUF.") or name.startswith("tokenizer.ggml."):
            continue
        value = field.contents()
        if isinstance(value, list):
            continue
        meta[name] = value
    return meta


def tensor_table(path: str | Path) -> pd.DataFrame:
    """Uma linha por tensor do GGUF: camada, nome, tipo, forma, número de pesos, bytes e bits por peso."""
    import gguf

    rows = []
    for t in gguf.GGUFReader(str(path)).tensors:
        match = re.match(r"blk\.(\d+)\.", t.name)
        rows.append({
            "camada": int(match.group(1)) if match else None,
            "tensor": t.name,
            "tipo": t.tensor_type.name,
            "forma": tuple(int(x) for x in t.shape),
            "pesos": int(t.n_elements),
            "bytes": int(t.n_bytes),
        })  # fmt: skip
    df = pd.DataFrame(rows)
    df["bits por peso"] = 8 * df["bytes"] / df["pesos"]
    return df


def architecture_from_gguf(path: str | Path, name: str = "do GGUF") -> sizing.Architecture:
    """Os números de arquitetura que a calculadora de memória usa, lidos dos metadados de um GGUF."""
    meta = gguf_metadata(path)
    arch = meta["general.architecture"]
    tensors = tensor_table(path)
    hidden = int(meta[f"{arch}.embedding_length"])
    return sizing.Architecture(
        name=name,
        layers=int(meta[f"{arch}.block_count"]),
        hidden=hidden,
        heads=int(meta[f"{arch}.attention.head_count"]),
        kv_heads=int(meta[f"{arch}.attention.head_count_kv"]),
        context=int(meta[f"{arch}.context_length"]),
        vocab=int(tensors.loc[tensors["tensor"] == "token_embd.weight", "pesos"].iloc[0]) // hidden,
        ffn=int(meta[f"{arch}.feed_forward_length"]),
        tied="output.weight" not in set(tensors["tensor"]),
        source=str(path),
    )


# ---------------------------------------------------------------------------------------------------
# Requantização em série (o script quantizar.py do capítulo 7)

QUANT_TYPES = ("Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q4_0", "Q3_K_M", "Q2_K")


def output_path(src: str | Path, qtype: str, out_dir: str | Path) -> Path:
    """``modelo.Q4_1.gguf`` + ``Q4_0`` → ``out_dir/modelo.Q4_0.gguf`` (troca o tipo que já estiver no nome)."""
    stem = re.sub(r"\.(Q\d\w*|I?Q\d\w*|F16|F32|BF16)$", "", Path(src).stem, flags=re.IGNORECASE)
    return Path(out_dir) / f"{stem}.{qtype.upper()}.gguf"


def write_f16_gguf(src: str | Path, dst: str | Path) -> Path:
    """Escreve ``src`` (um GGUF quantizado) como um GGUF **F16**: a origem em precisão cheia para quantizar.

    Usa o pacote ``gguf`` (o mesmo que o conversor do llama.cpp usa): lê cada tensor, desquantiza para
    float32 (``gguf.quants.dequantize``) e grava as matrizes em float16 e os vetores (normalizações) em
    float32, como o conversor faz; os metadados são copiados, com ``general.file_type`` = F16. Os valores são
    os do modelo desquantizado do curso (o SmolLM2 só vem em Q4_1): a perda do Q4_1 original continua lá,
    mas cada tipo novo parte do mesmo ponto em precisão cheia, e não de um Q4_1 requantizado.
    Escreve num temporário e só renomeia no fim.
    """
    import gguf
    import numpy as np

    src, dst = Path(src), Path(dst)
    if not quant.is_gguf(src):
        raise quant.QuantizationError(f"{src} não existe ou não é um GGUF. Confira o caminho.")
    reader = gguf.GGUFReader(src)
    arch = reader.get_field("general.architecture").contents()
    tmp = dst.with_name(dst.name + ".parcial")
    dst.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(tmp, arch)
    try:
        for key, field in reader.fields.items():
            if key.startswith("GGUF.") or key in ("general.architecture", "general.file_type"):
                continue
            sub_type = field.types[-1] if field.types[0] == gguf.GGUFValueType.ARRAY else None
            writer.add_key_value(key, field.contents(), field.types[0], sub_type=sub_type)
        writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
        for tensor in reader.tensors:
            values = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
            values = values.reshape([int(n) for n in reversed(tensor.shape)])
            writer.add_tensor(tensor.name, values.astype(np.float16 if values.ndim > 1 else np.float32))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
    finally:
        writer.close()
    tmp.replace(dst)
    return dst


def tokenize(llm, text: str) -> list[int]:
    """Os ids de um texto no tokenizador do GGUF (sem o token de início)."""
    return list(llm.tokenize(text.encode(), add_bos=False))


def quantize_and_measure(
    src: str | Path, qtypes, out_dir: str | Path, threads: int = 2, n_new: int = 24, references=(),
) -> pd.DataFrame:  # fmt: skip
    """Quantiza ``src`` em cada tipo e mede: tamanho, bits por peso, tokens/s e perplexidade.

    Os prompts e o texto fixo são os do capítulo 4 (``quant.standard_inputs``); a origem entra na tabela
    como primeira linha, e cada ``(rótulo, caminho)`` de ``references`` é medido também, sem quantizar.
    """
    src, out_dir = Path(src), Path(out_dir)
    rows = []
    for qtype in [None, *qtypes, *references]:
        if isinstance(qtype, tuple):
            label, path = qtype
            path, seconds, qtype = Path(path), float("nan"), label
        elif qtype is None:
            path, seconds = src, float("nan")
        else:
            path = output_path(src, qtype, out_dir)
            start = time.perf_counter()
            quant.requantize_gguf(src, path, qtype, threads=threads)
            seconds = time.perf_counter() - start
        engine = quant.load_gguf_file(path, name=qtype or "original", threads=threads)
        try:
            prompts, text_ids = quant.standard_inputs(functools.partial(tokenize, engine.llm))
            result = quant.benchmark(engine, prompts, text_ids, n_new=n_new)
        finally:
            engine.close()
        tensors = tensor_table(path)
        rows.append({
            "tipo": (qtype if " " in qtype else qtype.upper()) if qtype else f"origem ({src.name})",
            "arquivo (MB)": path.stat().st_size / 1e6,
            "bits por peso": 8 * tensors["bytes"].sum() / tensors["pesos"].sum(),
            "tipos dos tensores (% dos pesos)": _type_mix(tensors),
            "quantizar (s)": seconds,
            "prompt (tok/s)": result.prompt_tps,
            "geração (tok/s)": result.gen_tps,
            "perplexidade": result.perplexity,
        })  # fmt: skip
    return pd.DataFrame(rows)


def _type_mix(tensors: pd.DataFrame) -> str:
    """Os tipos dos tensores de um GGUF, pela fração dos pesos: ``"Q2_K 62 · Q4_0 21 · ..."``."""
    share = tensors.groupby("tipo")["pesos"].sum().sort_values(ascending=False) / tensors["pesos"].sum()
    return " · ".join(f"{t} {100 * v:.0f}" for t, v in share.items() if v >= 0.005)


def quantize_main(argv: list[str] | None = None) -> int:
    """Linha de comando: ``python quantizar.py [ENTRADA] --tipos Q4_0 Q8_0 [--medir]``."""
    from shared import models

    parser = argparse.ArgumentParser(
        prog="quantizar.py",
        description="Quantiza um modelo GGUF com o llama.cpp (sem entrada: o SmolLM2 do curso, escrito antes em F16) e, com --medir, mede tamanho, velocidade e perplexidade.",
    )
    parser.add_argument("entrada", nargs="?",
                        help="arquivo .gguf de entrada (padrão: o SmolLM2 do curso, escrito antes em F16)")
    parser.add_argument("--tipos", nargs="+", default=["Q4_0"], metavar="TIPO",
                        help=f"tipos de saída (padrão: Q4_0; por exemplo: {' '.join(QUANT_TYPES)})")
    parser.add_argument("--saida", default=None, help="pasta dos arquivos gerados (padrão: o cache do curso)")
    parser.add_argument("--threads", type=int, default=2, help="threads do llama.cpp (padrão: 2)")
    parser.add_argument("--medir", action="store_true", help="mede cada tipo e grava results/07-llamacpp.csv")
    args = parser.parse_args(argv)

    out_dir = Path(args.saida) if args.saida else quant.cache_dir() / "gguf"
    references = []
    try:
        import llama_cpp

        unknown = [q for q in args.tipos if not hasattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{q.upper()}")]
        if unknown:  # antes de escrever qualquer arquivo
            raise quant.QuantizationError(f"Tipo de quantização desconhecido: {', '.join(unknown)}. "
                                          f"Use um destes: {', '.join(QUANT_TYPES)}, Q4_1, Q5_0, Q5_1.")  # fmt: skip
        if args.entrada:
            src = Path(args.entrada)
        else:  # a origem em precisão cheia: o SmolLM2 do curso desquantizado e gravado em F16
            packaged = models.gguf_path()
            src = output_path(packaged, "F16", out_dir)
            if not quant.is_gguf(src):
                write_f16_gguf(packaged, src)
                print(f"F16: {src} ({src.stat().st_size / 1e6:.1f} MB), escrito a partir de {packaged.name}")
            references = [(f"Q4_1 do pacote ({packaged.name})", packaged)]
        if args.medir:
            table = quantize_and_measure(src, args.tipos, out_dir, threads=args.threads, references=references)
            bench.write_results(
                table,
                "07-llamacpp",
                description=(
                    f"{src.name} quantizado com llama_model_quantize; {args.threads} threads; geração gulosa de "
                    "24 tokens (mediana de 3 prompts), perplexidade em 256 tokens de data/reviews_en"
                ),
            )
            print(table.round(3).to_string(index=False))
        else:
            for qtype in args.tipos:
                path = quant.requantize_gguf(src, output_path(src, qtype, out_dir), qtype, threads=args.threads)
                print(f"{qtype.upper()}: {path} ({path.stat().st_size / 1e6:.1f} MB)")
    except quant.QuantizationError as error:
        print(f"erro: {error}", file=sys.stderr)
        return 2
    return 0
