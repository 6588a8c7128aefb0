# Tests for tools/render_site.R: the checks on a page's result, and one real page that fails;
# the lesson downloads (tools/lesson_downloads.py): written beside the page, linked from it, and
# `make test-downloads` failing on a download that does not run. The converter itself is tested
# in tests/python/test_lesson_downloads.py.
# Run: Rscript tools/test_render_site.R  (uses testthat; takes about 30 s)
library(testthat)

root <- normalizePath(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])), ".."))
site <- new.env()
sys.source(file.path(root, "tools", "render_site.R"), envir = site)  # defines, does not run main()

result <- function(figures = "", expected = 2, status = "ok", errors = "") {
  list(page = "docs/x.qmd", status = status, seconds = 1, expected = expected,
       figures = figures, errors = errors, warnings = 0, slowest = "")
}

test_that("a page with its declared, paired figures passes", {
  chk <- site$check_result(result("boundary-py-1.png fig-boundary-r-1.png"))
  expect_true(chk$ok)
  expect_equal(chk$n_figs, 2)
})

test_that("a missing figure, a missing twin, or a chunk error fails the page", {
  chk <- site$check_result(result("boundary-py-1.png"))
  expect_false(chk$ok)
  expect_match(paste(chk$problems, collapse = " "), "drew 1 figures, expected 2")
  expect_match(paste(chk$problems, collapse = " "), "without its twin.*boundary")
  expect_false(site$check_result(result("a-1.png b-1.png", errors = "chunk 'x': boom"))$ok)
  expect_false(site$check_result(result("a-1.png b-1.png", status = "object 'y' not found"))$ok)
  expect_false(site$check_result(result("a-1.png b-1.png", expected = NA))$ok)
})

test_that("the site lists index.qmd and every lesson, in order", {
  pages <- site$site_pages()
  expect_equal(pages[1], "index.qmd")
  lessons <- file.path("docs", sort(basename(Sys.glob(file.path(root, "docs", "[0-9][0-9]-*.qmd")))))
  expect_gte(length(lessons), 9)
  expect_equal(pages[-1][pages[-1] %in% lessons], lessons)  # every lesson, in file order
  for (page in pages) expect_false(is.na(site$expected_figures(site$page_meta(page))))
})

test_that("a figure without a caption or without alt text of its own fails the page", {
  fig <- function(alt, caption = NULL) {
    c('<div class="figure">', sprintf('<img src="p_files/figure-html/x-py-1.png"%s width="3" />',
                                      if (is.null(alt)) "" else sprintf(' alt="%s"', alt)),
      if (!is.null(caption)) c('<p class="caption">', caption, "</p>"), "</div>")
  }
  expect_equal(site$figure_problems(fig("Blue dots.", "<strong>Figure 1:</strong> Dots,\ndrawn.")),
               character())
  expect_match(site$figure_problems(fig("Blue dots.")), "x-py-1.png has no caption")
  expect_match(site$figure_problems(fig(NULL, "Dots.")), "x-py-1.png has no alt text")
  # knitr copies the caption into alt when fig-alt is missing: that is not alt text.
  expect_match(site$figure_problems(fig("Dots.", "<strong>Figure 2:</strong> Dots.")), "no alt text")
  expect_equal(site$figure_problems("<p>no figures</p>"), character())
})

test_that("each lesson page links its notebook and R Markdown file; index does not", {
  md <- tempfile(fileext = ".md")
  writeLines(c("# A lesson", "", "Text."), md)
  for (name in c("04-xor", "index")) {
    html <- file.path(tempdir(), paste0(name, ".html"))
    system2(rmarkdown::pandoc_exec(), c(md, "--lua-filter", file.path(root, "tools", "downloads.lua"),
                                        "-o", html))
    page <- paste(readLines(html), collapse = " ")
    has <- grepl('href="04-xor.ipynb"', page, fixed = TRUE) && grepl('href="04-xor.Rmd"', page, fixed = TRUE)
    expect_equal(has, name != "index")
  }
})

test_that("--check fails, naming the chunk, when a Python chunk raises", {
  broken <- file.path(root, "docs", "_render_site_test_broken.qmd")
  writeLines(c("---", "title: broken", "engine: knitr", "learntorch:", "  figures: 0", "---", "",
               "```{r}", "reticulate::use_python(Sys.getenv('RETICULATE_PYTHON'))", "```", "",
               "```{python}", "#| label: explode", "raise ValueError('on purpose')", "```"), broken)
  on.exit(unlink(broken))
  out_dir <- tempfile("site-check")
  out <- suppressWarnings(system2(file.path(R.home("bin"), "Rscript"),
                                  c(file.path(root, "tools", "render_site.R"), "--check", "--page",
                                    "docs/_render_site_test_broken.qmd", "--out", out_dir),
                                  stdout = TRUE, stderr = TRUE))
  expect_equal(attr(out, "status"), 1L)
  expect_true(any(grepl("FAIL docs/_render_site_test_broken.qmd", out, fixed = TRUE)))
  expect_true(any(grepl("site: 0 passed, 1 failed", out, fixed = TRUE)))
  # The build still writes the page's downloads beside where its HTML goes.
  expect_true(file.exists(file.path(out_dir, "docs", "_render_site_test_broken.ipynb")))
  expect_true(file.exists(file.path(out_dir, "docs", "_render_site_test_broken.Rmd")))
})

test_that("make test-downloads fails when a lesson's notebook or R Markdown file does not run", {
  page <- file.path(tempfile("downloads"), "99-broken.qmd")
  dir.create(dirname(page))
  writeLines(c("---", "title: broken", "engine: knitr", "---", "", "Prose.", "",
               "::: {.panel-tabset group=\"language\"}", "## Python", "", "```{python}",
               "raise ValueError('on purpose in Python')", "```", "", "## R", "", "```{r}",
               "stop('on purpose in R')", "```", ":::"), page)
  python <- Sys.getenv("RETICULATE_PYTHON", file.path(root, ".venv", "bin", "python"))
  # LD_LIBRARY_PATH cleared: a Python started from R would otherwise load R's libpython.
  out <- suppressWarnings(system2(python, c(file.path(root, "tools", "lesson_downloads.py"), "run", page),
                                  stdout = TRUE, stderr = TRUE, env = "LD_LIBRARY_PATH="))
  expect_equal(attr(out, "status"), 1L)
  expect_true(any(grepl("FAIL .*99-broken.qmd +notebook", out)))
  expect_true(any(grepl("ValueError: on purpose in Python", out, fixed = TRUE)))
  expect_true(any(grepl("FAIL .*99-broken.qmd +rmd", out)))
  expect_true(any(grepl("on purpose in R", out, fixed = TRUE)))
  expect_true(any(grepl("downloads: 0 ran, 2 failed", out, fixed = TRUE)))
})
