# lt_launch(): processes started from Python embedded in R (the interpreter and library path
# must be the virtualenv's, not R's), a function defined from R travelling by value, a script.

# Python's multiprocessing and torch's elastic launcher leave pymp-* folders and error files in
# the temporary folder when Python runs inside R (its exit handlers do not run); R CMD check
# counts them as detritus, so the file removes what its launches left.
# So Python's temporary folder is a folder inside R's session one, which R removes at exit.
if (lt_python_available()) {
  py_tempfile <- reticulate::import("tempfile")
  previous <- py_tempfile$tempdir
  py_tmp <- file.path(tempdir(), "python-tmp")
  dir.create(py_tmp, showWarnings = FALSE)
  reticulate::py_set_attr(py_tempfile, "tempdir", py_tmp)
  withr::defer(reticulate::py_set_attr(py_tempfile, "tempdir", previous), testthat::teardown_env())
}

py_train <- function() {
  reticulate::py_run_string(paste(
    "def lt_test_train(epochs, fail=False):",
    "    import learntorch as lt, torch",
    "    if fail and lt.Distributed.detect().rank == 1:",
    "        raise ValueError('rank 1 failed on purpose')",
    "    torch.manual_seed(0)",
    "    model = lt.MLP(2, (8,), 1)",
    "    return lt.fit(model, lt.continuous_xor(300, seed=1), epochs=epochs, batch_size=32, seed=3,",
    "                  optimizer='adam', lr=0.01, valid_fraction=0.2, metrics=['accuracy'], progress=False)",
    sep = "\n"
  ))
  reticulate::import_main(convert = FALSE)$lt_test_train
}

test_that("lt_launch() trains on 2 processes as one process does", {
  skip_if_no_python()
  train <- py_train()
  two <- lt_launch(train, nprocs = 2, args = list(3))
  expect_s3_class(two, "lt_history")
  one <- py_frame(train(3L)$to_frame())
  two <- as.data.frame(two)
  expect_equal(two[, c("epoch", "split", "metric")], one[, c("epoch", "split", "metric")])
  expect_equal(two$value, one$value, tolerance = 1e-6)
  expect_equal(sort(unique(two$metric)), c("accuracy", "loss", "lr"))
})

test_that("lt_launch() runs a script, with command-line arguments", {
  skip_if_no_python()
  script <- tempfile(fileext = ".py")
  out <- tempfile(fileext = ".txt")
  writeLines(c(
    "import sys, torch.distributed as dist",
    "import learntorch as lt",
    "here = lt.Distributed.detect()",
    "if here.is_main:",
    "    open(sys.argv[1], 'w').write(f'{here.world_size} {dist.is_initialized()}')"
  ), script)
  on.exit(unlink(c(script, out)))
  expect_null(lt_launch(script, nprocs = 2, args = out))
  expect_equal(readLines(out, warn = FALSE), "2 True")
})

test_that("lt_launch() reports a failing process's error, and refuses R functions", {
  skip_if_no_python()
  train <- py_train()
  expect_error(lt_launch(train, args = list(1), kwargs = list(fail = TRUE), timeout = 30),
               "rank 1 failed on purpose", class = "lt_python_error")
  expect_error(lt_launch(function() 1), "not an R function", class = "lt_argument_error")
  expect_error(lt_launch(train, kwargs = list(1)), "named list", class = "lt_argument_error")
  expect_error(lt_launch(file.path(tempdir(), "none.py")), "names no Python script", class = "lt_python_error")
})
