"""Quanto cabe onde: memória de pesos, cache KV e sobra de um LLM, por formato e por máquina (capítulo 7).

As arquiteturas são dados, cada uma com a fonte (artigo ou cartão do modelo) de onde os números vieram. A
conta é a mesma para todas; o notebook a confere contra a memória medida do SmolLM2 no llama.cpp.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Architecture:
    """Os números de uma arquitetura que decidem a memória na inferência."""

    name: str
    params: float  # parâmetros, como a fonte os informa (os artigos arredondam: "7B", "6,7B")
    layers: int
    hidden: int  # dimensão do modelo
    heads: int  # cabeças de atenção (das consultas)
    kv_heads: int  # cabeças de chave/valor: = heads (MHA), 1 (MQA) ou um meio-termo (GQA)
    context: int  # janela de contexto do treino
    source: str

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads


ARCHITECTURES = [
    Architecture("SmolLM2-135M", 134.5e6, 30, 576, 9, 3, 8192,
                 "cartão e config.json de HuggingFaceTB/SmolLM2-135M-Instruct; conferido no GGUF do curso"),
    Architecture("LLaMA 7B", 6.7e9, 32, 4096, 32, 32, 2048, "Touvron et al. (2023a), tabela 2"),
    Architecture("LLaMA 13B", 13.0e9, 40, 5120, 40, 40, 2048, "Touvron et al. (2023a), tabela 2"),
    Architecture("LLaMA 65B", 65.2e9, 80, 8192, 64, 64, 2048, "Touvron et al. (2023a), tabela 2"),
    Architecture("Llama 2 7B", 7e9, 32, 4096, 32, 32, 4096, "Touvron et al. (2023b), tabela 1 e seção 2.2"),
    Architecture("Llama 2 13B", 13e9, 40, 5120, 40, 40, 4096, "Touvron et al. (2023b), tabela 1 e seção 2.2"),
    Architecture("Llama 2 70B", 70e9, 80, 8192, 64, 8, 4096,
                 "Touvron et al. (2023b), tabela 1 (GQA com 8 grupos); config.json de meta-llama/Llama-2-70b-hf"),
    Architecture("Falcon 7B", 7e9, 32, 4544, 71, 1, 2048,
                 "Almazrouei et al. (2023), tabela 1 (multiquery); config.json de tiiuae/falcon-7b"),
    Architecture("Falcon 40B", 40e9, 60, 8192, 128, 8, 2048,
                 "Almazrouei et al. (2023), tabela 1 (8 grupos KV); config.json de tiiuae/falcon-40b"),
    Architecture("BLOOM 176B", 176e9, 70, 14336, 112, 112, 2048, "BigScience (2022), tabela 3"),
]  # fmt: skip

# Bytes por peso em cada formato. Os formatos em blocos do llama.cpp guardam também uma escala por bloco
# de 32 pesos: Q8_0 = 34 bytes por bloco (8,5 bits), Q4_0 = 18 bytes (4,5 bits).
BYTES_PER_WEIGHT = {"fp32": 4.0, "fp16": 2.0, "int8 (Q8_0)": 34 / 32, "4 bits (Q4_0)": 18 / 32}

# Memória que a máquina oferece ao modelo, em bytes (nominal; o sistema e o runtime usam parte).
DEVICES = {"laptop (16 GB de RAM)": 16e9, "Colab T4 (16 GB)": 16e9, "A100 (80 GB)": 80e9}

# Sobra sobre pesos + cache KV: buffers das ativações e do runtime. Conferida no notebook com o SmolLM2.
DEFAULT_OVERHEAD = 0.10


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


def inference_bytes(
    arch: Architecture,
    fmt: str,
    context: int,
    batch: int = 1,
    kv_bytes_per_value: float = 2.0,
    overhead: float = DEFAULT_OVERHEAD,
) -> float:
    """Memória para servir o modelo: (pesos + cache KV) × (1 + sobra)."""
    return (weight_bytes(arch, fmt) + kv_cache_bytes(arch, context, batch, kv_bytes_per_value)) * (1 + overhead)


def memory_table(
    architectures=None, formats=None, context: int = 2048, batch: int = 1, overhead: float = DEFAULT_OVERHEAD
) -> pd.DataFrame:
    """Uma linha por modelo e formato: pesos, cache KV, total (GB) e se cabe em cada máquina de ``DEVICES``."""
    rows = []
    for arch in architectures or ARCHITECTURES:
        for fmt in formats or [f for f in BYTES_PER_WEIGHT if f != "fp32"]:
            total = inference_bytes(arch, fmt, context, batch, overhead=overhead)
            row = {
                "modelo": arch.name,
                "formato": fmt,
                "pesos (GB)": weight_bytes(arch, fmt) / 1e9,
                "cache KV (GB)": kv_cache_bytes(arch, context, batch) / 1e9,
                "total (GB)": total / 1e9,
            }
            row.update({device: total <= capacity for device, capacity in DEVICES.items()})
            rows.append(row)
    return pd.DataFrame(rows)
