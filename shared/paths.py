"""Caminhos do repositório: raiz, ``results/``, ``data/`` e o cache de modelos."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV_VAR = "LLM_ZTH_CACHE"
RESULTS_ENV_VAR = "LLM_ZTH_RESULTS_DIR"


def repo_root() -> Path:
    """Devolve a raiz do repositório do curso (a pasta que contém ``shared/``)."""
    return Path(__file__).resolve().parent.parent


def committed_results_dir() -> Path:
    """A pasta ``results/`` do repositório, com as medições publicadas."""
    return repo_root() / "results"


def results_dir() -> Path:
    """Onde os notebooks gravam medições: ``results/``, ou ``LLM_ZTH_RESULTS_DIR`` se definida.

    ``make test`` aponta essa variável para uma pasta temporária, para que rodar os testes não
    sobrescreva as medições publicadas; ``make notebooks`` grava em ``results/``.
    """
    custom = os.environ.get(RESULTS_ENV_VAR)
    return Path(custom).expanduser() if custom else committed_results_dir()


def figures_dir() -> Path:
    """Pasta ``results/figures/`` onde os notebooks salvam as figuras."""
    return results_dir() / "figures"


def data_dir() -> Path:
    """Pasta ``data/`` com os conjuntos de dados que acompanham o curso."""
    return repo_root() / "data"


def cache_dir() -> Path:
    """Pasta de cache do curso (modelos convertidos).

    Padrão: ``~/.cache/llm-zero-to-hero``; mude com a variável de ambiente ``LLM_ZTH_CACHE``.
    """
    custom = os.environ.get(CACHE_ENV_VAR)
    base = Path(custom).expanduser() if custom else Path.home() / ".cache" / "llm-zero-to-hero"
    return base
