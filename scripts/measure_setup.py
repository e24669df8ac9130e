"""Mede a instalação e os testes do curso num clone novo e grava ``results/00-instalacao.csv``.

Uso (na raiz do repositório, depois de um commit — o clone pega o HEAD):

    .venv/bin/python scripts/measure_setup.py          # instalação com o cache do pip como está + make test
    .venv/bin/python scripts/measure_setup.py --cold   # também uma instalação com o cache do pip desligado
    .venv/bin/python scripts/measure_setup.py --keep-cold  # refaz o resto e mantém a linha "cache desligado"

Cada medida roda num clone novo em uma pasta temporária; o cache de modelos também começa vazio, então o
``make test`` medido inclui a conversão do SmolLM2 de GGUF para safetensors.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
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
            seconds = run_timed(["make", "install"], clone, {**env, "PIP_NO_CACHE_DIR": "1"})
            rows.append(("instalação, cache do pip desligado (make install)", seconds / 60, "min"))
        clone = fresh_clone(workdir, "quente")
        seconds = run_timed(["make", "install"], clone, env)
        rows.append(("instalação, cache do pip cheio (make install)", seconds / 60, "min"))
        rows.append(("tamanho de .venv", folder_size(clone / ".venv") / 2**30, "GiB"))
        test_env = {**env, "LLM_ZTH_CACHE": str(workdir / "cache-modelos")}
        seconds = run_timed(["make", "test"], clone, test_env)
        rows.append(("make test, cache de modelos vazio (inclui converter o SmolLM2)", seconds / 60, "min"))
        seconds = run_timed(["make", "test"], clone, test_env)
        rows.append(("make test, cache de modelos cheio", seconds / 60, "min"))
        rows.append(("cache de modelos", folder_size(workdir / "cache-modelos") / 2**30, "GiB"))
        for nb in sorted((clone / "chapters").glob("*/*.ipynb")):
            seconds = run_timed(
                [
                    ".venv/bin/jupyter",
                    "nbconvert",
                    "--to",
                    "notebook",
                    "--execute",
                    "--output",
                    "/dev/null",
                    str(nb),
                ],
                clone,
                {**test_env, "HF_HUB_OFFLINE": "1", "LLM_ZTH_RESULTS_DIR": str(workdir / "results")},
            )
            rows.append((f"executar {nb.name} (nbconvert, com o kernel)", seconds, "s"))
    table = pd.DataFrame(rows, columns=["medida", "valor", "unidade"])
    table["valor"] = table["valor"].round(2)
    path = bench.write_results(table, "00-instalacao", "Tempos de instalação e de testes num clone novo")
    print(table.to_string(index=False))
    print(f"gravado: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
