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

test_that("Python's messages read in R's syntax", {
  r_syntax <- learntorch:::r_syntax
  expect_equal(r_syntax("`optimizer` must be one of ['adam', 'sgd'], got 'adamm'."),
               "`optimizer` must be one of c(\"adam\", \"sgd\"), got \"adamm\".")
  expect_equal(r_syntax("got None, True, False, nan and -inf"), "got NULL, TRUE, FALSE, NaN and -Inf")
  expect_equal(r_syntax("`x` is [1.0, 2.5] and [[1, 2], [3, 4]] or []"),
               "`x` is c(1, 2.5) and c(c(1, 2), c(3, 4)) or c()")
  # apostrophes in words, index brackets and intervals stay
  expect_equal(r_syntax("the model's classes ['a']"), "the model's classes c(\"a\")")
  expect_equal(r_syntax("x[0] in [0, 2**32) and [linear1.bias]"), "x[0] in [0, 2**32) and [linear1.bias]")
  expect_equal(r_syntax("got float"), "got a number")
  expect_equal(r_syntax("EarlyStopping cannot monitor it: pass `valid` to fit"),
               "lt_early_stopping() cannot monitor it: pass `valid` to lt_fit()")
})

test_that("errors come through cli, name the R function, and suggest near misses", {
  skip_if_no_python()
  err <- tryCatch(lt_continuous_xor("many"), error = identity)
  expect_s3_class(err, c("lt_python_error", "rlang_error"))
  expect_identical(conditionCall(err), quote(lt_continuous_xor("many")))
  expect_equal(conditionMessage(err), "`size` must be a positive integer, got \"many\"")
  # a near miss is a hint bullet
  err <- tryCatch(lt_fit(lt_simple_classifier(), lt_continuous_xor(10, seed = 1), epochs = 1,
                         optimizer = "adamm"), error = identity)
  expect_match(conditionMessage(err), "got \"adamm\".\n.*Did you mean \"adam\"\\?$")
  # R's own errors too
  err <- tryCatch(lt_fit(lt_simple_classifier(), lt_continuous_xor(10, seed = 1), epoch = 1),
                  error = identity)
  expect_s3_class(err, c("lt_argument_error", "rlang_error"))
  expect_match(conditionMessage(err), "`lt_fit\\(\\)` has no argument `epoch`.\n.*Did you mean `epochs`\\?")
  # braces in a message are text, not cli markup
  expect_error(learntorch:::abort("a {dict} and {{x}}"), "a \\{dict\\} and \\{\\{x\\}\\}")
})

test_that("converters change types, never judge values", {
  expect_identical(learntorch:::as_count(100, "epochs"), 100L)
  expect_identical(learntorch:::as_whole(0), 0L)
  expect_identical(learntorch:::as_whole(-3, "n"), -3L)  # the range is Python's to check
  expect_null(learntorch:::as_whole(NULL))
  expect_null(learntorch:::as_seed(NULL))
  expect_identical(learntorch:::as_number(1L, "lr"), 1)
  # what R cannot convert goes to Python as it is, for Python's message
  expect_identical(learntorch:::as_whole(2.5, "n"), 2.5)
  expect_identical(learntorch:::as_whole("many"), "many")
  expect_identical(learntorch:::as_flag("yes", "shuffle"), "yes")
  expect_identical(learntorch:::as_names(1:2, "x"), 1:2)
  expect_identical(learntorch:::as_names("a"), list("a"))
  # NA of any type is NaN (reticulate would send a logical NA as True)
  expect_identical(learntorch:::as_whole(NA), NaN)
  expect_identical(learntorch:::as_flag(NA), NaN)
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
  labels <- to_tensor(c(0L, 1L, 0L), "y", dtype = "int64")
  expect_equal(reticulate::py_str(labels$dtype), "torch.int64")
  expect_identical(learntorch:::tensor_to_r(labels), c(0L, 1L, 0L))
  df <- data.frame(a = 1:2, b = c(0.5, 1.5))
  expect_equal(learntorch:::tensor_to_r(to_tensor(df, "x")), unname(as.matrix(df)))
  expect_error(to_tensor(data.frame(a = "x"), "x"), "`x` must hold numeric columns only")
  expect_error(to_tensor(c(1, NA), "x"), "`x` contains missing values")
  expect_error(to_tensor(c("a", "b"), "x"), "`x` must be numeric")
})

test_that("labels by name are encoded by Python: a factor in level order, names sorted", {
  skip_if_no_python()
  as_labels <- learntorch:::as_labels
  expect_identical(as_labels(factor(c("b", "a", "b"))), c(1L, 0L, 1L))
  expect_identical(as_labels(factor(c("b", "a", "b"), levels = c("b", "a"))), c(0L, 1L, 0L))
  expect_identical(as_labels(c(TRUE, FALSE)), c(1L, 0L))
  expect_identical(as_labels(c("yes", "no")), c(1L, 0L))
  expect_identical(as_labels(c(2, 0)), c(2, 0))
  expect_error(as_labels(factor(c("a", NA))), "missing values")
})

test_that("R vectors and data.frames become pandas values with their levels and NAs", {
  skip_if_no_python()
  f <- factor(c("lo", "hi", NA, "hi"), levels = c("lo", "mid", "hi"))
  cat <- learntorch:::as_py_vector(f)
  expect_equal(reticulate::py_str(reticulate::py_get_attr(cat, "categories")$tolist()),
               "['lo', 'mid', 'hi']")
  expect_identical(learntorch:::categorical_to_factor(cat), f)  # and back, levels and NA kept
  df <- data.frame(a = c(1.5, 2, 3, 4), i = c(1L, NA, 3L, 4L), f = f,
                   s = c("x", NA, "y", "z"), b = c(TRUE, NA, FALSE, TRUE))
  frame <- learntorch:::as_py_frame(df)
  dtypes <- reticulate::py_to_r(frame$dtypes$astype("str")$tolist())
  expect_equal(unlist(dtypes), c("float64", "float64", "category", "object", "object"))
  # reticulate's own conversion would turn the NA into "NA" and True
  expect_equal(unlist(reticulate::py_to_r(frame$isna()$sum()$tolist())), c(0L, 1L, 1L, 1L, 1L))
  back <- py_frame(frame)
  expect_identical(back$f, f)
  expect_identical(back$s, df$s)
  expect_equal(back$i, df$i)
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

# Naming parity: every lt_* with a Python twin has the twin's argument names, in its order, and
# its defaults. Python's `lt.fit` is `lt_fit`; a class `lt.SimpleClassifier` is
# `lt_simple_classifier`; **kwargs is R's `...`.
test_that("lt_* functions have their Python twin's arguments and defaults", {
  skip_if_no_python()
  lt <- learntorch:::lt_raw()
  inspect <- reticulate::import("inspect", convert = FALSE)
  builtins <- reticulate::import_builtins(convert = FALSE)
  operator <- reticulate::import("operator", convert = FALSE)
  # Twins whose name does not follow the rule.
  renamed <- c(lt_seed = "seed_everything", lt_mlp = "MLP", lt_csv_logger = "CSVLogger")
  # R-only arguments (R conveniences), and Python-only ones: matplotlib's axes and figure
  # options, which the ggplot2 twins have no use for.
  # lt_callback() builds a callback from R functions, where Python subclasses Callback.
  r_only <- list(lt_fit = c("data", "na.action"), lt_evaluate = "na.action",
                 lt_confusion_matrix = "na.action", lt_plot_confusion = "data",
                 .plots = "legend_position",
                 lt_callback = c("on_fit_begin", "on_epoch_begin", "on_batch_end",
                                 "on_epoch_end", "on_fit_end"))
  py_only <- list(.plots = c("ax", "fig", "figure", "cmap", "panel_size"),
                  # Known drift outside the R wrappers' current scope: report, don't hide.
                  lt_read_idx = c("classes", "name"), lt_read_cifar10_binary = c("classes", "name"),
                  lt_save = "metadata",
                  # Python's LivePlot hands each frame to a display function; R draws in its
                  # own graphics device.
                  lt_live_plot = "show")
  # Python arguments without a default that R may default (lt_fit's data can replace train).
  r_default_ok <- list(lt_fit = "train")

  camel <- function(x) {
    parts <- strsplit(x, "_")[[1]]
    paste0(toupper(substring(parts, 1, 1)), substring(parts, 2), collapse = "")
  }
  twin_of <- function(fn) {
    name <- sub("^lt_", "", fn)
    for (candidate in c(renamed[fn], name, camel(name))) {
      if (!is.na(candidate) && reticulate::py_to_r(builtins$hasattr(lt, candidate))) {
        twin <- reticulate::py_get_attr(lt, candidate)
        # a function or class; not a submodule that shares the name (lt_exercises)
        if (reticulate::py_to_r(builtins$callable(twin))) return(twin)
      }
    }
    NULL
  }
  same_default <- function(py_default, r_default) {
    r_value <- eval(r_default, asNamespace("learntorch"))
    if (inherits(py_default, "torch.dtype")) {  # R names dtypes by string: "float32"
      return(identical(r_value, sub("^torch\\.", "", reticulate::py_str(py_default))))
    }
    value <- reticulate::py_to_r(py_default)
    if (is.list(value) || is.list(r_value)) {
      value <- unlist(value)
      r_value <- unlist(r_value)
    }
    if (is.null(value) || is.null(r_value)) return(is.null(value) && is.null(r_value))
    isTRUE(all.equal(value, r_value, check.attributes = FALSE))
  }

  problems <- character()
  checked <- character()
  for (fn in sort(grep("^lt_", getNamespaceExports("learntorch"), value = TRUE))) {
    twin <- twin_of(fn)
    if (is.null(twin)) next
    checked <- c(checked, fn)
    plot <- startsWith(fn, "lt_plot_")
    params <- inspect$signature(twin)$parameters
    py_names <- as.character(unlist(reticulate::py_to_r(builtins$list(params$keys()))))
    formals_r <- formals(get(fn, asNamespace("learntorch")))
    allowed_py <- c(py_only[[fn]], if (plot) py_only$.plots)
    allowed_r <- c(r_only[[fn]], if (plot) r_only$.plots)
    for (name in setdiff(py_names, allowed_py)) {
      param <- reticulate::py_get_item(params, name)
      kind <- reticulate::py_to_r(builtins$str(param$kind))
      r_name <- if (kind == "VAR_KEYWORD") "..." else name
      if (!r_name %in% names(formals_r)) {
        problems <- c(problems, paste0(fn, "(): no `", r_name, "`"))
        next
      }
      if (r_name == "...") next
      empty <- reticulate::py_to_r(operator$is_(param$default, param$empty))
      r_missing <- identical(formals_r[[r_name]], quote(expr = ))
      if (empty && !r_missing && !name %in% r_default_ok[[fn]]) {
        problems <- c(problems, paste0(fn, "(): `", name, "` has a default; Python's has none"))
      } else if (!empty && r_missing) {
        problems <- c(problems, paste0(fn, "(): `", name, "` lacks Python's default ",
                                       reticulate::py_str(param$default)))
      } else if (!empty && !same_default(param$default, formals_r[[r_name]])) {
        problems <- c(problems, paste0(fn, "(): `", name, "` defaults to ",
                                       deparse(formals_r[[r_name]]), ", Python's to ",
                                       reticulate::py_str(param$default)))
      }
    }
    # Python's keyword-only arguments (after `*`) follow R's `...`, so that R does not
    # partially match them (`epoch = 5` would silently be `epochs`).
    kinds <- vapply(py_names, function(name) {
      reticulate::py_to_r(builtins$str(reticulate::py_get_item(params, name)$kind))
    }, character(1))
    keyword_only <- intersect(py_names[kinds == "KEYWORD_ONLY"], names(formals_r))
    if (length(keyword_only) && !("..." %in% names(formals_r) &&
        match("...", names(formals_r)) < match(keyword_only[[1]], names(formals_r)))) {
      problems <- c(problems, paste0(fn, "(): `...` must come before `", keyword_only[[1]],
                                     "`, keyword-only in Python"))
    }
    extra <- setdiff(names(formals_r), c(py_names, "...", allowed_r))
    if (length(extra)) {
      problems <- c(problems, paste0(fn, "(): R-only `", extra, "`"))
    }
    shared <- intersect(names(formals_r), py_names)
    if (!identical(shared, intersect(py_names, names(formals_r)))) {
      problems <- c(problems, paste0(fn, "(): arguments in another order than Python's"))
    }
  }
  expect(length(problems) == 0,
         paste0("R wrappers differ from their Python twins:\n", paste(problems, collapse = "\n")))
  expect_true(all(c("lt_fit", "lt_evaluate", "lt_predict", "lt_predict_proba",
                    "lt_confusion_matrix", "lt_decision_grid", "lt_tensor_dataset",
                    "lt_from_frame", "lt_mlp", "lt_seed", "lt_simple_classifier") %in% checked))
})

# One rule, one owner: the same bad value given to an lt_* function and to its Python twin is
# refused by Python in both cases, with the same message (R's written in R's syntax). R adds no
# check of its own, so the two cannot drift apart.
test_that("the same bad values are refused with the same message in R and Python", {
  skip_if_no_python()
  ns <- py_eval_lt(paste(
    "model = lt.SimpleClassifier(2, 4, 1)",
    "data = lt.continuous_xor(20, seed=1)",
    "def refusal(code, env):",
    "    try:",
    "        eval(code, env)",
    "    except (ValueError, TypeError, OSError) as e:",
    "        return str(e)",
    "    return 'no error'",
    sep = "\n"
  ))
  refusal <- reticulate::py_get_item(ns, "refusal")
  model <- lt_simple_classifier(2, 4, 1)
  data <- lt_continuous_xor(20, seed = 1)
  cases <- list(
    list(quote(lt_continuous_xor(-5)), "lt.continuous_xor(-5)"),
    list(quote(lt_continuous_xor("many")), "lt.continuous_xor('many')"),
    list(quote(lt_continuous_xor(2.5)), "lt.continuous_xor(2.5)"),
    list(quote(lt_two_moons(10, noise = -1)), "lt.two_moons(10, noise=-1)"),
    list(quote(lt_linear_regression_data(10, bias = "b")), "lt.linear_regression_data(10, bias='b')"),
    list(quote(lt_simple_classifier(0)), "lt.SimpleClassifier(0)"),
    list(quote(lt_simple_classifier(activation = "tanhh")), "lt.SimpleClassifier(activation='tanhh')"),
    list(quote(lt_mlp(2, hidden = c(8, -1))), "lt.MLP(2, hidden=[8, -1])"),
    list(quote(lt_conv_net(image_size = 2)), "lt.ConvNet(image_size=2)"),
    list(quote(lt_fit(model, data, epochs = -1)), "lt.fit(model, data, epochs=-1)"),
    list(quote(lt_fit(model, data, epochs = 1, lr = 0)), "lt.fit(model, data, epochs=1, lr=0)"),
    list(quote(lt_fit(model, data, epochs = 1, batch_size = 0)), "lt.fit(model, data, epochs=1, batch_size=0)"),
    list(quote(lt_fit(model, data, epochs = 1, optimizer = "adamm")), "lt.fit(model, data, epochs=1, optimizer='adamm')"),
    list(quote(lt_fit(model, data, epochs = 1, loss = "bcee")), "lt.fit(model, data, epochs=1, loss='bcee')"),
    list(quote(lt_fit(model, data, epochs = 1, metrics = "acurracy")), "lt.fit(model, data, epochs=1, metrics='acurracy')"),
    list(quote(lt_fit(model, data, epochs = 1, valid_fraction = 1)), "lt.fit(model, data, epochs=1, valid_fraction=1)"),
    list(quote(lt_fit(model, data, epochs = 1, progress = "yes")), "lt.fit(model, data, epochs=1, progress='yes')"),
    list(quote(lt_fit(model, data, epochs = 1, shuffle = "no")), "lt.fit(model, data, epochs=1, shuffle='no')"),
    list(quote(lt_fit(model, data, epochs = 1, task = "bogus")), "lt.fit(model, data, epochs=1, task='bogus')"),
    list(quote(lt_fit(model, data, epochs = 1, precision = "8")), "lt.fit(model, data, epochs=1, precision='8')"),
    list(quote(lt_early_stopping(monitor = "val_loss")), "lt.EarlyStopping(monitor='val_loss')"),
    list(quote(lt_early_stopping(patience = 0)), "lt.EarlyStopping(patience=0)"),
    list(quote(lt_early_stopping(min_delta = -1)), "lt.EarlyStopping(min_delta=-1)"),
    list(quote(lt_make_optimizer(model, "adamm")), "lt.make_optimizer(model, 'adamm')"),
    list(quote(lt_scheduler("stepp")), "lt.scheduler('stepp')"),
    list(quote(lt_predict(model, data, threshold = 1)), "lt.predict(model, data, threshold=1)"),
    list(quote(lt_evaluate(model, data, metrics = "f2")), "lt.evaluate(model, data, metrics='f2')"),
    list(quote(lt_decision_grid(model, resolution = 1)), "lt.decision_grid(model, resolution=1)"),
    list(quote(lt_decision_grid(model, xlim = c(1, 0))), "lt.decision_grid(model, xlim=[1, 0])"),
    list(quote(lt_train_val_split(data, fraction = 0)), "lt.train_val_split(data, fraction=0)"),
    list(quote(lt_batches(data, 0)), "lt.batches(data, 0)"),
    list(quote(lt_seed(-1)), "lt.seed_everything(-1)"),
    list(quote(lt_benchmark_matmul(n = 8, dtype = "flot32")), "lt.benchmark_matmul(n=8, dtype='flot32')"),
    list(quote(lt_fit(model, data, epochs = 1, clip_grad_norm = -1)), "lt.fit(model, data, epochs=1, clip_grad_norm=-1)"),
    list(quote(lt_fit(model, data, epochs = 1, accumulate = 0)), "lt.fit(model, data, epochs=1, accumulate=0)"),
    list(quote(lt_fit(model, data, epochs = 1, on_divergence = "maybe")), "lt.fit(model, data, epochs=1, on_divergence='maybe')"),
    list(quote(lt_fit(model, data, epochs = 1, weight_decay = -1)), "lt.fit(model, data, epochs=1, weight_decay=-1)"),
    list(quote(lt_fit(model, data, epochs = 1, scheduler = "stepp")), "lt.fit(model, data, epochs=1, scheduler='stepp')"),
    list(quote(lt_fit(model, data, epochs = 1, valid_fraction = 0)), "lt.fit(model, data, epochs=1, valid_fraction=0)"),
    list(quote(lt_keep_best_weights(mode = "up")), "lt.KeepBestWeights(mode='up')"),
    list(quote(lt_model_checkpoint("x.pt", every = 0)), "lt.ModelCheckpoint('x.pt', every=0)"),
    list(quote(lt_csv_logger("no/such/folder/log.csv")), "lt.CSVLogger('no/such/folder/log.csv')"),
    list(quote(lt_scheduler("step", interval = "week")), "lt.scheduler('step', interval='week')"),
    list(quote(lt_optimizer("adamx")), "lt.optimizer('adamx')"),
    list(quote(lt_two_moons(0)), "lt.two_moons(0)"),
    list(quote(lt_continuous_xor(10, std = -1)), "lt.continuous_xor(10, std=-1)"),
    list(quote(lt_softmax_regression(0, 3)), "lt.SoftmaxRegression(0, 3)"),
    list(quote(lt_linear_regression(0)), "lt.LinearRegression(0)"),
    list(quote(lt_logistic_regression(-2)), "lt.LogisticRegression(-2)"),
    list(quote(lt_predict(model, data, task = "ordinal")), "lt.predict(model, data, task='ordinal')"),
    list(quote(lt_evaluate(model, data, task = "ordinal")), "lt.evaluate(model, data, task='ordinal')"),
    list(quote(lt_confusion_matrix(model, data, task = "bogus")), "lt.confusion_matrix(model, data, task='bogus')"),
    list(quote(lt_predict_proba(model, data, task = "ordinal")), "lt.predict_proba(model, data, task='ordinal')")
  )
  before <- lt_parameters(model)
  for (case in cases) {
    r_err <- tryCatch({
      eval(case[[1]])
      NULL
    }, error = identity)
    label <- deparse(case[[1]])
    expect(inherits(r_err, "lt_python_error"),
           paste0(label, " should be refused by Python, got ",
                  if (is.null(r_err)) "no error" else class(r_err)[[1]]))
    if (!inherits(r_err, "lt_python_error")) next
    py_message <- reticulate::py_to_r(reticulate::py_call(refusal, case[[2]], ns))
    expect_false(identical(py_message, "no error"), label = case[[2]])
    # R shows Python's "Did you mean ...?" as a hint bullet under the message.
    r_message <- sub("\n(\u2139|i) ", " ", conditionMessage(r_err))
    expect_identical(r_message, learntorch:::r_syntax(py_message), label = label)
  }
  expect_gte(length(cases), 50)
  # Refused before anything changed: the model the fit calls were given has its weights.
  expect_identical(lt_parameters(model), before)
  expect_false(file.exists("x.pt"))
})
