"""Mede a instalação e os testes do curso num clone novo e grava ``results/00-instalacao.csv``.

Uso (na raiz do repositório, depois de um commit — o clone pega o HEAD):

    .venv/bin/python scripts/measure_setup.py          # instalação com os caches como estão + make test
    .venv/bin/python scripts/measure_setup.py --cold   # também uma instalação fria (sem cache nenhum)
    .venv/bin/python scripts/measure_setup.py --keep-cold  # refaz o resto e mantém a linha da instalação fria

Cada medida roda num clone novo em uma pasta temporária. A instalação fria desliga o cache do pip e aponta
o cache de wheels do curso para uma pasta vazia, então inclui compilar o llama-cpp-python. O ``make test``
começa com o cache de modelos vazio (inclui montar o Gemma e converter o SmolLM2 e o Gemma) e roda sem
rede (``unshare -n``, quando existe), como a CI; o tempo de cada notebook sai do próprio ``make test``
(o relatório JUnit do pytest), sem uma segunda execução.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shared import bench  # noqa: E402


def run_timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Roda um comando e devolve quantos segundos levou; para tudo, mostrando o fim da saída, se ele falhar."""
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"`{' '.join(cmd)}` falhou em {cwd}:\n{done.stdout[-4000:]}")
    print(f"{seconds:8.1f} s  {' '.join(cmd)}", flush=True)
    return seconds


def fresh_clone(workdir: Path, name: str) -> Path:
    """Clona o HEAD do repositório numa pasta nova."""
    target = workdir / name
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True)
    return target


def folder_size(path: Path) -> int:
    """Tamanho de uma pasta em bytes (``du``)."""
    return int(subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True).stdout.split()[0])


def notebook_times(junit_xml: Path) -> list[tuple[str, float]]:
    """(notebook, segundos) de cada notebook que o nbmake executou, lidos do relatório JUnit do pytest."""
    rows = []
    for case in ET.parse(junit_xml).getroot().iter("testcase"):
        name = case.get("name", "")  # o nbmake grava name="01-x.ipynb", classname="chapters.01-x.01-x.ipynb"
        if not name.endswith(".ipynb"):
            continue
        if case.find("failure") is not None or case.find("error") is not None:
            raise SystemExit(f"O notebook {name} falhou no make test (veja {junit_xml}).")
        rows.append((Path(name).name, float(case.get("time", "nan"))))
    if not rows:
        raise SystemExit(f"Nenhum notebook no relatório {junit_xml}: o make test rodou os notebooks?")
    return rows


def offline_command(cmd: list[str]) -> list[str]:
    """``cmd`` sem rede: ``unshare -n`` com só a interface local (os kernels do Jupyter falam por ela).

    Onde ``unshare -n`` não funciona (sem permissão, outro sistema), devolve ``cmd`` como está e avisa.
    """
    probe = ["unshare", "-n", "sh", "-c", "ip link set lo up"]
    if shutil.which("unshare") and shutil.which("ip") and subprocess.run(probe, capture_output=True).returncode == 0:
        return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *cmd]
    print("aviso: sem `unshare -n`; o make test roda com a rede como está (os testes já usam HF_HUB_OFFLINE=1)")
    return cmd


def kept_cold_row(previous: pd.DataFrame, meta: dict) -> tuple[str, float, str]:
    """A linha "cache do pip desligado" da tabela anterior, com a data em que foi medida de fato.

    Se a linha já foi mantida antes (tem " — medida em ..."), a data original fica; senão, é a data da
    tabela anterior.
    """
    cold = previous[previous["medida"].str.contains("cache do pip desligado")]
    if cold.empty:
        raise SystemExit("Não há medição anterior com o cache do pip desligado: rode com --cold.")
    label = cold.iloc[0]["medida"]
    if " — medida em " not in label:
        label = f"{label} — medida em {meta.get('date', '?')}"
    return label, float(cold.iloc[0]["valor"]), cold.iloc[0]["unidade"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cold", action="store_true", help="mede também a instalação com o cache do pip desligado"
    )
    parser.add_argument(
        "--keep-cold", action="store_true", help="mantém a medição anterior com o cache do pip desligado"
    )
    args = parser.parse_args()
    rows = []
    if args.keep_cold:
        previous, meta = bench.read_results("00-instalacao")
        rows.append(kept_cold_row(previous, meta))
        print(f"mantida: {rows[0][0]} = {rows[0][1]} {rows[0][2]}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "LLM_ZTH_"))}
        if args.cold:
            clone = fresh_clone(workdir, "frio")
            cold_env = {**env, "PIP_NO_CACHE_DIR": "1", "LLM_ZTH_WHEELS": str(workdir / "wheels-vazio")}
            seconds = run_timed(["make", "install"], clone, cold_env)
            rows.append(("instalação, cache do pip desligado (make install, compila o llama.cpp)", seconds / 60, "min"))
            shutil.rmtree(clone)
        clone = fresh_clone(workdir, "quente")
        seconds = run_timed(["make", "install"], clone, env)
        rows.append(("instalação, cache do pip cheio (make install)", seconds / 60, "min"))
        rows.append(("tamanho de .venv", folder_size(clone / ".venv") / 2**30, "GiB"))
        test_env = {**env, "LLM_ZTH_CACHE": str(workdir / "cache-modelos")}
        # o wheel do llama.cpp já está instalado: sem rede, nada mais é baixado
        junit = workdir / "junit.xml"
        seconds = run_timed(offline_command(["make", "test"]), clone,
                            {**test_env, "PYTEST_ADDOPTS": f"--junitxml={junit}"})  # fmt: skip
        rows.append(("make test sem rede, cache de modelos vazio (monta o Gemma, converte SmolLM2 e Gemma)", seconds / 60, "min"))
        rows.append(("cache de modelos", folder_size(workdir / "cache-modelos") / 2**30, "GiB"))
        for name, nb_seconds in notebook_times(junit):
            rows.append((f"executar {name} (nbmake, dentro do make test)", nb_seconds, "s"))
    table = pd.DataFrame(rows, columns=["medida", "valor", "unidade"])
    table["valor"] = table["valor"].round(2)
    path = bench.write_results(table, "00-instalacao", "Tempos de instalação e de testes num clone novo")
    print(table.to_string(index=False))
    print(f"gravado: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
