# Tests for tools/render_site.R: the checks on a page's result, and one real page that fails.
# Run: Rscript tools/test_render_site.R  (uses testthat; takes about 10 s)
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
  expect_true(all(sprintf("docs/%02d", 1:9) %in% substr(pages, 1, 7)))
  for (page in pages) expect_false(is.na(site$expected_figures(site$page_meta(page))))
})

test_that("--check fails, naming the chunk, when a Python chunk raises", {
  broken <- file.path(root, "docs", "_render_site_test_broken.qmd")
  writeLines(c("---", "title: broken", "engine: knitr", "learntorch:", "  figures: 0", "---", "",
               "```{r}", "reticulate::use_python(Sys.getenv('RETICULATE_PYTHON'))", "```", "",
               "```{python}", "#| label: explode", "raise ValueError('on purpose')", "```"), broken)
  on.exit(unlink(broken))
  out <- suppressWarnings(system2(file.path(R.home("bin"), "Rscript"),
                                  c(file.path(root, "tools", "render_site.R"), "--check", "--page",
                                    "docs/_render_site_test_broken.qmd"), stdout = TRUE, stderr = TRUE))
  expect_equal(attr(out, "status"), 1L)
  expect_true(any(grepl("FAIL docs/_render_site_test_broken.qmd", out, fixed = TRUE)))
  expect_true(any(grepl("site: 0 passed, 1 failed", out, fixed = TRUE)))
})
