"""Medições honestas: tempo com aquecimento e mediana, pico de memória, tokens/s e gravação com metadados."""

from __future__ import annotations

import ctypes
import datetime as _dt
import gc
import json
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared import env
from shared.paths import results_dir


@dataclass
class Timing:
    """Resultado de :func:`time_it`: todas as medições, em segundos."""

    runs: list[float]
    warmup: int

    @property
    def median(self) -> float:
        """Mediana das medições (robusta a um ou outro atraso do sistema)."""
        return statistics.median(self.runs)

    @property
    def best(self) -> float:
        """A medição mais rápida."""
        return min(self.runs)

    def __repr__(self) -> str:
        return f"Timing(mediana={self.median:.4f}s, n={len(self.runs)}, aquecimento={self.warmup})"


def time_it(fn: Callable[[], Any], repeat: int = 3, warmup: int = 1) -> Timing:
    """Roda ``fn`` ``warmup`` vezes sem medir e depois ``repeat`` vezes medindo; devolve um :class:`Timing`."""
    if repeat < 1:
        raise ValueError(f"repeat deve ser pelo menos 1, não {repeat}.")
    if warmup < 0:
        raise ValueError(f"warmup não pode ser negativo ({warmup}).")
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return Timing(runs=runs, warmup=warmup)


def tokens_per_second(n_tokens: int, seconds: float) -> float:
    """Tokens por segundo; erro claro para tempo zero ou negativo."""
    if seconds <= 0:
        raise ValueError(f"O tempo medido deve ser positivo, não {seconds}.")
    if n_tokens < 0:
        raise ValueError(f"O número de tokens não pode ser negativo ({n_tokens}).")
    return n_tokens / seconds


def stream_tokens_per_second(times: list[float]) -> float:
    """Tokens/s de uma geração em fluxo, pelos instantes em que cada token chegou: do 1º ao último (o tempo
    até o 1º token, quase todo processamento do prompt, fica de fora). ``nan`` com menos de 2 tokens."""
    if len(times) < 2:
        return float("nan")
    return tokens_per_second(len(times) - 1, times[-1] - times[0])


def current_rss() -> int:
    """Memória residente (RSS) do processo agora, em bytes."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def release_memory() -> None:
    """Coleta o lixo do Python e devolve ao sistema a memória livre do alocador (``malloc_trim`` da glibc).

    Sem isso, a memória de um treino anterior continua no processo e o treino seguinte a reaproveita sem
    que a RSS suba: o aumento medido dele sairia menor do que é. Fora da glibc, só coleta o lixo.
    """
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


@dataclass
class PeakMemory:
    """Pico de memória residente observado dentro de um bloco ``with track_peak_memory()``."""

    start: int = 0
    peak: int = 0
    _samples: list[int] = field(default_factory=list, repr=False)

    @property
    def increase(self) -> int:
        """Quanto o pico passou da memória do início do bloco, em bytes."""
        return max(0, self.peak - self.start)


class track_peak_memory:  # noqa: N801 - usado como gerenciador de contexto, como open()
    """Amostra a RSS do processo a cada ``interval`` segundos enquanto o bloco roda.

    Exemplo::

        with track_peak_memory() as mem:
            modelo(entrada)
        print(mem.increase / 2**20, "MiB")

    Com ``release_first=True``, chama :func:`release_memory` antes de começar, para que a memória deixada
    por um trabalho anterior não esconda o aumento deste.
    """

    def __init__(self, interval: float = 0.005, release_first: bool = False):
        self.interval = interval
        self.release_first = release_first
        self.result = PeakMemory()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.result.peak = max(self.result.peak, current_rss())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        if self.release_first:
            release_memory()
        self.result.start = self.result.peak = current_rss()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self.result

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.result.peak = max(self.result.peak, current_rss())


def machine_info() -> dict[str, Any]:
    """A máquina onde a medição foi feita: processador, núcleos, memória, sistema e GPU."""
    info: dict[str, Any] = {
        "cpu": env.cpu_model(),
        "cpu_features": env.cpu_features(),
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        info["ram_gib"] = round(pages * page_size / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    if "llama_cpp" in sys.modules:  # a medição usou o llama.cpp: com que instruções ele foi compilado
        from shared.llamacpp import compiled_cpu_features_text

        info["llama_cpp_build"] = compiled_cpu_features_text()
    info["gpu"] = None
    if env.has_cuda():
        import torch

        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def _check_name(name: str) -> None:
    if not name or any(c not in "abcdefghijklmnopqrstuvwxyz0123456789-_" for c in name):
        raise ValueError(
            f"Nome de resultado inválido: '{name}'. Use letras minúsculas, números, '-' e '_' "
            "(por exemplo, '01-limpeza')."
        )


def write_results(df, name: str, description: str = "", folder: Path | None = None,
                  config: dict[str, Any] | None = None) -> Path:  # fmt: skip
    """Grava ``results/NAME.csv`` e ``results/NAME.meta.json`` (data, máquina, versões) e devolve o CSV.

    ``config`` (opcional) entra nos metadados como o manifesto do experimento: parâmetros, sementes,
    quantas rodadas. Um script de experimento pesado passa ali tudo o que é preciso para refazê-lo.
    """
    _check_name(name)
    if len(df) == 0:
        raise ValueError(f"A tabela '{name}' está vazia: não há o que gravar.")
    folder = Path(folder) if folder is not None else results_dir()
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / f"{name}.csv"
    df.to_csv(csv_path, index=False, lineterminator="\n")
    meta = {
        "name": name,
        "description": description,
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine_info(),
        "versions": env.package_versions(),
        "config": config or {},
        "rows": len(df),
        "columns": list(map(str, df.columns)),
    }
    (folder / f"{name}.meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return csv_path


def read_results(name: str, folder: Path | None = None):
    """Lê ``results/NAME.csv`` e seus metadados; devolve ``(DataFrame, dict)``."""
    import pandas as pd

    _check_name(name)
    folder = Path(folder) if folder is not None else results_dir()
    csv_path = folder / f"{name}.csv"
    meta_path = folder / f"{name}.meta.json"
    if not csv_path.exists():
        raise FileNotFoundError(
            f"Não achei {csv_path}. Rode o notebook que gera '{name}' (ou `make notebooks`) para criá-lo."
        )
    meta = json.loads(meta_path.read_text("utf-8")) if meta_path.exists() else {}
    return pd.read_csv(csv_path), meta


def script_options(description: str, argv: list[str] | None = None):
    """As opções comuns de um script de experimento pesado: ``--minima`` (a configuração do teste) e
    ``--saida`` (a pasta dos resultados; padrão ``results/``). Também silencia avisos e fixa as threads.

    Devolve ``(minima, pasta)``.
    """
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--minima", action="store_true", help="configuração minúscula (o teste)")
    parser.add_argument("--saida", type=Path, default=None, help="pasta dos resultados (padrão: results/)")
    args = parser.parse_args(argv)
    env.quiet()
    env.set_threads()
    return args.minima, args.saida or results_dir()
