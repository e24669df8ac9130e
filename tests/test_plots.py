import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from shared import plots  # noqa: E402


def test_setup_style_and_save_png(tmp_path):
    plots.setup_style()
    assert matplotlib.rcParams["axes.spines.top"] is False
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    path = plots.save_figure(fig, "teste", folder=tmp_path)
    plt.close(fig)
    assert path == tmp_path / "teste.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", ["", "pasta/fig", "fig.png"])
def test_save_figure_rejects_bad_names(tmp_path, name):
    fig = plt.figure()
    with pytest.raises(ValueError, match="Nome de figura"):
        plots.save_figure(fig, name, folder=tmp_path)
    plt.close(fig)
