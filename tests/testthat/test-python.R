test_that("Python is found and the module loads", {
  skip_if_no_python()
  expect_true(lt_python_available())
  expect_true(reticulate::py_module_available("torch"))
})

test_that("Python error messages lose the traceback and the type prefix", {
  clean <- learntorch:::clean_python_message
  expect_equal(clean("ValueError: `size` must be a positive integer, got -5\n"),
               "`size` must be a positive integer, got -5")
  # current reticulate
  expect_equal(
    clean("ValueError: `lr` must be positive\nRun `reticulate::py_last_error()` for details."),
    "`lr` must be positive"
  )
  # older reticulate
  expect_equal(
    clean("TypeError: bad `x`\n\nDetailed traceback:\n  File \"a.py\", line 1, in f\n"),
    "bad `x`"
  )
  expect_equal(clean("learntorch.training.TrainingDiverged: loss became nan"),
               "loss became nan")
})

test_that("a Python exception becomes a short classed R error naming the argument", {
  skip_if_no_python()
  err <- tryCatch(lt_fit(lt_simple_classifier(), lt_continuous_xor(10, seed = 1), epochs = 1,
                         optimizer = "nope"),
                  error = identity)
  expect_s3_class(err, "lt_python_error")
  expect_match(conditionMessage(err), "^`optimizer` must be one of")
  expect_false(grepl("Traceback|File \"", conditionMessage(err)))
  expect_equal(err$python_type, "ValueError")
  expect_match(deparse(conditionCall(err))[1], "^lt_fit\\(")
})

test_that("R-side argument errors stop before Python and name the argument", {
  err <- tryCatch(lt_continuous_xor("many"), error = identity)
  expect_s3_class(err, "lt_argument_error")
  expect_match(conditionMessage(err), "`size` must be a whole number, not a character string")
  expect_error(lt_continuous_xor(-5), "`size` must be a whole number >= 1, not -5")
  expect_error(lt_continuous_xor(2.5), "`size` must be a whole number, not 2.5")
  expect_error(lt_continuous_xor(NA), "`size`")
  expect_error(lt_two_moons(10, noise = Inf), "`noise` must be a single finite number")
})

test_that("converters return what Python expects", {
  expect_identical(learntorch:::as_count(100, "epochs"), 100L)
  expect_identical(learntorch:::as_count(0, "epochs", min = 0), 0L)
  expect_null(learntorch:::as_count(NULL, "n", null_ok = TRUE))
  expect_null(learntorch:::as_seed(NULL))
  expect_identical(learntorch:::as_number(1L, "lr"), 1)
  expect_identical(learntorch:::as_labels(factor(c("b", "a", "b"))), c(1L, 0L, 1L))
  expect_identical(learntorch:::as_labels(c(TRUE, FALSE)), c(1L, 0L))
  expect_identical(learntorch:::as_labels(c("yes", "no")), c(1L, 0L))
  expect_error(learntorch:::as_flag("yes", "shuffle"), "`shuffle` must be TRUE or FALSE")
  expect_error(learntorch:::as_names(1:2, "x"), "`x` must be a character vector")
  expect_identical(learntorch:::as_choice("b", "mode", c("a", "b")), "b")
  expect_error(learntorch:::as_choice("z", "mode", c("a", "b", "c")),
               "`mode` must be \"a\", \"b\" or \"c\", not \"z\".", fixed = TRUE)
  expect_error(learntorch:::as_choice(1, "mode", "a"), "`mode` must be a single string")
  expect_true(learntorch:::is_labels(factor("a")))
  expect_false(learntorch:::is_labels(c(0, 1)))
})

test_that("library(learntorch) does not start Python", {
  skip_on_cran()
  code <- paste0(".libPaths(", paste(deparse(.libPaths()), collapse = ""), "); ",
                 "library(learntorch); cat(reticulate::py_available(initialize = FALSE))")
  out <- system2(file.path(R.home("bin"), "Rscript"), c("-e", shQuote(code)), stdout = TRUE)
  expect_identical(utils::tail(out, 1), "FALSE")
})

test_that("R values become tensors of the right dtype", {
  skip_if_no_python()
  to_tensor <- learntorch:::as_tensor
  m <- matrix(c(1, 2, 3, 4, 5, 6), nrow = 2)
  t <- to_tensor(m, "x")
  expect_equal(reticulate::py_str(t$dtype), "torch.float32")
  expect_equal(py_value(t$shape$`__getitem__`(0L)), 2L)
  expect_equal(learntorch:::tensor_to_r(t), m)
  labels <- to_tensor(learntorch:::as_labels(factor(c("a", "b", "a"))), "y", dtype = "int64")
  expect_equal(reticulate::py_str(labels$dtype), "torch.int64")
  expect_identical(learntorch:::tensor_to_r(labels), c(0L, 1L, 0L))
  df <- data.frame(a = 1:2, b = c(0.5, 1.5))
  expect_equal(learntorch:::tensor_to_r(to_tensor(df, "x")), unname(as.matrix(df)))
  expect_error(to_tensor(data.frame(a = "x"), "x"), "`x` must hold numeric columns only")
  expect_error(to_tensor(c(1, NA), "x"), "`x` contains missing values")
  expect_error(to_tensor(c("a", "b"), "x"), "`x` must be numeric")
})

test_that("pandas frames become plain data.frames with R column types", {
  skip_if_no_python()
  ns <- py_eval_lt(paste(
    "import pandas as pd",
    "f = pd.DataFrame({'i': np.array([1, 2], dtype='int64'), 'x': [0.5, 1.5],",
    "                  's': ['a', 'b'], 'b': [True, False]})",
    "empty = pd.DataFrame({'s': pd.Series([], dtype=object)})",
    sep = "\n"
  ))
  df <- py_frame(reticulate::py_get_item(ns, "f"))
  expect_identical(df, data.frame(i = 1:2, x = c(0.5, 1.5), s = c("a", "b"), b = c(TRUE, FALSE)))
  expect_null(attr(df, "pandas.index"))
  expect_identical(nrow(py_frame(reticulate::py_get_item(ns, "empty"))), 0L)
})

test_that("Python is looked for in the option, the variable, then the source tree", {
  old <- options(learntorch.python = "/opt/py/bin/python")
  on.exit(options(old))
  expect_equal(learntorch:::find_python(), "/opt/py/bin/python")
  options(learntorch.python = NULL)
  withr_env <- Sys.getenv("LEARNTORCH_PYTHON", unset = NA)
  Sys.setenv(LEARNTORCH_PYTHON = "/env/python")
  on.exit(if (is.na(withr_env)) Sys.unsetenv("LEARNTORCH_PYTHON") else
    Sys.setenv(LEARNTORCH_PYTHON = withr_env), add = TRUE)
  expect_equal(learntorch:::find_python(), "/env/python")

  root <- file.path(tempfile("repo"), "sub")
  dir.create(file.path(dirname(root), "python", "learntorch"), recursive = TRUE)
  dir.create(root)
  file.create(file.path(dirname(root), "python", "learntorch", "__init__.py"))
  writeLines(c("[project]", 'name = "learntorch"'), file.path(dirname(root), "pyproject.toml"))
  expect_equal(learntorch:::find_repo_root(root), normalizePath(dirname(root)))
  expect_null(learntorch:::find_repo_root(tempdir()))
  unlink(dirname(root), recursive = TRUE)
})

test_that("the missing-Python message says how to fix it", {
  msg <- learntorch:::python_missing_message(simpleError("ModuleNotFoundError: No module"))
  expect_match(msg, "install_learntorch()", fixed = TRUE)
  expect_match(msg, "learntorch.python")
  expect_match(msg, "LEARNTORCH_PYTHON")
  expect_match(msg, "No module")
})

test_that("install_learntorch() reports its plan and pins torch", {
  said <- character()
  plan <- withCallingHandlers(
    install_learntorch(package = "/src/learntorch", dry_run = TRUE),
    message = function(m) {
      said <<- c(said, conditionMessage(m))
      invokeRestart("muffleMessage")
    }
  )
  expect_match(said[1], "torch==2.13.0", fixed = TRUE)
  expect_match(said[2], "dry run, nothing installed")
  expect_equal(plan$envname, "r-learntorch")
  expect_true("torch==2.13.0" %in% plan$packages)
  expect_equal(tail(plan$packages, 1), "/src/learntorch")
  if (utils::packageVersion("reticulate") < "1.41") {
    expect_true(all(c("numpy<2", "pandas<3") %in% plan$packages))
  }
  expect_error(install_learntorch(envname = 3, dry_run = TRUE), "`envname` must be a single string")
})

test_that("progress bars are off under testthat and knitr", {
  expect_false(learntorch:::progress_default())
  old <- options(knitr.in.progress = TRUE)
  on.exit(options(old))
  expect_false(learntorch:::progress_default())
})
