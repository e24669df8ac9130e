"""Fixtures compartilhadas pelos testes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shared.data import reviews_dir
from shared.paths import repo_root


@pytest.fixture
def reviews_copy(tmp_path: Path) -> Path:
    """Uma cópia de data/avaliacoes numa pasta temporária, para estragar à vontade."""
    target = tmp_path / "avaliacoes"
    shutil.copytree(reviews_dir(), target)
    return target


@pytest.fixture(scope="session")
def root() -> Path:
    """Raiz do repositório."""
    return repo_root()
