"""Os orçamentos de tempo do curso, conferidos na última medição (results/00-instalacao.csv).

A tabela é medida por scripts/measure_setup.py num clone novo; estes testes falham quando um notebook
passa de 3 minutos, quando o make test passa de 35 minutos ou quando um notebook novo ainda não foi medido.
"""

import pandas as pd

from shared import bench, notebooks, paths

NOTEBOOK_BUDGET_S = 180
MAKE_TEST_BUDGET_MIN = 35


def measured():
    table, _ = bench.read_results("00-instalacao", folder=paths.committed_results_dir())
    return table


def notebook_rows(table: pd.DataFrame) -> dict[str, float]:
    rows = table[table["medida"].str.startswith("executar ") & (table["unidade"] == "s")]
    return {m.split()[1]: v for m, v in zip(rows["medida"], rows["valor"])}


def over_budget(table: pd.DataFrame) -> list[str]:
    """Cada orçamento estourado, numa frase (lista vazia: tudo dentro)."""
    problems = [f"{name}: {seconds:.0f} s > {NOTEBOOK_BUDGET_S} s"
                for name, seconds in notebook_rows(table).items() if seconds > NOTEBOOK_BUDGET_S]  # fmt: skip
    tests = table[table["medida"].str.startswith("make test") & (table["unidade"] == "min")]
    problems += [f"{m}: {v:.1f} min > {MAKE_TEST_BUDGET_MIN} min" for m, v in zip(tests["medida"], tests["valor"])
                 if v > MAKE_TEST_BUDGET_MIN]  # fmt: skip
    return problems


def test_budget_check_catches_a_slow_notebook_and_a_slow_suite():
    ok = pd.DataFrame({"medida": ["executar 01-a.ipynb (nbmake)", "make test sem rede"], "valor": [179.0, 34.9],
                       "unidade": ["s", "min"]})  # fmt: skip
    assert over_budget(ok) == []
    slow = ok.assign(valor=[181.0, 35.5])
    assert over_budget(slow) == ["01-a.ipynb: 181 s > 180 s", "make test sem rede: 35.5 min > 35 min"]


def test_last_measurement_is_within_budget():
    assert over_budget(measured()) == []


def test_every_notebook_has_a_measured_time():
    names = {p.name for p in notebooks.notebook_paths()}
    missing = sorted(names - set(notebook_rows(measured())))
    assert not missing, f"sem tempo medido em results/00-instalacao.csv: {missing} (rode scripts/measure_setup.py)"
