"""Linha de comando do pipeline: ``python -m pipeline [ETAPA ...] [--forcar] [--estado]``."""

from __future__ import annotations

import argparse
import sys

from shared.pipeline import PipelineError

from . import ARTIFACTS, CONFIG, LOCK, RESULTS_NAME, build, load_config, publish


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Projeto final: coletar → limpar → dividir → tokenizar → treinar → avaliar → gerar.",
    )
    parser.add_argument("etapas", nargs="*", help="etapas a rodar (padrão: todas, em ordem)")
    parser.add_argument("--config", default=str(CONFIG), help="arquivo de configuração TOML")
    parser.add_argument("--artefatos", default=str(ARTIFACTS), help="pasta dos artefatos")
    parser.add_argument("--forcar", action="store_true", help="roda mesmo as etapas em dia")
    parser.add_argument("--estado", action="store_true", help="só mostra o que está em dia")
    parser.add_argument("--trava", default=str(LOCK),
                        help="arquivo de trava que uma rodada completa com a configuração padrão reescreve")  # fmt: skip
    args = parser.parse_args(argv)
    from shared import env

    env.quiet()
    try:
        pipeline = build(load_config(args.config), args.artefatos)
        if args.estado:
            for name in pipeline.order:
                try:
                    print(f"{name:>10}: {pipeline.state(name)[1]}")
                except PipelineError as error:
                    print(f"{name:>10}: {error}")
            return 0
        pipeline.run(args.etapas or None, force=args.forcar)
        published = RESULTS_NAME if args.config == str(CONFIG) else pipeline.config.get("resultados", {}).get("nome")
        if pipeline.manifest("avaliar") is not None and published:
            # results/ é das rodadas do curso (a padrão e as que declaram [resultados] nome); as outras ficam nos artefatos
            print(f"resultados: {publish(pipeline, name=published)}")
        elif pipeline.manifest("avaliar") is not None:
            print(f"métricas: {pipeline.artifacts / 'avaliar' / 'metricas.csv'}")
        if not args.etapas and args.config == str(CONFIG):  # só a rodada completa com a configuração versionada
            print(f"trava: {pipeline.write_lock(args.trava)}")
    except PipelineError as error:
        print(f"erro: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
