"""O que instalar no Google Colab: pisos para o que o Colab já traz, versões exatas para o que falta.

``scripts/colab_setup.sh`` chama este módulo **antes** de instalar qualquer coisa, por isso ele só usa a
biblioteca padrão:

    python -m shared.colab requirements [requirements.txt]   # a lista de pacotes para o Colab
    python -m shared.colab constraints                       # prende o torch que já está instalado

As regras, aplicadas a cada linha de ``requirements.txt``:

- ``torch`` sai da lista: o Colab já tem o torch com CUDA, e trocá-lo baixaria gigabytes (e um build só
  de CPU). As restrições (``constraints``) prendem a versão instalada, para que nenhum outro pacote o troque.
- ferramentas de desenvolvimento (:data:`DEV_TOOLS`: JupyterLab, pytest, ruff...) saem: o Colab não as usa;
- ``llama-cpp-python`` sai: o extra ``llama`` o instala com ``scripts/install_llama_cpp.sh`` (build portátil);
- um pacote que o Colab já traz (:data:`COLAB_SHIPS`) troca ``==X`` por ``>=PISO``, com o piso igual à
  versão da imagem do Colab: o pip mantém a versão do Colab, e ``make colab-check`` testa justamente essa.
  Exceção: :data:`COURSE_MINIMUM`, onde a versão do Colab comprovadamente não serve ao curso (o piso sobe);
- um pacote que o Colab não tem mantém a versão exata (``==``) de ``requirements.txt``, a testada pelo curso.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import re
import sys
from pathlib import Path

# Versões da imagem do Colab (GPU), do pip-freeze.gpu.txt do repositório público googlecolab/backend-info
# em 2026-08-19 (Python 3.13.15; até 2026-08-14 era Python 3.12). Servem de piso e de imagem simulada por
# ``make colab-check``. Ao atualizar, confira a data e rode ``make colab-check``.
COLAB_IMAGE_DATE = "2026-08-19"
COLAB_SHIPS: dict[str, str] = {
    "torch": "2.11.0",
    "numpy": "2.1.3",
    "pandas": "2.2.3",
    "matplotlib": "3.10.0",
    "scikit-learn": "1.6.1",
    "scipy": "1.16.3",
    "transformers": "5.15.0",
    "tokenizers": "0.22.2",
    "huggingface-hub": "1.27.0",
    "safetensors": "0.8.0",
    "accelerate": "1.14.0",
    "datasets": "4.0.0",
    "sentence-transformers": "5.7.0",
    "peft": "0.20.0",
    "torchao": "0.10.0",
    "pyarrow": "18.1.0",
    "jinja2": "3.1.6",
    "psutil": "5.9.5",
    "nltk": "3.9.1",
    "nbformat": "5.11.1",
    "nbclient": "0.10.4",
    "ipykernel": "6.17.1",
    "ipython": "7.34.0",
    "jupyter-client": "7.4.9",
    "tqdm": "4.67.3",
    "requests": "2.32.4",
}
# Pacotes em que a versão do Colab não serve ao curso (achado por ``make colab-check``): o piso sobe para cá.
COURSE_MINIMUM: dict[str, str] = {
    # cap. 1: o wordpunct_tokenize do nltk 3.9.1 coincide com a regex do capítulo em todas as avaliações; o
    # capítulo mostra a diferença que o 3.10 tem (emojis com seletor de variação). Puro Python: trocar é seguro.
    "nltk": "3.10.4",
}
NEVER_INSTALL = ("torch",)  # o do Colab fica (com CUDA)
INSTALLED_BY_SCRIPT = ("llama-cpp-python",)  # scripts/install_llama_cpp.sh, no extra `llama`
DEV_TOOLS = ("jupyterlab", "nbmake", "pytest", "pytest-xdist", "ruff", "nbqa")

_VERSION_SPEC = r"(?:===|==|>=|<=|~=|!=|<|>)\s*[A-Za-z0-9.*+!_-]+"
_REQUIREMENT = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<extras>\[[^\]]*\])?\s*"
    rf"(?P<spec>(?:{_VERSION_SPEC}(?:\s*,\s*{_VERSION_SPEC})*)?|@\s*\S+)\s*(?P<marker>;.*)?$"
)


def normalize(name: str) -> str:
    """Nome de pacote na forma canônica do pip (PEP 503): minúsculas, ``-`` no lugar de ``_`` e ``.``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def colab_requirement(line: str) -> str | None:
    """A linha de ``requirements.txt`` como deve ser instalada no Colab (``None``: não instalar).

    Comentários e linhas vazias dão ``None``; opções do pip (``-r``, ``--index-url``...) passam como estão.
    """
    text = re.sub(r"(^|\s)#.*$", "", line).strip()  # como o pip: "#" só abre comentário após espaço
    if not text:
        return None
    if text.startswith("-"):
        return text
    match = _REQUIREMENT.match(text)
    if not match:
        raise ValueError(f"linha de requirements.txt que não sei ler: {line.strip()!r}")
    name = normalize(match["name"])
    if name in NEVER_INSTALL or name in INSTALLED_BY_SCRIPT or name in DEV_TOOLS:
        return None
    spec = match["spec"].replace(" ", "")
    if spec.startswith("@"):  # referência direta (URL): fica como está
        spec = f" @ {spec[1:]}"
    if name in COLAB_SHIPS and spec.startswith("=="):
        spec = f">={COURSE_MINIMUM.get(name, COLAB_SHIPS[name])}"
    marker = f" {match['marker']}" if match["marker"] else ""
    return f"{match['name']}{match['extras'] or ''}{spec}{marker}"


def colab_requirements(text: str) -> list[str]:
    """As linhas para ``pip install -r`` no Colab, a partir do texto de ``requirements.txt``."""
    lines = (colab_requirement(line) for line in text.splitlines())
    return [line for line in lines if line]


def colab_constraints() -> list[str]:
    """Restrições que prendem os pacotes de :data:`NEVER_INSTALL` na versão instalada (o torch do Colab)."""
    pins = []
    for name in NEVER_INSTALL:
        try:
            pins.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue  # sem torch instalado, nada a prender (o pip o instalaria só se algo pedisse)
    return pins


def main(argv: list[str] | None = None) -> int:
    """Linha de comando: imprime a lista de pacotes (``requirements``) ou as restrições (``constraints``)."""
    parser = argparse.ArgumentParser(description="O que o curso instala no Google Colab.")
    sub = parser.add_subparsers(dest="command", required=True)
    req = sub.add_parser("requirements", help="pacotes para o Colab: pisos para o que ele já traz")
    req.add_argument("file", nargs="?", default="requirements.txt", type=Path)
    sub.add_parser("constraints", help="prende o torch instalado")
    args = parser.parse_args(argv)
    if args.command == "requirements":
        lines = colab_requirements(args.file.read_text("utf-8"))
    else:
        lines = colab_constraints()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
