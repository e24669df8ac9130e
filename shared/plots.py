"""Um estilo de figura pequeno e consistente, e o lugar onde as figuras são salvas."""

from __future__ import annotations

from pathlib import Path

from shared.paths import figures_dir

PALETTE = ["#2b6cb0", "#dd6b20", "#38a169", "#c53030", "#805ad5", "#718096", "#d69e2e", "#319795"]


def setup_style() -> None:
    """Aplica o estilo do curso ao matplotlib (fontes, grade leve, cores, tamanho)."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(
        {
            "figure.figsize": (7, 4),
            "figure.dpi": 100,
            "savefig.dpi": 120,
            "savefig.bbox": "tight",
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.labelsize": 10,
            "axes.prop_cycle": cycler(color=PALETTE),
            "legend.frameon": False,
            "font.size": 10,
        }
    )


def save_figure(fig, name: str, folder: Path | None = None) -> Path:
    """Salva ``fig`` como ``results/figures/NAME.png`` e devolve o caminho."""
    if not name or "/" in name or name.endswith(".png"):
        raise ValueError(f"Nome de figura inválido: '{name}'. Dê só o nome, sem pasta nem extensão.")
    folder = Path(folder) if folder is not None else figures_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    # metadata sem data/versão: o PNG só muda quando a figura muda
    fig.savefig(path, metadata={"Software": None})
    return path
