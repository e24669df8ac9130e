"""Convenções dos notebooks: selo do Colab, célula de configuração e verificações de higiene.

``python -m shared.notebooks --sync`` reescreve selos e células de configuração a partir de
:mod:`shared.course`; ``python -m shared.notebooks`` confere todos os notebooks e lista os problemas.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from shared.course import REPO_URL, colab_badge
from shared.paths import repo_root

COLAB_DIR = "/content/curso"
SETUP_MARKER = "# Configuração do ambiente"
GUARDS = {"gpu": "require_gpu(", "internet": "require_internet("}
SKIP_TAG = "skip-execution"
MAX_NOTEBOOK_BYTES = 2_000_000
MAX_OUTPUT_CHARS = 20_000
WIDGET_STATE_KEY = "application/vnd.jupyter.widget-state+json"


def setup_cell_source(chapter_dir: str, extras: tuple[str, ...] = ()) -> str:
    """A primeira célula de código de um notebook: instala o curso no Colab e imprime o ambiente.

    ``extras`` são pacotes opcionais que o capítulo pede ao script de instalação (ex.: ``llama``).
    """
    args = "".join(f" {e}" for e in extras)
    return (
        f"{SETUP_MARKER}. No Colab: clona o curso e instala o que falta, sem trocar o torch com CUDA.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f"    !git clone -q --depth 1 {REPO_URL} {COLAB_DIR} 2>/dev/null || git -C {COLAB_DIR} pull -q\n"
        f"    !bash {COLAB_DIR}/scripts/colab_setup.sh{args}\n"
        f'    sys.path.insert(0, "{COLAB_DIR}")\n'
        f"    %cd {COLAB_DIR}/{chapter_dir}\n"
        "\n"
        "from shared import env\n"
        "\n"
        "env.setup_notebook()"
    )


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _extras(source: str) -> tuple[str, ...]:
    match = re.search(r"colab_setup\.sh((?: [\w-]+)*)\n", source)
    return tuple(match.group(1).split()) if match else ()


def relative_path(path: Path, root: Path | None = None) -> str:
    """Caminho do notebook relativo à raiz do repositório, com barras normais."""
    root = root or repo_root()
    return Path(path).resolve().relative_to(root.resolve()).as_posix()


def check_notebook(path: Path, root: Path | None = None) -> list[str]:
    """Confere um notebook e devolve a lista de problemas (vazia se estiver tudo certo)."""
    import nbformat

    path = Path(path)
    root = root or repo_root()
    problems: list[str] = []
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        problems.append(f"arquivo grande demais ({size / 1e6:.1f} MB > {MAX_NOTEBOOK_BYTES / 1e6:.0f} MB)")
    try:
        raw = json.loads(path.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        return [f"não é um JSON válido: {err}"]
    try:
        nb = nbformat.reads(json.dumps(raw), as_version=4)
        nbformat.validate(nb)
    except Exception as err:  # nbformat levanta tipos variados
        return problems + [f"não passa na validação do nbformat: {str(err).splitlines()[0]}"]

    widgets = nb.metadata.get("widgets")
    if widgets is not None and "state" not in widgets.get(WIDGET_STATE_KEY, {}):
        problems.append("metadados de widgets sem 'state' (o GitHub não renderiza); limpe os widgets")

    cells = nb.cells
    rel = relative_path(path, root)
    if not cells or cells[0].cell_type != "markdown" or colab_badge(rel) not in _source(cells[0]):
        problems.append(f"a primeira célula deve ser Markdown com o selo do Colab para {rel}")
    code = [c for c in cells if c.cell_type == "code" and _source(c).strip()]
    if not code or not _source(code[0]).startswith(SETUP_MARKER):
        problems.append("a primeira célula de código deve ser a célula de configuração")
    else:
        expected = setup_cell_source(Path(rel).parent.as_posix(), _extras(_source(code[0])))
        if _source(code[0]) != expected:
            problems.append(
                "a célula de configuração difere do modelo (rode `python -m shared.notebooks --sync`)"
            )
    if not any("parameters" in _tags(c) for c in code):
        problems.append("falta a célula com a tag 'parameters'")

    expected_count = 1
    for i, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        src, tags = _source(cell), _tags(cell)
        for tag, guard in GUARDS.items():
            if tag in tags and (SKIP_TAG not in tags or guard not in src):
                problems.append(
                    f"célula {i}: a tag '{tag}' exige a tag '{SKIP_TAG}' e a guarda `{guard}...)`"
                )
            if guard in src and tag not in tags:
                problems.append(f"célula {i}: usa `{guard}...)` mas não tem a tag '{tag}'")
        if not src.strip() or SKIP_TAG in tags:
            continue
        if cell.get("execution_count") != expected_count:
            problems.append(
                f"célula {i}: execution_count {cell.get('execution_count')}, esperado {expected_count} "
                "(o notebook deve ser salvo depois de uma execução limpa, de cima para baixo)"
            )
            break
        expected_count += 1
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"célula {i}: saída de erro ({out.get('ename')})")
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                problems.append(f"célula {i}: avisos em stderr na saída (silencie-os com env.quiet())")
            text = "".join(out.get("text", "")) if out.get("output_type") == "stream" else ""
            if len(text) > MAX_OUTPUT_CHARS:
                problems.append(f"célula {i}: saída de texto longa demais ({len(text)} caracteres)")
    return problems


def notebook_paths(root: Path | None = None) -> list[Path]:
    """Todos os notebooks dos capítulos."""
    root = root or repo_root()
    return sorted(p for p in (root / "chapters").glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def sync_notebook(path: Path, root: Path | None = None) -> bool:
    """Reescreve o selo do Colab e a célula de configuração a partir do modelo; diz se mudou algo."""
    root = root or repo_root()
    path = Path(path)
    nb = json.loads(path.read_text("utf-8"))
    rel = relative_path(path, root)
    changed = False
    first = nb["cells"][0]
    src = _source(first)
    badge = colab_badge(rel)
    if first["cell_type"] == "markdown" and badge not in src:
        new = re.sub(r"\[!\[Abrir no Colab\]\([^)]*\)\]\([^)]*\)", badge, src, count=1)
        first["source"] = new if new != src else f"{badge}\n\n{src}"
        changed = True
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and _source(cell).startswith(SETUP_MARKER):
            expected = setup_cell_source(Path(rel).parent.as_posix(), _extras(_source(cell)))
            if _source(cell) != expected:
                cell["source"] = expected
                changed = True
            break
    if changed:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    """Linha de comando: confere (padrão) ou sincroniza (``--sync``) os notebooks."""
    parser = argparse.ArgumentParser(description="Confere ou sincroniza as convenções dos notebooks.")
    parser.add_argument("--sync", action="store_true", help="reescreve selos e células de configuração")
    args = parser.parse_args(argv)
    status = 0
    for path in notebook_paths():
        if args.sync:
            if sync_notebook(path):
                print(f"sincronizado: {relative_path(path)}")
            continue
        for problem in check_notebook(path):
            print(f"{relative_path(path)}: {problem}")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
