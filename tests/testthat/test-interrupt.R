# Ctrl-C in R after lt_fit(): fit swaps SIGINT's handler while it trains and must put R's own back
# exactly (Python's signal module cannot restore a handler set in C; see InterruptHandler). Run in
# a separate R process, so that the interrupts sent never reach the test runner.
test_that("Ctrl-C still interrupts R code after lt_fit()", {
  skip_if_no_python()
  skip_on_os("windows")
  script <- tempfile(fileext = ".R")
  on.exit(unlink(script), add = TRUE)
  writeLines(c(
    "library(learntorch)",
    "ctrl_c <- function() tryCatch({",
    "  tools::pskill(Sys.getpid(), tools::SIGINT)",
    "  for (i in 1:3e7) if (i %% 1e6 == 0) Sys.sleep(0)",
    "  'not interrupted'",
    "}, interrupt = function(e) 'interrupted')",
    "cat('before', ctrl_c(), '\\n')",
    "invisible(lt_fit(lt_simple_classifier(2, 4, 1), lt_continuous_xor(100, seed = 1), epochs = 2))",
    "cat('after', ctrl_c(), '\\n')"
  ), script)
  out <- system2(file.path(R.home("bin"), "Rscript"), script, stdout = TRUE, stderr = TRUE)
  expect_true(any(grepl("before interrupted", out)), info = paste(out, collapse = "\n"))
  expect_true(any(grepl("after interrupted", out)), info = paste(out, collapse = "\n"))
})
