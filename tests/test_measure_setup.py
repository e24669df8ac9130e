import importlib.util

import pandas as pd
import pytest


def load_script(root):
    spec = importlib.util.spec_from_file_location("measure_setup", root / "scripts" / "measure_setup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_kept_cold_row_keeps_the_original_date(root):
    script = load_script(root)
    first = pd.DataFrame({"medida": ["instalação, cache do pip desligado (make install)"], "valor": [9.7], "unidade": ["min"]})
    label, value, unit = script.kept_cold_row(first, {"date": "2026-11-29 10:54 UTC"})
    assert label.endswith("— medida em 2026-11-29 10:54 UTC") and (value, unit) == (9.7, "min")
    # mantida de novo numa tabela medida depois: a data continua a da medição de verdade
    again = pd.DataFrame({"medida": [label], "valor": [value], "unidade": [unit]})
    assert script.kept_cold_row(again, {"date": "2026-11-30 08:00 UTC"})[0] == label
    with pytest.raises(SystemExit):
        script.kept_cold_row(pd.DataFrame({"medida": ["outra"], "valor": [1.0], "unidade": ["s"]}), {})
