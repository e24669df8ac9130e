"""Higiene dos notebooks: cada regra roda nos notebooks do curso e falha num notebook estragado de propósito."""

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from shared import notebooks
from shared.course import REPO_URL, colab_badge, colab_url

REL = "chapters/99-teste/99-teste.ipynb"


def good_notebook() -> nbformat.NotebookNode:
    """Um notebook mínimo que segue todas as regras."""
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell(f"{colab_badge(REL)}\n\n# Capítulo 99 — Teste"),
        new_code_cell(notebooks.setup_cell_source("chapters/99-teste"), execution_count=1),
        new_code_cell("N = 3", execution_count=2, metadata={"tags": ["parameters"]}),
        new_code_cell(
            "print(N)", execution_count=3, outputs=[new_output("stream", name="stdout", text="3\n")]
        ),
        new_code_cell(
            'from shared import env\nif env.require_gpu("o treino grande"):\n    N = 300',
            metadata={"tags": ["gpu", "skip-execution"]},
        ),
        new_code_cell(
            'if env.require_internet("o download"):\n    pass',
            metadata={"tags": ["internet", "skip-execution"]},
        ),
        new_code_cell(
            "N * 2",
            execution_count=4,
            outputs=[new_output("execute_result", {"text/plain": "6"}, execution_count=4)],
        ),
    ]
    return nb


def check(tmp_path, nb) -> list[str]:
    path = tmp_path / REL
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return notebooks.check_notebook(path, root=tmp_path)


def test_course_notebooks_follow_every_rule(root):
    paths = notebooks.notebook_paths(root)
    assert paths, "nenhum notebook encontrado em chapters/"
    problems = {str(p.relative_to(root)): notebooks.check_notebook(p, root) for p in paths}
    assert problems == {str(p.relative_to(root)): [] for p in paths}


def test_every_chapter_folder_has_readme_and_main_notebook(root):
    for folder in sorted((root / "chapters").iterdir()):
        if folder.is_dir():
            assert (folder / "README.md").exists(), folder
            assert (folder / f"{folder.name}.ipynb").exists(), folder


def test_good_notebook_passes(tmp_path):
    assert check(tmp_path, good_notebook()) == []


def test_badge_points_to_own_path():
    assert colab_url(REL).endswith("/blob/main/" + REL)
    assert REPO_URL.split("github.com/")[1] in colab_url(REL)


BROKEN = {
    "error output": (
        lambda nb: nb.cells[3].outputs.append(
            new_output("error", ename="ValueError", evalue="x", traceback=[])
        ),
        "saída de erro",
    ),
    "out of order": (lambda nb: nb.cells[3].update(execution_count=7), "execution_count 7, esperado 3"),
    "not executed": (lambda nb: nb.cells[3].update(execution_count=None), "execution_count None"),
    "gpu tag without skip": (lambda nb: nb.cells[4].metadata.update(tags=["gpu"]), "a tag 'gpu' exige"),
    "gpu guard without tag": (
        lambda nb: nb.cells[4].metadata.update(tags=["skip-execution"]),
        "não tem a tag 'gpu'",
    ),
    "internet tag without guard": (
        lambda nb: nb.cells[5].update(source="pass"),
        "a tag 'internet' exige",
    ),
    "wrong badge": (
        lambda nb: nb.cells[0].update(source=colab_badge("chapters/01-outro/01-outro.ipynb")),
        "selo do Colab",
    ),
    "no setup cell": (lambda nb: nb.cells.pop(1), "célula de configuração"),
    "edited setup cell": (
        lambda nb: nb.cells[1].update(source=nb.cells[1].source.replace("/content/curso", "/content/outro")),
        "difere do modelo",
    ),
    "no parameters": (lambda nb: nb.cells[2].metadata.update(tags=[]), "parameters"),
    "stderr": (
        lambda nb: nb.cells[3].outputs.append(new_output("stream", name="stderr", text="Warning\n")),
        "stderr",
    ),
    "giant output": (
        lambda nb: nb.cells[3].outputs.append(new_output("stream", name="stdout", text="x" * 30_000)),
        "longa demais",
    ),
    "widgets without state": (
        lambda nb: nb.metadata.update(
            widgets={"application/vnd.jupyter.widget-state+json": {"version_major": 2}}
        ),
        "widgets",
    ),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_each_rule_catches_a_broken_notebook(tmp_path, name):
    breaker, message = BROKEN[name]
    nb = good_notebook()
    breaker(nb)
    problems = check(tmp_path, nb)
    assert any(message in p for p in problems), problems


def test_invalid_json_and_invalid_schema(tmp_path):
    path = tmp_path / REL
    path.parent.mkdir(parents=True)
    path.write_text("{ isto não é json", "utf-8")
    assert "JSON" in notebooks.check_notebook(path, root=tmp_path)[0]
    nb = json.loads(nbformat.writes(good_notebook()))
    nb["cells"][1]["outputs"] = "não é lista"
    path.write_text(json.dumps(nb), "utf-8")
    assert "nbformat" in notebooks.check_notebook(path, root=tmp_path)[0]


def test_oversized_notebook(tmp_path, monkeypatch):
    monkeypatch.setattr(notebooks, "MAX_NOTEBOOK_BYTES", 100)
    assert any("grande demais" in p for p in check(tmp_path, good_notebook()))


def test_sync_fixes_badge_and_setup_cell(tmp_path):
    nb = good_notebook()
    nb.cells[0].source = "[![Abrir no Colab](https://x/y.svg)](https://errado)\n\n# Título"
    nb.cells[1].source = nb.cells[1].source.replace("/content/curso", "/content/velho")
    path = tmp_path / REL
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    assert notebooks.check_notebook(path, root=tmp_path) != []
    assert notebooks.sync_notebook(path, root=tmp_path) is True
    assert notebooks.check_notebook(path, root=tmp_path) == []
    assert notebooks.sync_notebook(path, root=tmp_path) is False


def test_setup_cell_extras_are_kept():
    src = notebooks.setup_cell_source("chapters/07-x", ("llama",))
    assert "colab_setup.sh llama\n" in src
    assert notebooks._extras(src) == ("llama",)


def test_setup_cell_may_list_the_chapter_packages(tmp_path):
    nb = good_notebook()
    nb.cells[1].source = notebooks.setup_cell_source("chapters/99-teste", packages=("nltk", "pandas"))
    assert nb.cells[1].source.endswith('env.setup_notebook(packages=("nltk", "pandas"))')
    assert notebooks._report_packages(nb.cells[1].source) == ("nltk", "pandas")
    assert check(tmp_path, nb) == []
    one = notebooks.setup_cell_source("chapters/01-x", packages=("nltk",))
    assert one.endswith('env.setup_notebook(packages=("nltk",))')  # uma tupla, não um texto entre parênteses
    nb.cells[1].source = nb.cells[1].source.replace("/content/curso", "/content/velho")
    assert any("difere do modelo" in p for p in check(tmp_path, nb))
