from shared import links


def test_relative_links_ignore_web_and_anchors():
    text = (
        "[a](https://x.org) [b](#secao) [c](chapters/x.md#parte) ![d](results/figures/f.png) [e](mailto:a@b)"
    )
    assert links.relative_links(text) == ["chapters/x.md", "results/figures/f.png"]


def test_broken_link_is_reported(tmp_path):
    (tmp_path / "existe.md").write_text("ok", "utf-8")
    (tmp_path / "README.md").write_text("[bom](existe.md) [ruim](nao/existe.ipynb)", "utf-8")
    assert links.broken_links(tmp_path) == ["README.md → nao/existe.ipynb"]


def test_course_markdown_links_resolve(root):
    assert links.broken_links(root) == []
