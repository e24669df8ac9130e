"""Instalação no Colab: a lista de pacotes (pisos para o que o Colab traz) e os extras de cada notebook."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from shared import colab, notebooks
from shared.course import colab_badge

REQUIREMENTS = """\
# comentário
torch==2.13.0            # nunca no Colab
transformers==5.23.0     # o Colab traz: vira piso
pandas==3.1.1
trl==1.16.0              # o Colab não traz: fica exato
Jinja2==3.1.6
sentence_transformers==6.2.0
llama-cpp-python==0.3.36 # vem de scripts/install_llama_cpp.sh
jupyterlab==4.6.6
pytest==9.2.0
pytest-xdist==3.8.0
ruff==0.17.5
nbqa==1.9.1
nbmake==1.5.5
bitsandbytes[extra]==0.50.2 ; sys_platform == "linux"
"""


def test_colab_shipped_pin_becomes_floor_at_colab_version():
    lines = colab.colab_requirements(REQUIREMENTS)
    assert f"transformers>={colab.COLAB_SHIPS['transformers']}" in lines
    assert f"pandas>={colab.COLAB_SHIPS['pandas']}" in lines
    assert "pandas" not in colab.COURSE_MINIMUM
    assert f"Jinja2>={colab.COLAB_SHIPS['jinja2']}" in lines  # o nome casa sem diferenciar maiúsculas
    assert f"sentence_transformers>={colab.COLAB_SHIPS['sentence-transformers']}" in lines
    assert not any(line.startswith(("transformers==", "pandas==")) for line in lines)


def test_course_minimum_raises_the_floor_above_colab():
    lines = colab.colab_requirements("nltk==3.10.4\n")
    assert lines == [f"nltk>={colab.COURSE_MINIMUM['nltk']}"]
    for name, minimum in colab.COURSE_MINIMUM.items():  # um mínimo abaixo do Colab não serviria para nada
        assert name in colab.COLAB_SHIPS
        assert release(minimum) > release(colab.COLAB_SHIPS[name]), name


def release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("+")[0].split("."))


def test_torch_dev_tools_and_llama_are_dropped():
    names = {colab.normalize(line.split("=")[0].split(">")[0].split("[")[0]) for line in colab.colab_requirements(REQUIREMENTS)}
    assert "torch" not in names
    assert "llama-cpp-python" not in names
    assert names.isdisjoint(colab.DEV_TOOLS)


def test_package_colab_lacks_keeps_its_pin_extras_and_marker():
    lines = colab.colab_requirements(REQUIREMENTS)
    assert "trl==1.16.0" in lines
    assert 'bitsandbytes[extra]==0.50.2 ; sys_platform == "linux"' in lines


def test_course_requirements_never_install_torch_and_pin_only_what_colab_lacks(root):
    lines = colab.colab_requirements((root / "requirements.txt").read_text("utf-8"))
    assert lines, "a lista do Colab saiu vazia"
    for line in lines:
        name = colab.normalize(line.split("=")[0].split(">")[0].split("[")[0])
        assert name != "torch"
        if name in colab.COLAB_SHIPS:
            assert ">=" in line and "==" not in line, line
        else:
            assert "==" in line, line


def test_unreadable_requirement_line_raises():
    with pytest.raises(ValueError, match="não sei ler"):
        colab.colab_requirements("pacote @@ coisa estranha")


def test_constraints_pin_the_installed_torch(monkeypatch):
    monkeypatch.setattr(colab.importlib.metadata, "version", lambda name: "2.11.0+cu128")
    assert colab.colab_constraints() == ["torch==2.11.0+cu128"]

    def missing(name):
        raise colab.importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(colab.importlib.metadata, "version", missing)
    assert colab.colab_constraints() == []


def test_colab_module_uses_only_the_standard_library(root):
    """colab_setup.sh roda `python -m shared.colab` antes de instalar qualquer coisa."""
    allowed = set(sys.stdlib_module_names) | {"shared"}
    for rel in ("shared/colab.py", "shared/__init__.py", "shared/paths.py"):
        tree = ast.parse((root / rel).read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                tops = {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level:
                tops = {node.module.split(".")[0]}
            else:
                continue
            assert tops <= allowed, (rel, tops - allowed)


def test_colab_cli_prints_the_list(root):
    out = subprocess.run(
        [sys.executable, "-m", "shared.colab", "requirements", str(root / "requirements.txt")],
        capture_output=True, text=True, check=True, cwd=root,
    ).stdout.splitlines()
    assert out == colab.colab_requirements((root / "requirements.txt").read_text("utf-8"))


def test_colab_setup_script_calls_the_module_and_the_llama_script(root):
    script = (root / "scripts" / "colab_setup.sh").read_text("utf-8")
    assert "-m shared.colab requirements" in script
    assert "-m shared.colab constraints" in script
    assert "scripts/install_llama_cpp.sh" in script
    assert "llama-cpp-python==" not in script  # o build portátil é o único caminho
    assert script.index("shared.colab requirements") < script.index("pip install")


# --- extras de cada notebook, deduzidos dos imports ---------------------------------------------------

REL = "chapters/99-teste/99-teste.ipynb"


def fake_course(tmp_path: Path, modules: dict[str, str], cells: list[str], extras=()) -> Path:
    """Um curso de mentira em ``tmp_path``: módulos de ``shared`` e um notebook com a célula de configuração."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "__init__.py").write_text("", "utf-8")
    for rel, code in modules.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code, "utf-8")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"{colab_badge(REL)}\n\n# Teste"),
        nbformat.v4.new_code_cell(notebooks.setup_cell_source("chapters/99-teste", tuple(extras)), execution_count=1),
        nbformat.v4.new_code_cell("N = 1", execution_count=2, metadata={"tags": ["parameters"]}),
    ]
    nb.cells += [nbformat.v4.new_code_cell(src, execution_count=3 + i) for i, src in enumerate(cells)]
    path = tmp_path / REL
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_llama_through_a_shared_module_without_the_extra_fails_the_check(tmp_path):
    modules = {
        "shared/motor.py": "from shared import ajuda\n",
        "shared/ajuda.py": "def abrir(caminho):\n    import llama_cpp\n    return llama_cpp.Llama(caminho)\n",
    }
    path = fake_course(tmp_path, modules, ["from shared import motor\nmotor"])
    assert notebooks.notebook_extras(path, tmp_path) == ("llama",)
    problems = notebooks.check_notebook(path, root=tmp_path)
    assert any("precisa de 'llama'" in p for p in problems), problems
    assert notebooks.sync_notebook(path, root=tmp_path) is True
    assert notebooks.check_notebook(path, root=tmp_path) == []
    setup = json.loads(path.read_text("utf-8"))["cells"][1]["source"]
    assert "    !bash /content/curso/scripts/colab_setup.sh llama\n" in setup


def test_extra_that_the_code_does_not_need_also_fails(tmp_path):
    path = fake_course(tmp_path, {"shared/texto.py": "import re\n"}, ["from shared import texto"], extras=("llama",))
    problems = notebooks.check_notebook(path, root=tmp_path)
    assert any("pede os extras 'llama'" in p and "precisa de nenhum" in p for p in problems), problems


@pytest.mark.parametrize(
    "cell",
    [
        "import llama_cpp",
        "from llama_cpp import Llama",
        "import llama_cpp.llama_grammar as g",
        "def f():\n    from llama_cpp import Llama\n    return Llama",
        "!echo oi\n%cd /tmp\nif True:\n    !ls\n    import llama_cpp",
        "from shared.sub import motor",  # pacote dentro de shared, com import relativo
        "from shared.sub import *",  # executa shared/sub/__init__.py
        "import local_helper",  # módulo da pasta do capítulo
        'import subprocess\nsubprocess.run(["python", "roda.py"])',  # script da pasta, pelo nome
    ],
)
def test_llama_is_found_directly_and_transitively(tmp_path, cell):
    modules = {
        "shared/sub/__init__.py": "from . import motor\n",
        "shared/sub/motor.py": "from ..base import x\n",
        "shared/base.py": "x = 1\nimport llama_cpp\n",
        "chapters/99-teste/local_helper.py": "from shared.base import x\n",
        "chapters/99-teste/roda.py": "from shared.base import x\n",
    }
    path = fake_course(tmp_path, modules, [cell])
    assert notebooks.notebook_extras(path, tmp_path) == ("llama",)


@pytest.mark.parametrize(
    "cell",
    [
        "# import llama_cpp (só um comentário)",
        'texto = "import llama_cpp"',
        "from shared import texto",
        "import llama_cpp_outro",  # outro pacote, com nome parecido
        "from shared import medir",  # só importa o llama.cpp se ele já estiver carregado
        'print("Qual é a capital?")\nx = """linha que termina em?\n!não é shell aqui\n"""',
    ],
)
def test_no_extra_when_nothing_reaches_llama(tmp_path, cell):
    modules = {
        "shared/texto.py": "import re\n",
        "shared/medir.py": (
            "import sys\n\ndef info():\n    if 'llama_cpp' in sys.modules:\n"
            "        from shared import motor\n    else:\n        import re\n"
        ),
        "shared/motor.py": "import llama_cpp\n",
    }
    path = fake_course(tmp_path, modules, [cell])
    assert notebooks.notebook_extras(path, tmp_path) == ()


def test_unparseable_cell_is_reported_not_ignored(tmp_path):
    path = fake_course(tmp_path, {}, ["def quebrado(:\n    import llama_cpp"])
    with pytest.raises(ValueError, match="não consegui ler"):
        notebooks.notebook_extras(path, tmp_path)
    assert any("não deu para deduzir" in p for p in notebooks.check_notebook(path, root=tmp_path))


def test_course_notebooks_that_reach_llama_cpp(root):
    """Os capítulos que usam o llama.cpp (direto ou por shared.llamacpp / shared.quant) pedem `llama`."""
    extras = {notebooks.relative_path(p, root): notebooks.notebook_extras(p, root) for p in notebooks.notebook_paths(root)}
    with_llama = {rel.split("/")[1] for rel, ex in extras.items() if "llama" in ex}
    assert {"04-inferencia-e-quantizacao", "07-modelos-llama-e-llama-cpp", "08-prompting"} <= with_llama
    assert "01-fundamentos-de-nlp" not in with_llama
    for rel, ex in extras.items():  # e a célula de configuração de cada um pede exatamente isso
        nb = json.loads((root / rel).read_text("utf-8"))
        setup = next(c for c in nb["cells"] if c["cell_type"] == "code")
        assert notebooks._extras("".join(setup["source"])) == ex, rel
