"""Each lesson of the site as a Jupyter notebook (Python) and an R Markdown file (R).

    python tools/lesson_downloads.py build OUT [PAGE ...]   write OUT/docs/NN-name.ipynb and .Rmd
    python tools/lesson_downloads.py run [--record CSV] [PAGE ...]
                                 build into a temporary folder, execute every download (notebooks
                                 with nbclient, R Markdown with rmarkdown::render in a fresh R);
                                 exit 1 if any fails. --record writes the seconds each took.

PAGE defaults to every lesson (docs/*.qmd not starting with "_"). tools/render_site.R calls
build() for the site; `make test-downloads` runs `run`.

A lesson page interleaves prose with tabsets whose `## Python` and `## R` tabs hold the two
languages' chunks. The notebook keeps the prose (tab headings and tabset markup removed) and the
Python chunks; the R Markdown file keeps the prose and the R chunks. Hidden R chunks that read
Python objects (`py$...`: the page's cross-language checks) and the page's own R setup chunk are
dropped; each file gets a setup cell of its own. Figures are numbered in page order, so that
`@fig-...` references read "Figure N" in both files.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KERNEL = "learntorch"  # installed into the running Python's prefix (never the user's Jupyter dirs)

CHUNK = re.compile(r"^(`{3,})\s*\{(r|python)\b[^}]*\}\s*$")
FENCE = re.compile(r"^(`{3,}|~{3,})")
DIV_OPEN = re.compile(r"^:{3,}\s*\S")
DIV_CLOSE = re.compile(r"^:{3,}\s*$")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*$")
OPTION = re.compile(r"^#\|\s*([\w.-]+)\s*:\s*(.*?)\s*$")
CALLOUT = re.compile(r"\.callout-(\w+)")
TITLE = re.compile(r'title="([^"]*)"')


@dataclass
class Chunk:
    lang: str                       # "r" or "python"
    header: str                     # the opening fence line, as written
    options: dict                   # the `#|` options, values unquoted
    option_lines: list
    code: list
    tab: str | None = None          # "python" / "r" inside that tab of a tabset, else None

    @property
    def label(self) -> str:
        return self.options.get("label", "")

    @property
    def hidden(self) -> bool:
        return self.options.get("include") == "false"

    @property
    def figure_key(self) -> str | None:
        """The name shared by a figure's twins (`fig-x-r` and `x-py` are both `x`)."""
        if "fig-cap" not in self.options and not self.label.startswith("fig-"):
            return None
        key = re.sub(r"^fig-", "", self.label)
        return re.sub(r"-(r|py)$", "", key) or None


@dataclass
class Text:
    lines: list
    tab: str | None = None


@dataclass
class Lesson:
    path: Path
    meta: dict
    items: list = field(default_factory=list)

    @property
    def stem(self) -> str:
        return self.path.stem

    def has_code(self, lang: str) -> bool:
        return any(isinstance(c, Chunk) and c.lang == lang and not c.hidden for c in self.items)

    def figure_numbers(self) -> dict:
        keys = [c.figure_key for c in self.items if isinstance(c, Chunk) and c.figure_key]
        return {key: n for n, key in enumerate(dict.fromkeys(keys), start=1)}


# ---- reading a page ------------------------------------------------------------------------------
def unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse(path: Path) -> Lesson:
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    meta, start = {}, 0
    if lines and lines[0].strip() == "---":
        end = lines.index("---", 1)
        for line in lines[1:end]:  # only the flat keys the downloads need (title, subtitle)
            m = re.match(r"^(\w+):\s*(.+)$", line)
            if m:
                meta[m.group(1)] = unquote(m.group(2).strip())
        start = end + 1
    lesson = Lesson(Path(path), meta)
    divs = []  # stack of {"kind": "tabset"|"callout"|"other", "tab": str|None}

    def tab():  # the language of the innermost tabset's current tab; None outside or in other tabs
        for div in reversed(divs):
            if div["kind"] == "tabset":
                return div["tab"] if div["tab"] in ("python", "r") else None
        return None

    def text(*new):
        lesson.items.append(Text(list(new), tab()))

    i = start
    while i < len(lines):
        line = lines[i]
        chunk, fence = CHUNK.match(line), FENCE.match(line)
        if chunk or fence:
            ticks = (chunk or fence).group(1)
            j = i + 1
            while j < len(lines) and not lines[j].startswith(ticks[0] * len(ticks)):
                j += 1
            body = lines[i + 1:j]
            if chunk:
                n = 0
                while n < len(body) and OPTION.match(body[n]):
                    n += 1
                options = {m.group(1): unquote(m.group(2)) for m in map(OPTION.match, body[:n])}
                lesson.items.append(Chunk(chunk.group(2), line, options, body[:n], body[n:], tab()))
            else:  # a code block shown, not run: ```{.python} becomes ```python
                text(re.sub(r"^(`{3,})\{\.([\w+-]+)[^}]*\}\s*$", r"\1\2", line), *body, ticks)
            i = j + 1
            continue
        if DIV_CLOSE.match(line) and divs:
            divs.pop()
            text("")
        elif DIV_OPEN.match(line):
            if "panel-tabset" in line:
                divs.append({"kind": "tabset", "tab": None})
            elif CALLOUT.search(line):
                divs.append({"kind": "callout", "tab": None})
                title = TITLE.search(line)
                text("", f"**{title.group(1) if title else CALLOUT.search(line).group(1).title()}**", "")
            else:
                divs.append({"kind": "other", "tab": None})
        elif HEADING.match(line) and divs and divs[-1]["kind"] == "tabset":
            divs[-1]["tab"] = HEADING.match(line).group(1).strip().lower()
        else:
            text(line)
        i += 1
    return lesson


# ---- writing the two downloads -------------------------------------------------------------------
def prose(lines: list, lesson: Lesson, ext: str) -> list:
    """Quarto-only markup in prose: `@fig-x` references and links to other pages' .qmd."""
    numbers = lesson.figure_numbers()

    def ref(m):
        key = re.sub(r"-(r|py)$", "", re.sub(r"^fig-", "", m.group(1)))
        return f"Figure {numbers[key]}" if key in numbers else "the figure"

    out = []
    for line in lines:
        line = re.sub(r"@(fig-[\w-]*\w)", ref, line)
        line = re.sub(r"\]\(([\w./-]+?)\.qmd(#[\w-]+)?\)", lambda m: f"]({m.group(1)}{ext}{m.group(2) or ''})", line)
        out.append(line)
    return out


def tidy(lines: list) -> str:
    """Join markdown lines: no leading/trailing blank lines, no runs of blank lines."""
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines))
    return text.strip("\n")


def caption(chunk: Chunk, numbers: dict) -> str | None:
    cap = chunk.options.get("fig-cap")
    if cap is None:
        return None
    return f"Figure {numbers[chunk.figure_key]}: {cap}" if chunk.figure_key in numbers else cap


def for_language(item, lang: str) -> bool:
    return item.tab in (None, lang)


def to_notebook(lesson: Lesson):
    """The Python half as an nbformat notebook; also returns the indices of the figure cells."""
    import nbformat.v4 as v4

    numbers = lesson.figure_numbers()
    title, subtitle = lesson.meta.get("title", lesson.stem), lesson.meta.get("subtitle")
    half = ("its prose and its Python code" if lesson.has_code("python")
            else "its prose (the lesson has no Python code)")
    head = [f"# {title}", ""] + ([f"*{subtitle}*", ""] if subtitle else []) + [
        f"> The Python half of this lesson of the learntorch tutorial: {half}. "
        f"The R version is the R Markdown file `{lesson.stem}.Rmd`, linked from the same page."]
    cells = [v4.new_markdown_cell(tidy(head))]
    cells.append(v4.new_code_cell(
        "# Setup: this notebook needs Python with torch and the learntorch package\n"
        "# (`pip install -e .` in a clone of the learntorch repository).\n"
        "import learntorch\n"
        'print("learntorch", learntorch.__version__)'))
    figures, md = [], []

    def flush():
        if tidy(md):
            cells.append(v4.new_markdown_cell(tidy(prose(md, lesson, ".ipynb"))))
        md.clear()

    for item in lesson.items:
        if not for_language(item, "python"):
            continue
        if isinstance(item, Text):
            md.extend(item.lines)
        elif item.lang == "python" and item.options.get("eval") == "false":
            md.extend(["```python", *item.code, "```"])
        elif item.lang == "python":
            flush()
            cells.append(v4.new_code_cell(tidy(item.code)))
            cap = caption(item, numbers)
            if cap:
                figures.append(len(cells) - 1)
                cells.append(v4.new_markdown_cell(f"*{cap}*"))
    flush()
    for n, cell in enumerate(cells):  # stable ids: the same page gives the same file
        cell["id"] = f"cell-{n}"
    nb = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    return nb, figures


RMD_SETUP = """\
```{r}
#| label: setup
#| include: false
# learntorch finds its Python as the site does: options(learntorch.python = ...), then the
# LEARNTORCH_PYTHON or RETICULATE_PYTHON variable, a .venv around this folder, then the
# "r-learntorch" virtualenv that install_learntorch() makes.
library(learntorch)
library(reticulate)
stopifnot("learntorch needs a Python with torch: see ?install_learntorch" = lt_python_available())
knitr::opts_chunk$set(warning = FALSE, message = FALSE, comment = "#>", collapse = TRUE)
```"""


def to_rmd(lesson: Lesson) -> str:
    """The R half as R Markdown text."""
    numbers = lesson.figure_numbers()
    head = ["---", f"title: {json.dumps(lesson.meta.get('title', lesson.stem), ensure_ascii=False)}"]
    if lesson.meta.get("subtitle"):
        head.append(f"subtitle: {json.dumps(lesson.meta['subtitle'], ensure_ascii=False)}")
    half = "its prose and its R code" if lesson.has_code("r") else "its prose (the lesson has no R code)"
    head += ["output: html_document", "---", "",
             f"> The R half of this lesson of the learntorch tutorial: {half}. "
             f"The Python version is the notebook `{lesson.stem}.ipynb`, linked from the same page.",
             "", RMD_SETUP, ""]
    out, md = list(head), []
    for item in lesson.items:
        if not for_language(item, "r"):
            continue
        if isinstance(item, Text):
            md.extend(item.lines)
            continue
        if item.lang != "r" or (item.hidden and (item.label == "setup" or "py$" in "\n".join(item.code))):
            continue  # Python, the page's own setup, or a check against the Python tab
        out.extend(prose(md, lesson, ".Rmd"))
        md.clear()
        options = [f'#| fig-cap: {json.dumps(caption(item, numbers), ensure_ascii=False)}'
                   if OPTION.match(o).group(1) == "fig-cap" else o for o in item.option_lines]
        out.extend(["", item.header, *options, *item.code, CHUNK.match(item.header).group(1), ""])
    out.extend(prose(md, lesson, ".Rmd"))
    return tidy(out) + "\n"


def lesson_pages() -> list:
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.qmd") if not p.name.startswith("_"))


def build(pages=None, out_dir=ROOT / "_site") -> list:
    """Write each page's .ipynb and .Rmd beside where its HTML goes; returns the files written."""
    import nbformat

    written = []
    for page in pages or lesson_pages():
        source = Path(page) if Path(page).is_absolute() else ROOT / page
        lesson = parse(source)
        folder = Path(out_dir) / (Path(page).parent if not Path(page).is_absolute() else "")
        folder.mkdir(parents=True, exist_ok=True)
        nb, _ = to_notebook(lesson)
        nbformat.validate(nb)
        nbformat.write(nb, str(folder / f"{lesson.stem}.ipynb"))
        (folder / f"{lesson.stem}.Rmd").write_text(to_rmd(lesson), encoding="utf-8")
        written += [str(folder / f"{lesson.stem}.ipynb"), str(folder / f"{lesson.stem}.Rmd")]
    return written


# ---- executing them ------------------------------------------------------------------------------
def ensure_kernel() -> None:
    """A kernelspec for this Python, in its own prefix; JUPYTER_PATH makes it the one found."""
    data = Path(sys.prefix) / "share" / "jupyter"
    if not (data / "kernels" / KERNEL / "kernel.json").exists():
        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", KERNEL,
                        "--display-name", "Python (learntorch)"], check=True, stdout=subprocess.DEVNULL)
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(data), os.environ.get("JUPYTER_PATH")]))


def run_notebook(lesson: Lesson, folder: Path) -> str | None:
    """Execute the notebook top to bottom in a fresh kernel; None, or what went wrong."""
    import nbclient
    from nbclient.exceptions import CellExecutionError
    from traitlets.config import Config

    nb, figures = to_notebook(lesson)
    config = Config()
    config.KernelManager.transport = "ipc"  # local sockets, not TCP ports (and no warning about it)
    config.KernelManager.ip = str(folder / "kernel")  # absolute: the kernel runs in `folder`
    client = nbclient.NotebookClient(nb, kernel_name=KERNEL, timeout=900, startup_timeout=180,
                                     config=config, resources={"metadata": {"path": str(folder)}})
    try:
        client.execute()
    except CellExecutionError as e:  # the last line of its traceback: "ValueError: ..."
        last = re.sub(r"\x1b\[[0-9;]*m", "", str(e).strip().splitlines()[-1])  # no terminal colours
        return last[:300] + f" (see {folder})"
    except Exception as e:  # the kernel did not start, or died
        return f"{type(e).__name__}: {e}"
    finally:
        import nbformat
        nbformat.write(nb, str(folder / f"{lesson.stem}.executed.ipynb"))
    blank = [n for n in figures if not any("image/png" in o.get("data", {}) for o in nb.cells[n].outputs)]
    if blank:
        return f"figure cells drew nothing: {blank}"
    return None


def run_rmd(lesson: Lesson, folder: Path, python: str) -> str | None:
    """Knit the R Markdown file in a fresh R; None, or the end of R's output."""
    rmd = folder / f"{lesson.stem}.Rmd"
    rmd.write_text(to_rmd(lesson), encoding="utf-8")
    env = dict(os.environ, LEARNTORCH_PYTHON=python)  # the learner's way of choosing a Python
    env.pop("RETICULATE_PYTHON", None)
    if (ROOT / ".r-lib").is_dir():
        env.setdefault("R_LIBS", str(ROOT / ".r-lib"))  # the R package as `make setup` installed it
    code = "rmarkdown::render(commandArgs(TRUE)[1], quiet = TRUE, envir = new.env(parent = globalenv()))"
    proc = subprocess.run(["Rscript", "-e", code, str(rmd)], cwd=folder, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-6:])
    return None


def run(pages=None, record=None) -> int:
    ensure_kernel()
    # The kernel should run as in a learner's Jupyter: its own inline plots, no `make`'s Agg,
    # and IPython's profile and Jupyter's runtime files kept out of the user's home.
    os.environ.pop("MPLBACKEND", None)
    scratch = Path(tempfile.mkdtemp(prefix="lesson-downloads-"))
    os.environ.setdefault("IPYTHONDIR", str(scratch / "ipython"))
    os.environ.setdefault("JUPYTER_RUNTIME_DIR", str(scratch / "runtime"))
    rows, failed, started = [], 0, time.perf_counter()
    for page in pages or lesson_pages():
        lesson = parse(ROOT / page if not Path(page).is_absolute() else Path(page))
        row = {"lesson": lesson.stem}
        for kind, runner in (("notebook", lambda f: run_notebook(lesson, f)),
                             ("rmd", lambda f: run_rmd(lesson, f, sys.executable))):
            folder = scratch / f"{lesson.stem}-{kind}"
            folder.mkdir()
            t0 = time.perf_counter()
            problem = runner(folder)
            seconds = time.perf_counter() - t0
            row[f"{kind}_seconds"] = round(seconds, 1)
            failed += problem is not None
            print(f"{'FAIL' if problem else 'PASS'} {page:34s} {kind:9s} {seconds:6.1f} s"
                  + (f"\n       - {problem}" if problem else ""), flush=True)
        rows.append(row)
    total = time.perf_counter() - started
    print(f"downloads: {2 * len(rows) - failed} ran, {failed} failed ({total:.1f} s)")
    if not failed:  # keep the executed files only when there is something to look at
        shutil.rmtree(scratch, ignore_errors=True)
    if record and not failed:
        with open(record, "w", newline="") as f:
            f.write("# Seconds each lesson's downloads took to run from top to bottom (fresh kernel, fresh R),\n"
                    f"# written by `tools/lesson_downloads.py run --record` on {time.strftime('%Y-%m-%d')}.\n")
            writer = csv.DictWriter(f, fieldnames=["lesson", "notebook_seconds", "rmd_seconds"])
            writer.writeheader()
            writer.writerows(rows)
    return 1 if failed else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write the downloads into OUT")
    b.add_argument("out")
    b.add_argument("pages", nargs="*")
    r = sub.add_parser("run", help="execute every download; exit 1 if one fails")
    r.add_argument("--record", help="write the seconds each took to this CSV (only when all pass)")
    r.add_argument("pages", nargs="*")
    args = parser.parse_args(argv)
    if args.command == "build":
        for path in build(args.pages, args.out):
            print(path)
        return 0
    return run(args.pages, args.record)


if __name__ == "__main__":
    sys.exit(main())
