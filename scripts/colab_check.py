"""Um Colab simulado nesta máquina: instala o curso como a primeira célula faz no Colab e roda notebooks.

    python scripts/colab_check.py [--keep] [--notebook CAMINHO ...] [--sem-dry-run]   (ou: make colab-check)

Passos (cada um com o tempo que levou):
1. "GitHub" local: um repositório git temporário com a árvore de trabalho atual (arquivos versionados e
   os novos que o git não ignora), no lugar de https://github.com/... — assim o que se testa é o que está
   aqui, com as mudanças ainda sem commit.
2. Imagem do Colab: um venv novo com o torch 2.13.0 (o wheel de CPU que está no disco) e as versões da imagem
   do Colab para o resto (``shared.colab.COLAB_SHIPS``: numpy, pandas, transformers... mais antigas que as
   do requirements.txt), o kernel do Colab (ipykernel/IPython) e um pacote ``google.colab`` de mentira,
   importado no início de cada kernel como no Colab.
3. Notebooks: roda cada um de ponta a ponta num kernel desse venv (nbclient). A primeira célula de código é a
   do próprio notebook, com só duas trocas de texto: o endereço do GitHub pelo repositório local e
   /content/curso por uma pasta temporária. Os ``!git clone`` e ``!bash colab_setup.sh`` rodam de verdade.
   Depois, confere que o torch não mudou e lista os pacotes da imagem que a instalação trocou.
4. Resolução no Python do Colab: ``pip install --dry-run`` da lista do Colab num venv 3.12 (e 3.13, o Python
   atual do Colab), com os pacotes da imagem registrados como instalados (só metadados, nada é baixado do
   torch) e o torch preso na versão do Colab. Sem python3.12/3.13 na máquina, o passo é pulado com aviso.

Só usa a biblioteca padrão (o nbclient roda dentro do venv simulado).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shared.colab import COLAB_IMAGE_DATE, COLAB_SHIPS, colab_requirements, normalize  # noqa: E402
from shared.course import REPO_URL  # noqa: E402
from shared.notebooks import COLAB_DIR, SETUP_MARKER  # noqa: E402

LOCAL_TORCH = "torch==2.13.0"  # o único torch que o pip pega do disco; qualquer outro baixa gigabytes
DEFAULT_NOTEBOOKS = (
    "chapters/01-fundamentos-de-nlp/01-fundamentos-de-nlp.ipynb",
    "chapters/07-modelos-llama-e-llama-cpp/07-modelos-llama-e-llama-cpp.ipynb",
)
OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_EVALUATE_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
QUIET = {
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "PYTHONWARNINGS": "ignore::DeprecationWarning",
}
DRY_RUN_PYTHONS = ("3.12", "3.13")
CELL_TIMEOUT = 900
STUB = '''"""google.colab de mentira (make colab-check): só existe para que o curso se veja "no Colab"."""

__version__ = "0.0+simulado"
'''

timings: list[tuple[str, float, str]] = []


def step(name: str):
    """Marca o início de um passo; devolve uma função que o encerra com o resultado."""
    print(f"\n▶ {name}", flush=True)
    start = time.perf_counter()

    def done(result: str = "ok") -> None:
        seconds = time.perf_counter() - start
        timings.append((name, seconds, result))
        print(f"  {result} — {seconds:.1f} s", flush=True)

    return done


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Roda um comando mostrando-o; falha com a saída dele se der erro."""
    print("  $ " + " ".join(str(c) for c in cmd), flush=True)
    proc = subprocess.run([str(c) for c in cmd], text=True, capture_output=True, **kwargs)
    if proc.returncode != 0:
        print(proc.stdout[-4000:], proc.stderr[-4000:], sep="\n")
        raise SystemExit(f"❌ falhou (código {proc.returncode}): {' '.join(str(c) for c in cmd)}")
    return proc


def fake_github(work: Path) -> Path:
    """Um repositório git com a árvore de trabalho atual, que faz o papel do repositório no GitHub."""
    files = run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT).stdout.split("\0")
    repo = work / "github" / REPO_URL.rstrip("/").split("/")[-1]
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file() and not src.is_symlink():
            dst = repo / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    git = ["git", "-C", repo, "-c", "user.name=colab-check", "-c", "user.email=colab-check@localhost"]
    run([*git[:3], "init", "-q", "-b", "main"])
    run([*git, "add", "-A"])
    run([*git, "commit", "-q", "-m", "árvore de trabalho para o make colab-check"])
    return repo


def site_packages(venv: Path) -> Path:
    """A pasta site-packages de um venv."""
    return Path(glob.glob(str(venv / "lib" / "python3*" / "site-packages"))[0])


def pip_freeze(python: Path) -> dict[str, str]:
    """Pacotes instalados no venv: nome normalizado → versão."""
    out = run([python, "-m", "pip", "list", "--format=json"]).stdout
    return {normalize(p["name"]): p["version"] for p in json.loads(out)}


def colab_image(work: Path) -> Path:
    """Cria o venv com o que o Colab traz (versões da imagem), o kernel e o google.colab de mentira."""
    venv = work / "colab-venv"
    run([sys.executable, "-m", "venv", venv])
    python = venv / "bin" / "python"
    run([python, "-m", "pip", "install", "-q", "pip==26.3"])
    image = [f"{name}=={version}" for name, version in COLAB_SHIPS.items() if name != "torch"]
    run([python, "-m", "pip", "install", "-q", LOCAL_TORCH, *image])
    stub = work / "colab-stub"
    (stub / "google" / "colab").mkdir(parents=True)  # sem google/__init__.py: "google" segue namespace
    (stub / "google" / "colab" / "__init__.py").write_text(STUB, "utf-8")
    (site_packages(venv) / "google_colab_simulado.pth").write_text(f"{stub}\n", "utf-8")
    kernel = work / "jupyter-data" / "kernels" / "colab"  # o kernel do Colab: o python deste venv
    kernel.mkdir(parents=True)
    spec = {"argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (Colab simulado)", "language": "python"}
    (kernel / "kernel.json").write_text(json.dumps(spec, indent=1), "utf-8")
    startup = work / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-google-colab.py").write_text("import google.colab  # como no kernel do Colab\n", "utf-8")
    return python


def patched_notebook(repo: Path, rel: str, content: Path) -> dict:
    """O notebook com a célula de configuração apontando para o "GitHub" local e a pasta /content simulada."""
    nb = json.loads((repo / rel).read_text("utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    source = "".join(cell["source"])
    if not source.startswith(SETUP_MARKER) or REPO_URL not in source or COLAB_DIR not in source:
        raise SystemExit(f"❌ {rel}: a primeira célula de código não é a célula de configuração do curso")
    source = source.replace(REPO_URL, repo.as_uri()).replace(COLAB_DIR, str(content / "curso"))
    cell["source"] = source
    return nb


def execute_in_venv(python: Path, nb_path: Path, out_path: Path, cwd: Path, env: dict) -> None:
    """Executa o notebook com o nbclient do venv simulado (o kernel é o python desse venv)."""
    code = (
        "import sys, nbformat\n"
        "from nbclient import NotebookClient\n"
        "nb = nbformat.read(sys.argv[1], as_version=4)\n"
        f"client = NotebookClient(nb, timeout={CELL_TIMEOUT}, kernel_name='colab',\n"
        "                        resources={'metadata': {'path': sys.argv[3]}})\n"
        "try:\n"
        "    client.execute()\n"
        "finally:\n"
        "    nbformat.write(nb, sys.argv[2])\n"
    )
    proc = subprocess.run([python, "-c", code, nb_path, out_path, cwd], env=env, text=True, capture_output=True)
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-6000:], sep="\n")
        raise SystemExit(f"❌ o notebook falhou no Colab simulado (saída em {out_path})")


def setup_output(out_path: Path) -> str:
    """O texto que a célula de configuração imprimiu."""
    nb = json.loads(out_path.read_text("utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    return "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))


def check_notebooks(work: Path, repo: Path, python: Path, notebooks: list[str]) -> None:
    """Passo 3: roda cada notebook no Colab simulado, como o Colab faria."""
    content = work / "content"
    content.mkdir()
    env = {
        **os.environ,
        **OFFLINE,
        **QUIET,
        "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}",  # `!pip`, `!python3`: os do venv
        "VIRTUAL_ENV": str(python.parent.parent),
        "IPYTHONDIR": str(work / "ipython"),
        "JUPYTER_DATA_DIR": str(work / "jupyter-data"),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # cala o aviso do depurador do ipykernel sobre frozen modules
        "LLM_ZTH_CACHE": str(work / "cache-modelos"),  # cache de modelos vazio, como num Colab novo
    }
    env.pop("PYTHONPATH", None)
    before = pip_freeze(python)
    for rel in notebooks:
        done = step(f"executar {Path(rel).name} no Colab simulado")
        nb = patched_notebook(repo, rel, content)
        nb_in = work / f"entrada-{Path(rel).name}"
        nb_out = work / f"saida-{Path(rel).name}"
        nb_in.write_text(json.dumps(nb, ensure_ascii=False), "utf-8")
        execute_in_venv(python, nb_in, nb_out, content, env)
        printed = setup_output(nb_out)
        if "Curso instalado no Colab" not in printed or not re.search(r"^onde\s+Colab$", printed, re.M):
            print(printed[-3000:])
            raise SystemExit(f"❌ {rel}: a célula de configuração não instalou o curso pelo caminho do Colab")
        done(f"ok (saída em {nb_out})")
    after = pip_freeze(python)
    if after.get("torch") != before.get("torch"):
        raise SystemExit(f"❌ a instalação trocou o torch: {before.get('torch')} → {after.get('torch')}")
    print(f"\n  torch intacto: {after.get('torch')}")
    changed = {n: (v, after.get(n)) for n, v in before.items() if n in COLAB_SHIPS and after.get(n) != v}
    if changed:
        print("  pacotes da imagem do Colab que a instalação trocou (pedidos por outro pacote do curso):")
        for name, (old, new) in sorted(changed.items()):
            print(f"    {name}: {old} → {new}")
    else:
        print("  nenhum pacote da imagem do Colab foi trocado")


def find_python(version: str) -> str | None:
    """Um interpretador python<versão> que funcione: no PATH (um shim do pyenv pode falhar) ou no pyenv."""
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")))[::-1]
    for candidate in filter(None, candidates):
        check = subprocess.run([candidate, "-c", "import venv"], capture_output=True)
        if check.returncode == 0:
            return candidate
    return None


def register_installed(venv: Path, name: str, version: str, requires: list[str] = ()) -> None:
    """Registra um pacote como instalado só com metadados (o pip o vê e segue as dependências; não há código)."""
    info = site_packages(venv) / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", *(f"Requires-Dist: {r}" for r in requires)]
    (info / "METADATA").write_text("\n".join(lines) + "\n", "utf-8")
    (info / "INSTALLER").write_text("colab-check\n", "utf-8")
    (info / "RECORD").write_text("", "utf-8")


def dry_run(work: Path, version: str) -> None:
    """Passo 4: a lista do Colab resolve no Python ``version``, contra os pacotes da imagem do Colab?"""
    done = step(f"pip install --dry-run da lista do Colab em Python {version}")
    python = find_python(version)
    if not python:
        done(f"PULADO: não achei python{version} nesta máquina (instale-o para conferir a resolução)")
        return
    venv = work / f"venv-{version}"
    run([python, "-m", "venv", venv])
    py = venv / "bin" / "python"
    run([py, "-m", "pip", "install", "-q", "pip==26.3"])
    torch_version = f"{COLAB_SHIPS['torch']}+cu128"  # um torch que nenhum índice tem: nada a baixar
    # As dependências declaradas de cada pacote da imagem (só metadados, sem instalar nada), para que a
    # resolução respeite o que os pacotes do Colab exigem uns dos outros.
    image = work / f"imagem-{version}.json"
    pins = [f"{name}=={ver}" for name, ver in COLAB_SHIPS.items() if name != "torch"]
    run([py, "-m", "pip", "install", "--dry-run", "-q", "--ignore-installed", "--no-deps", "--report", image, *pins])
    for item in json.loads(image.read_text("utf-8"))["install"]:
        meta = item["metadata"]
        register_installed(venv, meta["name"], meta["version"], meta.get("requires_dist", []))
    register_installed(venv, "torch", torch_version)
    reqs = work / f"requirements-colab-{version}.txt"
    reqs.write_text("\n".join(colab_requirements((ROOT / "requirements.txt").read_text("utf-8"))) + "\n", "utf-8")
    constraints = work / f"constraints-{version}.txt"
    constraints.write_text(f"torch=={torch_version}\n", "utf-8")
    report = work / f"dry-run-{version}.json"
    run([py, "-m", "pip", "install", "--dry-run", "-q", "--report", report, "-r", reqs, "-c", constraints])
    run([py, "-m", "pip", "install", "--dry-run", "-q", "--no-deps", "-r", ROOT / "requirements-nodeps.txt"])
    installs = json.loads(report.read_text("utf-8"))["install"]
    replaced = [
        f"{normalize(i['metadata']['name'])} {COLAB_SHIPS[normalize(i['metadata']['name'])]} → {i['metadata']['version']}"
        for i in installs
        if normalize(i["metadata"]["name"]) in COLAB_SHIPS
    ]
    print(f"  resolve: o pip instalaria {len(installs)} pacotes (contando dependências da imagem que a"
          f" simulação só registra); o torch do Colab fica ({torch_version})")
    if replaced:
        print("  trocaria da imagem do Colab: " + ", ".join(sorted(replaced)))
    done(f"ok ({len(installs)} pacotes, {len(replaced)} da imagem do Colab trocados)")


def main(argv: list[str] | None = None) -> int:
    """Linha de comando do Colab simulado."""
    parser = argparse.ArgumentParser(description="Simula o Colab: instala o curso e roda notebooks.")
    parser.add_argument("--notebook", action="append", help="notebook a rodar (padrão: capítulos 1 e 7)")
    parser.add_argument("--keep", action="store_true", help="não apaga a pasta temporária no fim")
    parser.add_argument("--sem-dry-run", action="store_true", help="pula a resolução em Python 3.12/3.13")
    args = parser.parse_args(argv)
    for key, value in {**OFFLINE, **QUIET}.items():
        os.environ.setdefault(key, value)
    total = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="colab-check-"))
    print(f"Colab simulado em {work} (imagem do Colab de {COLAB_IMAGE_DATE}; Python {sysconfig.get_python_version()})")
    ok = False
    try:
        done = step("repositório local no lugar do GitHub (árvore de trabalho atual)")
        repo = fake_github(work)
        done()
        done = step(f"imagem do Colab: venv com {LOCAL_TORCH} e {len(COLAB_SHIPS) - 1} pacotes nas versões do Colab")
        python = colab_image(work)
        done()
        check_notebooks(work, repo, python, args.notebook or list(DEFAULT_NOTEBOOKS))
        if not args.sem_dry_run:
            for version in DRY_RUN_PYTHONS:
                dry_run(work, version)
        ok = True
    finally:
        print("\nTempos:")
        for name, seconds, result in timings:
            print(f"  {seconds:7.1f} s  {name} — {result.split(' (')[0]}")
        print(f"  {time.perf_counter() - total:7.1f} s  total")
        if args.keep or not ok:
            print(f"Pasta mantida: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("✅ Colab simulado: tudo certo.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
