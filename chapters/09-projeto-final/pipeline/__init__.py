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


def publish(pipeline: Pipeline, folder: Path | None = None, name: str = RESULTS_NAME) -> Path:
    """Grava em ``results/`` o que a avaliação e o treino mediram, com o hash do artefato de avaliação.

    ``09-projeto.csv`` (médias por sistema), ``09-projeto-intervalos.csv`` (intervalos de 95% por bootstrap
    das perguntas), ``09-projeto-predicoes.csv`` (cada resposta, com as suas notas) e ``09-projeto-perdas.csv``
    (a perda de treino e de validação a cada passo) e, se a etapa ``gerar`` rodou, ``09-projeto-respostas.csv``.
    Devolve o caminho do primeiro.
    """
    import json

    import pandas as pd

    from shared.bench import write_results

    manifest = pipeline.manifest("avaliar")
    if manifest is None:
        raise PipelineError("avaliar", "ainda não rodou: não há métricas para publicar", pipeline.artifacts / "avaliar")
    artifact = manifest["saidas_hash"][:12]
    trained = pipeline.manifest("treinar")["resumo"]
    origin = (
        f"Configuração do treino: {manifest['entradas']['etapa:treinar'][:12]}; "
        f"{trained['passos']} passos, adaptador do passo {trained['passo_escolhido']} (menor perda de validação)"
    )
    folder_kw = {"folder": folder} if folder else {}
    table = pd.read_csv(pipeline.artifacts / "avaliar" / "metricas.csv").assign(artefato=artifact)
    csv = write_results(table, name, f"Projeto final ({pipeline.config['modelo']['base']}): assistente do glossário, teste com termos não "
                        f"vistos; média de cada métrica por sistema. {origin}", **folder_kw)  # fmt: skip
    ci = pd.read_csv(pipeline.artifacts / "avaliar" / "intervalos.csv").assign(artefato=artifact)
    write_results(ci, f"{name}-intervalos", "Projeto final: média e intervalo de 95% (bootstrap das "
                  f"perguntas de teste) de cada métrica de cada sistema. {origin}", **folder_kw)  # fmt: skip
    with open(pipeline.artifacts / "avaliar" / "predicoes.jsonl", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    write_results(pd.DataFrame(rows).assign(artefato=artifact), f"{name}-predicoes",
                  f"Projeto final: cada resposta de cada sistema no teste, com as notas. {origin}", **folder_kw)  # fmt: skip
    losses = pd.read_csv(pipeline.artifacts / "treinar" / "perdas.csv").assign(artefato=artifact)
    write_results(losses, f"{name}-perdas", f"Projeto final: perda de treino a cada passo e de validação "
                  f"a cada {pipeline.config['treino']['validar_a_cada']} passos. {origin}", **folder_kw)  # fmt: skip
    if pipeline.manifest("gerar") is not None:
        with open(pipeline.artifacts / "gerar" / "respostas.jsonl", encoding="utf-8") as f:
            answers = [json.loads(line) for line in f if line.strip()]
        write_results(pd.DataFrame(answers), f"{name}-respostas",
                      f"Projeto final: o modelo ajustado respondendo às perguntas de [gerar]. {origin}", **folder_kw)  # fmt: skip
    return csv


__all__ = ["ARTIFACTS", "CONFIG", "LOCK", "STEPS", "PipelineError", "build", "load_config", "publish"]
