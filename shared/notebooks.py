"""Convenções dos notebooks: selo do Colab, célula de configuração e verificações de higiene.

``python -m shared.notebooks --sync`` reescreve selos e células de configuração a partir de
:mod:`shared.course`; ``python -m shared.notebooks`` confere todos os notebooks e lista os problemas.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections.abc import Iterable
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
# Extras de scripts/colab_setup.sh e os módulos que tornam cada um necessário: um notebook que importa um
# desses módulos, direta ou indiretamente (pelos módulos de ``shared`` ou da pasta do capítulo), pede o extra.
EXTRA_MODULES: dict[str, tuple[str, ...]] = {"llama": ("llama_cpp",)}


def setup_cell_source(chapter_dir: str, extras: tuple[str, ...] = (), packages: tuple[str, ...] = ()) -> str:
    """A primeira célula de código de um notebook: instala o curso no Colab e imprime o ambiente.

    ``extras`` são pacotes opcionais que o capítulo pede ao script de instalação (ex.: ``llama``);
    ``packages``, os pacotes cujas versões o relatório mostra (vazio: a lista padrão do curso).
    """
    args = "".join(f" {e}" for e in extras)
    names = ", ".join(f'"{p}"' for p in packages) + ("," if len(packages) == 1 else "")
    report = f"packages=({names})" if packages else ""
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
        f"env.setup_notebook({report})"
    )


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _extras(source: str) -> tuple[str, ...]:
    match = re.search(r"colab_setup\.sh((?: [\w-]+)*)\n", source)
    return tuple(match.group(1).split()) if match else ()


def _report_packages(source: str) -> tuple[str, ...]:
    """Os pacotes que a célula de configuração passa a ``env.setup_notebook(packages=(...))``."""
    match = re.search(r"env\.setup_notebook\(packages=\(([^)]*)\)\)", source)
    return tuple(re.findall(r"[\"']([\w.-]+)[\"']", match.group(1))) if match else ()


def _parseable(source: str) -> str:
    """O código de uma célula sem a sintaxe do IPython (``!cmd``, ``%magic``, ``obj?``), pronto para o ``ast``.

    Usa os transformadores do próprio IPython (que sabem o que está dentro de uma string); sem o IPython,
    troca cada linha ``!``/``%`` por ``pass`` com a mesma indentação.
    """
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        if source.lstrip().startswith("%%"):
            return ""  # mágica de célula: o conteúdo não é Python
        lines = []
        for line in source.splitlines():
            if line.strip().startswith(("!", "%")):
                line = line[: len(line) - len(line.lstrip())] + "pass"
            lines.append(line)
        return "\n".join(lines)
    return TransformerManager().transform_cell(source)


def _already_loaded_guard(node: ast.AST) -> bool:
    """``if "mod" in sys.modules:`` — o bloco só roda se o módulo já foi importado por outro caminho."""
    test = node.test if isinstance(node, ast.If) else None
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Constant)
        and isinstance(test.left.value, str)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.In)
        and isinstance(test.comparators[0], ast.Attribute)
        and test.comparators[0].attr == "modules"
        and isinstance(test.comparators[0].value, ast.Name)
        and test.comparators[0].value.id == "sys"
    )


def _imports(tree: ast.AST, package: str = "") -> set[str]:
    """Nomes de módulos importados em qualquer ponto do código (também dentro de funções).

    ``from a import b`` conta ``a`` e ``a.b`` (``b`` pode ser um submódulo); imports relativos são
    resolvidos a partir de ``package``. Não contam os imports dentro de ``if "mod" in sys.modules:``: ali o
    módulo já está carregado, então o bloco não cria a necessidade.
    """
    names: set[str] = set()
    pending = [tree]
    while pending:
        node = pending.pop()
        if _already_loaded_guard(node):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                base = ".".join([*parts, *([base] if base else [])])
            if base:
                names.add(base)
            names.update(f"{base}.{a.name}" if base else a.name for a in node.names if a.name != "*")
    return names


def _module_file(name: str, search: list[Path]) -> Path | None:
    """O arquivo de um módulo local (``a/b.py`` ou ``a/b/__init__.py``) nas pastas de busca, se existir."""
    for folder in search:
        base = folder.joinpath(*name.split("."))
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def required_extras(sources: Iterable[str], here: Path, root: Path | None = None) -> tuple[str, ...]:
    """Os extras de ``colab_setup.sh`` de que um notebook precisa, deduzidos do que o código importa.

    ``sources`` são as células de código; ``here``, a pasta do notebook (onde o kernel roda). Segue os
    imports até os módulos locais — os de ``shared/`` (na raiz ``root``), os da pasta do capítulo e os
    scripts ``.py`` dessa pasta citados pelo nome (rodados com ``subprocess``) — e devolve, na ordem de
    :data:`EXTRA_MODULES`, os extras cujos módulos aparecem em algum ponto desse caminho.
    """
    root = Path(root or repo_root())
    here = Path(here)
    search = [here, root]
    queue: list[tuple[Path | None, str, str]] = []  # (arquivo, código, pacote)
    for source in sources:
        queue.append((None, _parseable(source), ""))
    seen: set[Path] = set()
    external: set[str] = set()

    def visit(name: str) -> None:
        parts = name.split(".")
        for i in range(1, len(parts) + 1):  # importar a.b.c executa a/__init__.py e a/b/__init__.py
            prefix = ".".join(parts[:i])
            path = _module_file(prefix, search)
            if path is None:
                if i == 1:
                    external.add(name)
                return
            if path not in seen:
                seen.add(path)
                package = prefix if path.name == "__init__.py" else prefix.rpartition(".")[0]
                queue.append((path, path.read_text("utf-8"), package))

    while queue:
        path, code, package = queue.pop()
        try:
            tree = ast.parse(code)
        except SyntaxError as err:
            where = path or "uma célula de código"
            raise ValueError(f"não consegui ler os imports de {where}: {err.msg} (linha {err.lineno})") from None
        for name in sorted(_imports(tree, package)):
            visit(name)
        if path is None:  # scripts da pasta do capítulo citados pelo nome numa célula
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    script = here / Path(node.value).name
                    if node.value.endswith(".py") and script.is_file() and script not in seen:
                        seen.add(script)
                        queue.append((script, script.read_text("utf-8"), ""))

    def needed(modules: tuple[str, ...]) -> bool:
        return any(n == m or n.startswith(m + ".") for n in external for m in modules)

    return tuple(extra for extra, modules in EXTRA_MODULES.items() if needed(modules))


def notebook_extras(path: Path, root: Path | None = None) -> tuple[str, ...]:
    """Os extras de que o notebook em ``path`` precisa (veja :func:`required_extras`)."""
    nb = json.loads(Path(path).read_text("utf-8"))
    sources = [_source(c) for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    return required_extras(sources, Path(path).parent, root)


def relative_path(path: Path, root: Path | None = None) -> str:
    """Caminho do notebook relativo à raiz do repositório, com barras normais."""
    root = root or repo_root()
    return Path(path).resolve().relative_to(root.resolve()).as_posix()


def _describe(extras: tuple[str, ...]) -> str:
    return " ".join(f"'{e}'" for e in extras) if extras else "nenhum"


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
        try:
            wanted = required_extras([_source(c) for c in code], path.parent, root)
        except ValueError as err:
            wanted = _extras(_source(code[0]))
            problems.append(f"não deu para deduzir os extras do Colab: {err}")
        current = _extras(_source(code[0]))
        if current != wanted:
            problems.append(
                f"a célula de configuração pede os extras {_describe(current)} a colab_setup.sh, mas o código "
                f"do notebook precisa de {_describe(wanted)} (rode `python -m shared.notebooks --sync`)"
            )
        elif _source(code[0]) != setup_cell_source(Path(rel).parent.as_posix(), wanted,
                                                   _report_packages(_source(code[0]))):
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
    """Reescreve o selo do Colab e a célula de configuração (com os extras deduzidos); diz se mudou algo."""
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
    code = [_source(c) for c in nb["cells"] if c["cell_type"] == "code"]
    extras = required_extras(code, path.parent, root)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and _source(cell).startswith(SETUP_MARKER):
            expected = setup_cell_source(Path(rel).parent.as_posix(), extras, _report_packages(_source(cell)))
            if _source(cell) != expected:  # na mesma forma do arquivo: lista de linhas ou um texto só
                keep_lines = isinstance(cell["source"], list)
                cell["source"] = expected.splitlines(keepends=True) if keep_lines else expected
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
