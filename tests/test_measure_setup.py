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


def test_notebook_times_come_from_the_junit_report(root, tmp_path):
    script = load_script(root)
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="chapters.01-x.01-x.ipynb" name="01-x.ipynb" time="20.5"/>'
        '<testcase classname="tests.test_models" name="test_a" time="1.0"/>'
        "</testsuite></testsuites>",
        encoding="utf-8",
    )
    assert script.notebook_times(report) == [("01-x.ipynb", 20.5)]
    report.write_text(
        '<testsuites><testsuite><testcase classname="chapters.01-x.01-x.ipynb" name="01-x.ipynb" time="3">'
        "<failure>boom</failure></testcase></testsuite></testsuites>",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit, match="falhou"):
        script.notebook_times(report)


def test_offline_command_keeps_the_loopback(root):
    import subprocess

    script = load_script(root)
    # dentro: a interface local funciona (os kernels do Jupyter usam) e a rede de fora não existe
    probe = (
        "import errno, socket; socket.socket().bind(('127.0.0.1', 0)); s = socket.socket(); s.settimeout(3)\n"
        "try:\n    s.connect(('192.0.2.1', 9))\nexcept OSError as e:\n"
        "    raise SystemExit(0 if e.errno == errno.ENETUNREACH else 3)\nraise SystemExit(4)"
    )
    cmd = script.offline_command(["python3", "-c", probe])
    if cmd[0] != "unshare":  # máquina sem unshare -n: o comando volta como está (e o script avisa)
        assert cmd == ["python3", "-c", probe]
        return
    assert subprocess.run(cmd).returncode == 0
