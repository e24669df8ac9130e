import logging
import os
import random

import numpy as np
import pytest
import torch

from shared import env


def test_set_seed_makes_random_numpy_and_torch_repeatable():
    env.set_seed(7)
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    env.set_seed(7)
    second = (random.random(), np.random.rand(), torch.rand(1).item())
    assert first == second
    env.set_seed(8)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) != first


def test_set_threads_sets_torch_and_rejects_zero():
    before = torch.get_num_threads()
    try:
        assert env.set_threads(1) == 1
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    with pytest.raises(ValueError, match="pelo menos 1"):
        env.set_threads(-2)


def test_quiet_sets_env_and_silences_loggers(monkeypatch):
    monkeypatch.delenv("TOKENIZERS_PARALLELISM", raising=False)
    env.quiet()
    assert os.environ["TOKENIZERS_PARALLELISM"] == "false"
    assert logging.getLogger("bitsandbytes").level == logging.ERROR
    import transformers

    assert transformers.logging.get_verbosity() == transformers.logging.ERROR


def test_offline_flag_makes_hub_unreachable(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert env.hub_reachable() is False


def test_require_gpu_guard_skips_with_notice_on_cpu(monkeypatch, capsys):
    monkeypatch.setattr(env, "has_cuda", lambda: False)
    assert env.require_gpu("o treino grande") is False
    out = capsys.readouterr().out
    assert "o treino grande" in out and "Colab" in out
    monkeypatch.setattr(env, "has_cuda", lambda: True)
    assert env.require_gpu() is True
    assert capsys.readouterr().out == ""


def test_require_internet_guard_skips_offline(monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert env.require_internet("o download") is False
    assert "o download" in capsys.readouterr().out


def test_in_ci_reads_ci_variable(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert env.in_ci()
    monkeypatch.setenv("CI", "")
    assert not env.in_ci()


def test_report_lists_versions_device_and_offline(monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    info = env.report(print_it=False)
    assert capsys.readouterr().out == ""
    assert info["torch"] == torch.__version__
    assert info["dispositivo"].startswith(("CPU", "GPU"))
    assert "offline" in info["Hub do Hugging Face"]
    env.report(print_it=True)
    assert "transformers" in capsys.readouterr().out


def test_cpu_features_come_from_the_flags_line():
    xeon = "processor : 0\nmodel name : Intel Xeon\nflags : fpu sse2 avx avx2 fma avx512f avx512_vnni amx_tile amx_int8\n"
    assert env.cpu_features(xeon) == ["AVX2", "AVX-512", "AVX-512 VNNI", "AMX"]
    # quase-acerto: avx512bw sem avx512f não é "AVX-512"; amx_int8 sem amx_tile não é "AMX"
    assert env.cpu_features("flags : avx avx2 avx512bw amx_int8\n") == ["AVX2"]
    assert env.cpu_features("Features : fp asimd evtstrm\n") == ["NEON"]
    assert env.cpu_features("") == []


def test_report_can_list_only_the_chapter_packages(monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    info = env.report(print_it=False, packages=("torch",))
    assert "torch" in info and "transformers" not in info and "pandas" not in info
