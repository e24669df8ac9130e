"""Tabelas dos READMEs geradas a partir de ``results/``: nenhum número medido é digitado à mão.

Num arquivo Markdown, um bloco entre marcadores::

    <!-- results:01-limpeza -->
    (tabela gerada)
    <!-- /results:01-limpeza -->

é reescrito com a tabela de ``results/01-limpeza.csv`` e uma linha que diz onde e quando foi medida.
Rode ``python -m shared.report`` para atualizar todos e ``python -m shared.report --check`` para conferir.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

from shared.bench import read_results
from shared.paths import committed_results_dir, repo_root

BLOCK = re.compile(
    r"(?P<open><!-- results:(?P<name>[a-z0-9_-]+) -->)\n(?P<body>.*?)(?P<close><!-- /results:(?P=name) -->)",
    re.DOTALL,
)
SKIP_DIRS = {".venv", ".git", "node_modules", ".ipynb_checkpoints"}


def format_value(value) -> str:
    """Formata um valor para a tabela: inteiros como estão, decimais com poucas casas."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "sim" if value else "não"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.3g}"
    try:  # tipos do NumPy
        import numpy as np

        if isinstance(value, np.integer):
            return str(int(value))
        if isinstance(value, np.floating):
            return format_value(float(value))
        if isinstance(value, np.bool_):
            return format_value(bool(value))
    except ImportError:
        pass
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(df) -> str:
    """Uma tabela Markdown (estilo GitHub) a partir de um DataFrame."""
    header = "| " + " | ".join(str(c) for c in df.columns) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    rows = ["| " + " | ".join(format_value(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def caption(name: str, meta: dict) -> str:
    """A linha sob a tabela: quando, onde e com quê foi medida, e de que arquivo veio."""
    machine = meta.get("machine", {})
    parts = [f"Medido em {meta['date']}" if meta.get("date") else "Sem metadados de medição"]
    if machine.get("gpu"):
        parts.append(f"GPU {machine['gpu']}")
    if machine.get("cpu"):
        features = f" ({', '.join(machine['cpu_features'])})" if machine.get("cpu_features") else ""
        parts.append(f"{machine['cpu']}{features}, {machine.get('cores', '?')} núcleos")
    if machine.get("llama_cpp_build"):
        parts.append(f"llama.cpp compilado com {machine['llama_cpp_build']}")
    versions = meta.get("versions", {})
    if "torch" in versions:
        parts.append(f"torch {versions['torch']}")
    parts.append(f"gerado de `results/{name}.csv`")
    return "*" + " · ".join(parts) + "*"


def render_table(name: str, folder: Path | None = None) -> str:
    """A tabela Markdown de ``results/NAME.csv`` com sua legenda."""
    df, meta = read_results(name, folder if folder is not None else committed_results_dir())
    return f"{to_markdown(df)}\n\n{caption(name, meta)}\n"


def update_text(text: str, folder: Path | None = None) -> str:
    """Reescreve todos os blocos ``<!-- results:NAME -->`` de um texto com as tabelas atuais."""

    def replace(match: re.Match) -> str:
        return f"{match['open']}\n{render_table(match['name'], folder)}{match['close']}"

    return BLOCK.sub(replace, text)


def markdown_files(root: Path | None = None) -> list[Path]:
    """Os arquivos Markdown do curso (fora de ``.venv`` e afins)."""
    root = Path(root) if root is not None else repo_root()
    return sorted(p for p in root.rglob("*.md") if not SKIP_DIRS.intersection(p.relative_to(root).parts))


def update_all(root: Path | None = None, folder: Path | None = None) -> list[Path]:
    """Atualiza as tabelas de todos os Markdown; devolve os arquivos que mudaram."""
    folder = folder if folder is not None else committed_results_dir()
    changed = []
    for path in markdown_files(root):
        text = path.read_text("utf-8")
        new = update_text(text, folder)
        if new != text:
            path.write_text(new, "utf-8")
            changed.append(path)
    return changed


def stale_blocks(root: Path | None = None, folder: Path | None = None) -> list[str]:
    """Blocos cujo conteúdo não bate com ``results/``: ``["README.md: 01-limpeza", ...]``."""
    root = Path(root) if root is not None else repo_root()
    folder = folder if folder is not None else committed_results_dir()
    stale = []
    for path in markdown_files(root):
        text = path.read_text("utf-8")
        for match in BLOCK.finditer(text):
            try:
                expected = render_table(match["name"], folder)
            except FileNotFoundError:
                stale.append(f"{path.relative_to(root)}: {match['name']} (falta results/{match['name']}.csv)")
                continue
            if match["body"] != expected:
                stale.append(f"{path.relative_to(root)}: {match['name']}")
    return stale


def main(argv: list[str] | None = None) -> int:
    """Linha de comando: atualiza as tabelas (ou só confere, com ``--check``)."""
    parser = argparse.ArgumentParser(description="Gera as tabelas dos READMEs a partir de results/.")
    parser.add_argument("--check", action="store_true", help="só confere; sai com 1 se algo estiver velho")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_blocks()
        for item in stale:
            print(f"desatualizada: {item}")
        if stale:
            print("Rode `python -m shared.report` (ou `make notebooks`) para regenerar as tabelas.")
        return 1 if stale else 0
    for path in update_all():
        print(f"atualizado: {path.relative_to(repo_root())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
