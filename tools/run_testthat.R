# Runs tests/testthat against the installed learntorch (R_LIBS=.r-lib). Exits non-zero on any
# failure or error, or when no test ran at all, and ends with one summary line.
args <- commandArgs(trailingOnly = TRUE)
root <- normalizePath(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(),
                                                                     value = TRUE)[1])), ".."))
# Like devtools::test(): skip_on_cran() tests run too.
# A development run has Python: a missing one fails the Python-backed tests instead of
# skipping them, unless the caller says otherwise.
Sys.setenv(NOT_CRAN = "true")
if (!nzchar(Sys.getenv("LEARNTORCH_REQUIRE_PYTHON"))) Sys.setenv(LEARNTORCH_REQUIRE_PYTHON = "1")
filter <- if (length(args)) args[1] else NULL
started <- Sys.time()
results <- testthat::test_dir(
  file.path(root, "tests", "testthat"),
  filter = filter,
  package = "learntorch",
  load_package = "installed",
  reporter = testthat::ProgressReporter$new(show_praise = FALSE),
  stop_on_failure = FALSE
)
frame <- as.data.frame(results)
expectations <- sum(frame$nb)
failed <- sum(frame$failed)
errors <- sum(frame$error)
skipped <- sum(frame$skipped)
tests <- nrow(frame)
cat(sprintf("testthat: %d tests, %d expectations, %d failed, %d errors, %d skipped in %.1f s\n",
            tests, expectations, failed, errors, skipped,
            as.numeric(difftime(Sys.time(), started, units = "secs"))))
if (failed > 0 || errors > 0 || expectations == 0) {
  quit(status = 1)
}
