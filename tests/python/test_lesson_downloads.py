"""tools/lesson_downloads.py: a lesson page becomes a notebook (Python half) and an R Markdown
file (R half). Executing the downloads is `make test-downloads`; a broken download failing that
target is tested in tools/test_render_site.R."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("lesson_downloads", ROOT / "tools" / "lesson_downloads.py")
ld = sys.modules["lesson_downloads"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ld)

PAGE = '''---
title: "9 · A test lesson"
subtitle: "Everything the converter must handle"
engine: knitr
learntorch:
  figures: 2
---

```{r}
#| label: setup
#| include: false
library(reticulate)
same <- function(a, b) stopifnot(all.equal(a, b))
```

Intro prose, see [lesson 2](02-autograd.qmd) and [try it](01-tensors.qmd#try-it).

::: {.panel-tabset group="language"}
## Python

Python-only prose.

```{python}
#| label: points-py
#| fig-cap: "Points, drawn with matplotlib."
#| fig-alt: "Dots."
x = 1
```

## R

R-only prose.

```{r}
#| label: fig-points-r
#| fig-cap: "Points, drawn with ggplot2."
#| fig-alt: "Dots."
#| fig-width: 4
x <- 1
```
:::

```{r}
#| include: false
same(py$x, x)
```

```{r}
#| include: false
helper <- 2
```

```{python}
#| include: false
hidden_py = 3
```

```{python}
#| eval: false
not_run()
```

As @fig-points-r shows, and this block is shown, not run:

```{.python}
shown_only()
```

::: {.callout-tip collapse="true" title="One solution"}
::: {.panel-tabset group="language"}
## Python

```{python}
y = 2
```

## R

```{r}
y <- 2
```
:::
:::

The end.
'''


@pytest.fixture()
def lesson(tmp_path):
    path = tmp_path / "09-test.qmd"
    path.write_text(PAGE, encoding="utf-8")
    return ld.parse(path)


def markup_leaks(text: str) -> list:
    """Quarto markup that must not survive into a download."""
    return [line for line in text.splitlines()
            if line.startswith(":::") or line in ("## Python", "## R") or "{.python}" in line
            or "@fig-" in line or ".qmd" in line]


def test_rmd_keeps_prose_and_r_only(lesson):
    rmd = ld.to_rmd(lesson)
    assert not markup_leaks(rmd)
    assert "{python}" not in rmd and "x = 1" not in rmd and "Python-only prose" not in rmd
    assert "R-only prose" in rmd and "x <- 1" in rmd and "y <- 2" in rmd
    assert "Intro prose" in rmd and "The end." in rmd and "**One solution**" in rmd
    assert "```python\nshown_only()\n```" in rmd          # shown code stays, as plain markdown
    assert "[lesson 2](02-autograd.Rmd)" in rmd and "(01-tensors.Rmd#try-it)" in rmd


def test_rmd_setup_and_hidden_chunks(lesson):
    rmd = ld.to_rmd(lesson)
    assert rmd.startswith('---\ntitle: "9 · A test lesson"\nsubtitle: "Everything')
    assert "output: html_document" in rmd and "engine: knitr" not in rmd
    assert "`09-test.ipynb`" in rmd                       # says where the Python half is
    # Its own setup (learntorch chooses the Python: LEARNTORCH_PYTHON / RETICULATE_PYTHON) ...
    assert rmd.count("#| label: setup") == 1 and "lt_python_available()" in rmd
    # ... instead of the page's; the check against the Python tab is gone, other hidden R stays.
    assert "same <- function" not in rmd and "py$" not in rmd
    assert "helper <- 2" in rmd
    # Figures are numbered in page order, and references say so.
    assert '#| fig-cap: "Figure 1: Points, drawn with ggplot2."' in rmd
    assert "As Figure 1 shows" in rmd and '#| fig-alt: "Dots."' in rmd


def test_notebook_keeps_prose_and_python_only(lesson):
    pytest.importorskip("nbformat")
    nb, figures = ld.to_notebook(lesson)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert not markup_leaks(md)
    assert "Python-only prose" in md and "R-only prose" not in md and "The end." in md
    assert not any("<-" in c or "library(" in c for c in code)      # no R at all
    assert "x = 1" in code and "y = 2" in code and "hidden_py = 3" in code  # hidden Python runs too
    assert "not_run()" not in code and "```python\nnot_run()\n```" in md    # eval: false is shown
    assert not any("#|" in c for c in code)                         # chunk options stripped
    assert "[lesson 2](02-autograd.ipynb)" in md and "As Figure 1 shows" in md


def test_notebook_setup_header_and_captions(lesson):
    nbformat = pytest.importorskip("nbformat")
    nb, figures = ld.to_notebook(lesson)
    nbformat.validate(nb)
    assert nb.cells[0].source.startswith("# 9 · A test lesson")
    assert "`09-test.Rmd`" in nb.cells[0].source                   # says where the R half is
    assert nb.cells[1].cell_type == "code" and "import learntorch" in nb.cells[1].source
    assert nb.metadata.kernelspec.name == "python3"
    [n] = figures
    assert nb.cells[n].source == "x = 1"
    assert nb.cells[n + 1].source == "*Figure 1: Points, drawn with matplotlib.*"
    assert [c.id for c in nb.cells] == [f"cell-{i}" for i in range(len(nb.cells))]  # reproducible


@pytest.mark.parametrize("page", ld.lesson_pages())
def test_every_lesson_converts(page, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    written = ld.build([page], tmp_path)
    notebook, rmd = (Path(p) for p in written)
    assert notebook.parent == tmp_path / "docs" and notebook.stem == rmd.stem == Path(page).stem
    nb = nbformat.read(str(notebook), as_version=4)
    nbformat.validate(nb)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    text = rmd.read_text(encoding="utf-8")
    assert not markup_leaks(md) and not markup_leaks(text)
    assert "{python" not in text and "lt_python_available()" in text
    # No hidden check against the Python tab survives (a shown R chunk may use py$ on purpose).
    rmd_chunks = [c for c in ld.parse(rmd).items if isinstance(c, ld.Chunk)]
    assert {c.lang for c in rmd_chunks} == {"r"}
    assert not [c for c in rmd_chunks if c.hidden and "py$" in "\n".join(c.code)]
    assert "import learntorch" in nb.cells[1].source and nb.cells[1].cell_type == "code"
