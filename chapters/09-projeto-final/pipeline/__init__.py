"""Pipeline do projeto final (capítulo 9): dos arquivos crus do curso a um assistente ajustado com LoRA.

Rode da pasta do capítulo: ``python -m pipeline`` (todas as etapas), ``python -m pipeline treinar``
(uma etapa), ``python -m pipeline --estado`` (o que está em dia). Veja ``config.toml``.
"""

from __future__ import annotations

from pathlib import Path

import tomllib

from shared.paths import repo_root
from shared.pipeline import Pipeline, PipelineError

from .etapas import STEPS

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "config.toml"
ARTIFACTS = HERE.parent / "artefatos"
LOCK = HERE.parent / "pipeline.lock"  # versionado no git: os hashes de cada etapa da última rodada completa
RESULTS_NAME = "09-projeto"


def load_config(path: str | Path = CONFIG, overrides: dict | None = None) -> dict:
    """Lê o ``config.toml`` e aplica ``overrides`` no formato ``{"treino.epocas": 1}``."""
    path = Path(path)
    if not path.is_file():
        raise PipelineError("config", "arquivo de configuração não encontrado", path)
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise PipelineError("config", f"TOML inválido: {error}", path) from error
    for dotted, value in (overrides or {}).items():
        section, key = dotted.split(".", 1)
        if section not in config or key not in config[section]:
            raise PipelineError("config", f"chave desconhecida '{dotted}'", path)
        config[section][key] = value
    return config


def build(config: dict | None = None, artifacts: str | Path = ARTIFACTS, base_dir: str | Path | None = None) -> Pipeline:
    """O pipeline com as sete etapas, a configuração e onde ficam os artefatos."""
    return Pipeline(STEPS, config if config is not None else load_config(), artifacts, base_dir or repo_root())


def publish(pipeline: Pipeline, folder: Path | None = None) -> Path:
    """Grava ``results/09-projeto.csv`` a partir das métricas da etapa ``avaliar`` (com o hash dela)."""
    import pandas as pd

    from shared.bench import write_results

    manifest = pipeline.manifest("avaliar")
    if manifest is None:
        raise PipelineError("avaliar", "ainda não rodou: não há métricas para publicar", pipeline.artifacts / "avaliar")
    table = pd.read_csv(pipeline.artifacts / "avaliar" / "metricas.csv")
    table["artefato"] = manifest["saidas_hash"][:12]
    description = (
        "Projeto final: assistente do glossário, teste com termos não vistos; métricas antes e depois do LoRA. "
        f"Configuração do treino: {manifest['entradas']['etapa:treinar'][:12]}"
    )
    return write_results(table, RESULTS_NAME, description, folder=folder)


__all__ = ["ARTIFACTS", "CONFIG", "LOCK", "STEPS", "PipelineError", "build", "load_config", "publish"]
