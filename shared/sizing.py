"""Quanto cabe onde: memória de pesos, cache KV e sobra de um LLM, por formato e por máquina (capítulo 7).

As arquiteturas são dados, cada uma com a fonte (artigo ou cartão do modelo) de onde os números vieram. A
conta é a mesma para todas; o notebook a confere contra a memória medida do SmolLM2 no llama.cpp.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Architecture:
    """Os números da configuração publicada de um modelo: decidem os parâmetros e a memória na inferência."""

    name: str
    layers: int
    hidden: int  # dimensão do modelo
    heads: int  # cabeças de atenção (das consultas)
    kv_heads: int  # cabeças de chave/valor: = heads (MHA), 1 (MQA) ou um meio-termo (GQA)
    context: int  # janela de contexto do treino
    vocab: int  # tokens do vocabulário
    ffn: int  # dimensão interna da rede feed-forward
    source: str
    ffn_matrices: int = 3  # SwiGLU (LLaMA): 3 matrizes; GELU (Falcon, BLOOM): 2
    tied: bool = False  # a camada de saída reusa a matriz de embeddings?
    bias: bool = False  # as camadas lineares têm viés?
    norms_per_layer: int = 2  # normalizações por bloco
    norm_bias: bool = False  # LayerNorm (peso e viés) em vez de RMSNorm (só peso)
    embedding_norm: bool = False  # BLOOM normaliza os embeddings antes do 1º bloco

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    @property
    def params(self) -> int:
        """Parâmetros contados da configuração (:func:`param_count`)."""
        return param_count(self)


def param_count(arch: Architecture) -> int:
    """Os parâmetros exatos de um transformer decoder a partir da sua configuração.

    Por bloco: as projeções da atenção (Q e a saída com ``heads`` cabeças; K e V com ``kv_heads``), a rede
    feed-forward (``ffn_matrices`` matrizes de ``hidden × ffn``), os vieses e as normalizações. Fora dos
    blocos: a tabela de embeddings, a camada de saída (se não for a mesma matriz) e a normalização final.
    """
    d, hd = arch.hidden, arch.head_dim
    attention = d * arch.heads * hd + 2 * d * arch.kv_heads * hd + arch.heads * hd * d
    ffn = arch.ffn_matrices * d * arch.ffn
    if arch.bias:
        attention += arch.heads * hd + 2 * arch.kv_heads * hd + d
        ffn += (arch.ffn_matrices - 1) * arch.ffn + d
    norm = d * (2 if arch.norm_bias else 1)
    block = attention + ffn + arch.norms_per_layer * norm
    embeddings = arch.vocab * d * (1 if arch.tied else 2)
    return arch.layers * block + embeddings + norm + (norm if arch.embedding_norm else 0)


_LLAMA1 = "Touvron et al. (2023a), tabela 2; params.json dos pesos (vocabulário 32.000, FFN 2/3·4d arredondada)"
_LLAMA2 = "Touvron et al. (2023b), tabela 1; config.json de meta-llama/Llama-2-*-hf"
ARCHITECTURES = [
    Architecture("SmolLM2-135M", 30, 576, 9, 3, 8192, 49152, 1536,
                 "config.json de HuggingFaceTB/SmolLM2-135M-Instruct; conferido no GGUF do curso", tied=True),
    Architecture("LLaMA 7B", 32, 4096, 32, 32, 2048, 32000, 11008, _LLAMA1),
    Architecture("LLaMA 13B", 40, 5120, 40, 40, 2048, 32000, 13824, _LLAMA1),
    Architecture("LLaMA 65B", 80, 8192, 64, 64, 2048, 32000, 22016, _LLAMA1),
    Architecture("Llama 2 7B", 32, 4096, 32, 32, 4096, 32000, 11008, _LLAMA2),
    Architecture("Llama 2 13B", 40, 5120, 40, 40, 4096, 32000, 13824, _LLAMA2),
    Architecture("Llama 2 70B", 80, 8192, 64, 8, 4096, 32000, 28672, _LLAMA2 + " (GQA com 8 grupos)"),
    Architecture("Falcon 7B", 32, 4544, 71, 1, 2048, 65024, 4 * 4544,
                 "Almazrouei et al. (2023); config.json de tiiuae/falcon-7b (multiquery: 1 cabeça KV; "
                 "atenção e FFN em paralelo, uma LayerNorm por bloco)",
                 ffn_matrices=2, tied=True, norms_per_layer=1, norm_bias=True),
    Architecture("Falcon 40B", 60, 8192, 128, 8, 2048, 65024, 4 * 8192,
                 "Almazrouei et al. (2023); config.json de tiiuae/falcon-40b (8 grupos KV; duas LayerNorms por bloco)",
                 ffn_matrices=2, tied=True, norms_per_layer=2, norm_bias=True),
    Architecture("BLOOM 176B", 70, 14336, 112, 112, 2048, 250880, 4 * 14336, "BigScience (2022), tabela 3",
                 ffn_matrices=2, tied=True, bias=True, norm_bias=True, embedding_norm=True),
]  # fmt: skip

# Bytes por peso em cada formato. Os formatos em blocos do llama.cpp guardam também uma escala por bloco
# de 32 pesos: Q8_0 = 34 bytes por bloco (8,5 bits), Q4_0 = 18 bytes (4,5 bits).
BYTES_PER_WEIGHT = {"fp32": 4.0, "fp16": 2.0, "int8 (Q8_0)": 34 / 32, "4 bits (Q4_0)": 18 / 32}


@dataclass(frozen=True)
class Device:
    """Uma máquina: a memória nominal, a que sobra de verdade para o modelo e a banda de memória."""

    name: str
    nominal: float  # bytes, como vende o fabricante
    usable: float  # bytes livres para o modelo (suposição declarada em ``note``)
    bandwidth: float  # bytes/s, do datasheet (um teto: na prática se alcança uma fração)
    note: str


DEVICES = [
    Device("laptop (16 GB de RAM)", 16e9, 12e9, 68.3e9,
           "suposição: 4 GB ficam com o sistema e os programas abertos; banda do DDR5-4266 em 2 canais (68,3 GB/s)"),
    Device("desktop (32 GB de RAM)", 32e9, 28e9, 51.2e9,
           "suposição: 4 GB para o sistema; DDR4-3200 em 2 canais (51,2 GB/s)"),
    Device("Colab T4 (16 GB)", 16e9, 15e9, 320e9,
           "a T4 tem 16 GB de GDDR6 (320 GB/s no datasheet); o nvidia-smi mostra 15.360 MiB e o contexto CUDA "
           "ocupa uma parte: suposição de 15 GB livres"),
    Device("A100 (80 GB)", 80e9, 79e9, 2039e9, "A100 SXM 80 GB: 2.039 GB/s no datasheet; suposição de 1 GB para o contexto CUDA"),
]  # fmt: skip


def get_device(name: str) -> Device:
    """A máquina pelo nome, com erro claro se não existir."""
    for device in DEVICES:
        if device.name == name:
            return device
    raise KeyError(f"Máquina {name!r} desconhecida. Opções: {', '.join(d.name for d in DEVICES)}.")


def get_architecture(name: str) -> Architecture:
    """A arquitetura pelo nome, com erro claro se não existir."""
    for arch in ARCHITECTURES:
        if arch.name == name:
            return arch
    raise KeyError(f"Arquitetura {name!r} desconhecida. Opções: {', '.join(a.name for a in ARCHITECTURES)}.")


def weight_bytes(arch: Architecture, fmt: str) -> float:
    """Bytes dos pesos num formato (``BYTES_PER_WEIGHT``)."""
    if fmt not in BYTES_PER_WEIGHT:
        raise KeyError(f"Formato {fmt!r} desconhecido. Opções: {', '.join(BYTES_PER_WEIGHT)}.")
    return arch.params * BYTES_PER_WEIGHT[fmt]


def kv_cache_bytes(arch: Architecture, context: int, batch: int = 1, bytes_per_value: float = 2.0) -> float:
    """Bytes do cache KV: chaves e valores (2) de cada camada, cabeça KV, dimensão, posição e sequência."""
    if context < 1 or batch < 1:
        raise ValueError(f"Contexto e lote devem ser pelo menos 1 (recebi contexto={context}, lote={batch}).")
    return 2 * arch.layers * arch.kv_heads * arch.head_dim * context * batch * bytes_per_value


def compute_buffer_bytes(arch: Architecture, context: int, ubatch: int = 512, flash_attention: bool = False) -> float:
    """O buffer de cálculo do llama.cpp ao processar um lote de ``ubatch`` tokens do prompt (em bytes, f32).

    Dois momentos disputam o pico, e o alocador reaproveita a memória entre eles:

    - os **logits** do lote: ``ubatch × vocab`` números;
    - sem *flash attention*, a **matriz de notas da atenção** de uma camada: ``heads`` matrizes de
      ``ubatch × context``, mais a máscara causal (uma matriz do mesmo tamanho) — cresce com o contexto.

    O modelo ignora as ativações menores (alguns MiB); o notebook confere contra o que o llama.cpp registra.
    """
    logits = 4 * ubatch * arch.vocab
    scores = 0 if flash_attention else 4 * ubatch * context * (arch.heads + 1)
    return float(max(logits, scores))


def inference_bytes(arch: Architecture, fmt: str, context: int, batch: int = 1, kv_bytes_per_value: float = 2.0,
                    flash_attention: bool = False) -> float:  # fmt: skip
    """Memória para servir o modelo: pesos + cache KV + buffer de cálculo (:func:`compute_buffer_bytes`)."""
    return (weight_bytes(arch, fmt) + kv_cache_bytes(arch, context, batch, kv_bytes_per_value)
            + compute_buffer_bytes(arch, context, flash_attention=flash_attention))  # fmt: skip


def decode_ceiling_tps(arch: Architecture, fmt: str, bandwidth: float, context: int = 0) -> float:
    """O teto de tokens/s da geração limitada pela memória: cada token lê os pesos inteiros e o cache KV.

    É a conta do roofline do capítulo 4: na geração (lote 1), cada peso é lido uma vez por token e usado
    em só 2 operações, então a banda de memória, e não o cálculo, decide a velocidade.
    """
    return bandwidth / (weight_bytes(arch, fmt) + kv_cache_bytes(arch, max(context, 1)))


def memory_table(architectures=None, formats=None, context: int = 2048, batch: int = 1,
                 flash_attention: bool = False) -> pd.DataFrame:  # fmt: skip
    """Uma linha por modelo e formato: pesos, cache KV, buffer de cálculo, total (GB) e se cabe em cada
    máquina de :data:`DEVICES` — na memória **livre** (``usable``), não na nominal."""
    rows = []
    for arch in architectures or ARCHITECTURES:
        for fmt in formats or [f for f in BYTES_PER_WEIGHT if f != "fp32"]:
            total = inference_bytes(arch, fmt, context, batch, flash_attention=flash_attention)
            row = {
                "modelo": arch.name,
                "formato": fmt,
                "pesos (GB)": weight_bytes(arch, fmt) / 1e9,
                "cache KV (GB)": kv_cache_bytes(arch, context, batch) / 1e9,
                "buffer de cálculo (GB)": compute_buffer_bytes(arch, context, flash_attention=flash_attention) / 1e9,
                "total (GB)": total / 1e9,
            }
            row.update({device.name: total <= device.usable for device in DEVICES})
            rows.append(row)
    return pd.DataFrame(rows)


def transformers_param_count(arch: Architecture) -> int:
    """Os parâmetros do mesmo modelo montado pelo ``transformers`` no dispositivo ``meta`` (sem memória).

    Confere :func:`param_count` com a implementação de referência de cada família (Llama, Falcon, BLOOM).
    """
    import torch
    from transformers import (
        BloomConfig,
        BloomForCausalLM,
        FalconConfig,
        FalconForCausalLM,
        LlamaConfig,
        LlamaForCausalLM,
    )

    if arch.name.startswith("BLOOM"):
        model_class, config = BloomForCausalLM, BloomConfig(vocab_size=arch.vocab, hidden_size=arch.hidden,
                                                            n_layer=arch.layers, n_head=arch.heads)  # fmt: skip
    elif arch.name.startswith("Falcon"):
        new = arch.kv_heads > 1
        model_class, config = FalconForCausalLM, FalconConfig(
            vocab_size=arch.vocab, hidden_size=arch.hidden, num_hidden_layers=arch.layers,
            num_attention_heads=arch.heads, num_kv_heads=arch.kv_heads, new_decoder_architecture=new,
            multi_query=not new, parallel_attn=True, bias=False, ffn_hidden_size=arch.ffn,
        )  # fmt: skip
    else:
        model_class, config = LlamaForCausalLM, LlamaConfig(
            vocab_size=arch.vocab, hidden_size=arch.hidden, intermediate_size=arch.ffn,
            num_hidden_layers=arch.layers, num_attention_heads=arch.heads, num_key_value_heads=arch.kv_heads,
            tie_word_embeddings=arch.tied,
        )  # fmt: skip
    with torch.device("meta"):
        model = model_class(config)
    return sum(p.numel() for p in model.parameters())
