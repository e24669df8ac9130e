"""Ambiente de execução: onde estou, sementes, threads, silêncio dos logs e guardas de células.

Nada aqui roda na importação; cada efeito colateral está numa função com nome que o diz.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import platform
import random
import socket
import sys
import warnings

# Pacotes cujas versões o relatório mostra (os que não estiverem instalados são omitidos).
REPORT_PACKAGES = (
    "torch",
    "transformers",
    "tokenizers",
    "datasets",
    "peft",
    "llama_cpp_python",
    "nltk",
    "pandas",
    "scikit-learn",
    "matplotlib",
)

NOISY_LOGGERS = (
    "torchao",
    "torch.utils._pytree",
    "bitsandbytes",
    "transformers",
    "datasets",
    "accelerate",
    "peft",
    "sentence_transformers",
    "llama_cpp",
    "httpx",
    "urllib3",
    "filelock",
    "huggingface_hub",
)


def in_colab() -> bool:
    """Verdadeiro quando o código roda no Google Colab."""
    return "google.colab" in sys.modules or os.path.isdir("/content/sample_data")


def in_ci() -> bool:
    """Verdadeiro quando o código roda em integração contínua (variável ``CI`` definida)."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def has_cuda() -> bool:
    """Verdadeiro quando há uma GPU CUDA utilizável pelo PyTorch."""
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def device() -> str:
    """``"cuda"`` se houver GPU, senão ``"cpu"``."""
    return "cuda" if has_cuda() else "cpu"


def hub_reachable(timeout: float = 1.5) -> bool:
    """Verdadeiro se o Hugging Face Hub responde e nenhuma variável pede modo offline."""
    if os.environ.get("HF_HUB_OFFLINE", "0").lower() in {"1", "true", "yes"}:
        return False
    try:
        with socket.create_connection(("huggingface.co", 443), timeout=timeout):
            return True
    except OSError:
        return False


def set_seed(seed: int = 123) -> None:
    """Fixa as sementes de ``random``, NumPy e PyTorch (quando instalados)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    try:
        import numpy as np

        np.random.seed(seed)
    except ImportError:
        pass
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:
        pass


def set_threads(n: int | None = None) -> int:
    """Define quantas threads o PyTorch usa (padrão: todos os núcleos) e devolve o número usado."""
    n = n or os.cpu_count() or 1
    if n < 1:
        raise ValueError(f"O número de threads deve ser pelo menos 1, não {n}.")
    try:
        import torch

        torch.set_num_threads(n)
    except ImportError:
        pass
    return n


def quiet() -> None:
    """Silencia barras de progresso e avisos que não ensinam nada (ver DESIGN.md §5).

    Chame antes de importar ``transformers``/``datasets`` para que as variáveis de ambiente valham.
    """
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=".*TypedStorage is deprecated.*")
    warnings.filterwarnings("ignore", message="IProgress not found")
    if "transformers" in sys.modules or _installed("transformers"):
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
    if "datasets" in sys.modules or _installed("datasets"):
        import datasets

        datasets.disable_progress_bars()
        datasets.logging.set_verbosity_error()


def _installed(dist: str) -> bool:
    try:
        importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def package_versions(packages: tuple[str, ...] = REPORT_PACKAGES) -> dict[str, str]:
    """Versões instaladas dos pacotes dados (os ausentes ficam de fora)."""
    versions = {}
    for name in packages:
        try:
            versions[name] = importlib.metadata.version(name.replace("_", "-"))
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def cpu_model() -> str:
    """Nome do processador, lido de ``/proc/cpuinfo`` quando possível."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    if platform.system() == "Darwin":  # macOS: o nome vem do sysctl ("Apple M2", por exemplo)
        import subprocess

        try:
            done = subprocess.run(["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True, text=True, timeout=5)
            if done.returncode == 0 and done.stdout.strip():
                return done.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return platform.processor() or platform.machine()


# Extensões de CPU que mudam o caminho que as bibliotecas de inferência tomam (bitsandbytes, llama.cpp,
# torch): o nome em /proc/cpuinfo e o nome que o curso mostra.
CPU_FEATURES = {
    "avx2": "AVX2",
    "avx512f": "AVX-512",
    "avx512_vnni": "AVX-512 VNNI",
    "avx512_bf16": "AVX-512 BF16",
    "avx_vnni": "AVX-VNNI",
    "amx_tile": "AMX",
    "asimd": "NEON",
}


def cpu_features(cpuinfo: str | None = None) -> list[str]:
    """As extensões de :data:`CPU_FEATURES` que esta CPU tem (lidas das "flags" de ``/proc/cpuinfo``)."""
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as f:
                cpuinfo = f.read()
        except OSError:
            return []
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        if line.startswith(("flags", "Features")):
            flags.update(line.split(":", 1)[1].split())
            break
    return [label for flag, label in CPU_FEATURES.items() if flag in flags]


def cpu_description() -> str:
    """O processador e suas extensões relevantes, numa linha: "AMD EPYC (AVX2, AVX-512, ...)"."""
    features = cpu_features()
    return f"{cpu_model()} ({', '.join(features)})" if features else cpu_model()


def report(threads: int | None = None, print_it: bool = True,
           packages: tuple[str, ...] | None = None) -> dict[str, str]:
    """Relatório do ambiente para a primeira célula: versões, dispositivo, threads, online/offline.

    ``packages`` limita as versões às que o capítulo usa (sem ele, a lista padrão do curso).
    """
    info = {"python": platform.python_version()}
    info.update(package_versions(packages or REPORT_PACKAGES))
    if has_cuda():
        import torch

        info["dispositivo"] = f"GPU {torch.cuda.get_device_name(0)}"
    else:
        info["dispositivo"] = f"CPU {cpu_description()}"
    info["núcleos"] = str(os.cpu_count())
    try:
        import torch

        info["threads do torch"] = str(threads or torch.get_num_threads())
    except ImportError:
        pass
    where = "Colab" if in_colab() else ("CI" if in_ci() else "local")
    info["onde"] = where
    info["Hub do Hugging Face"] = "acessível" if hub_reachable() else "inacessível (modo offline)"
    if print_it:
        width = max(len(k) for k in info)
        for key, value in info.items():
            print(f"{key:<{width}}  {value}")
    return info


def setup_notebook(seed: int = 123, threads: int | None = None, print_report: bool = True,
                   packages: tuple[str, ...] | None = None) -> None:
    """Prepara um notebook: silencia os logs, fixa sementes e threads e imprime o relatório.

    ``packages``: só as versões dos pacotes que o capítulo usa, por exemplo ``("torch", "transformers")``.
    """
    quiet()
    set_seed(seed)
    used = set_threads(threads)
    report(threads=used, print_it=print_report, packages=packages)


def require_gpu(what: str = "esta célula") -> bool:
    """Guarda das células só-GPU: devolve ``True`` se houver CUDA; senão avisa numa linha e devolve ``False``."""
    if has_cuda():
        return True
    print(f"⏭️  Sem GPU CUDA aqui: {what} foi pulada. Rode no Colab com GPU (Ambiente de execução → GPU T4).")
    return False


def require_internet(what: str = "esta célula") -> bool:
    """Guarda das células só-internet: devolve ``True`` se o Hub responder; senão avisa e devolve ``False``."""
    if hub_reachable():
        return True
    print(f"⏭️  Sem acesso ao Hugging Face Hub: {what} foi pulada. Rode com internet (por exemplo, no Colab).")
    return False
