# lt_fit() and its callbacks. Python runs the whole loop; R converts the arguments once and
# wraps the History it returns.

#' Train a model
#'
#' Runs Python's `learntorch.fit()`: for each epoch, shuffled mini-batches of `train` go
#' through forward, loss, backward and an optimizer step; validation metrics follow if `valid`
#' is given. The model is trained in place.
#'
#' Training data can be a learntorch dataset, a formula with `data`
#' (`lt_fit(model, Species ~ ., data = iris, ...)`), a data.frame with column names
#' (`lt_fit(model, data = df, x = c("x1", "x2"), y = "label", ...)`; by default its `label` or
#' `target` column against the others), a matrix `x` and a vector `y`, or any Python data
#' `learntorch.fit()` takes (a torch `Dataset` or `DataLoader`, a pandas DataFrame).
#'
#' R converts types only; Python decides the rest, as it does for Python users. Labels that
#' are names (a factor, character or logical column) are encoded by Python, a factor in the
#' order of its levels; the fitted model then predicts those names ([lt_predict()] returns a
#' factor with the same levels). Whether the model classifies (binary or multiclass) or
#' regresses is decided by `task`, else the loss, the model and the data (see Python's
#' `learntorch.tasks.resolve_task`).
#'
#' @param model A learntorch model, e.g. from [lt_simple_classifier()], or any torch
#'   `nn.Module` (for example `torch$nn$Sequential(...)` built through reticulate).
#' @param train Training data: a learntorch dataset, a data.frame or a formula (see Details).
#' @param epochs Number of passes over the training data.
#' @param batch_size Rows per mini-batch.
#' @param loss `NULL` to choose from the task (BCE for one logit, cross-entropy for several,
#'   MSE for regression), a name: "bce", "cross_entropy", "mse", "bernoulli_nll_manual",
#'   "bernoulli_nll_distribution", ..., or a torch loss object, which is used as it is (its
#'   class weights, `pos_weight` or `label_smoothing` kept), e.g.
#'   `torch$nn$CrossEntropyLoss(weight = torch$tensor(c(1, 2, 1)))`.
#' @param optimizer "sgd", "adam", "adamw", "rmsprop", "adagrad", or a torch optimizer
#'   (see [lt_make_optimizer()]).
#' @param lr Learning rate; `NULL` for the optimizer's default (0.1 for SGD, 0.001 for Adam).
#' @param weight_decay L2 penalty.
#' @param valid Validation data, in any form `train` accepts (a data.frame uses the same
#'   columns as `train`).
#' @param valid_fraction Instead of `valid`: the share of `train` held out for validation
#'   (seeded, stratified by class), e.g. 0.2.
#' @param metrics Names of the metrics the history records on train and valid data:
#'   "accuracy", "balanced_accuracy", "f1", "precision", "recall", "auc", "log_loss"; "mse",
#'   "rmse", "mae", "r2". `NULL`: accuracy for classifiers.
#' @param scheduler A learning-rate scheduler: a name, a torch LR scheduler, or a function of
#'   the optimizer; the history then logs `lr`.
#' @param clip_grad_norm Largest gradient norm, or `NULL` not to clip.
#' @param accumulate Batches whose gradients are summed per optimizer step.
#' @param precision "32", "64", "bf16" or "16-mixed".
#' @param on_divergence "warn" when the loss explodes, or "stop".
#' @param resume The file of a checkpoint written during an earlier run, to continue it up to
#'   `epochs`; `NULL` to start afresh.
#' @param device "auto" (the best available), "cpu", "cuda", "cuda:1" or "mps".
#' @param seed A whole number fixing the shuffling order, or `NULL`.
#' @param callbacks A list of [lt_early_stopping()], [lt_keep_best_weights()] and plain R
#'   functions `function(epoch, logs)`, called after each epoch with the epoch number and a
#'   named list of metrics; a function returning `TRUE` stops training.
#' @param progress Show a progress bar? `"auto"`: only in interactive R sessions, never under
#'   knitr or testthat.
#' @param shuffle Reshuffle the rows each epoch?
#' @param num_threads "auto" (one CPU thread for tiny models, which is faster), a number of
#'   threads, or `NULL` to keep torch's setting.
#' @param task `NULL` to let the loss, the model and the data decide, or "binary",
#'   "multiclass", "regression" ("classification": binary or multiclass by the number of
#'   outputs).
#' @param x,y With a data.frame: names of the input columns and the target column(s). Without
#'   `data` or `train`: a numeric matrix of inputs and a vector of targets (numbers, or a
#'   factor, character or logical vector of labels).
#' @param output For a model returning a list or tuple: which element holds the predictions,
#'   a 0-based index (as in Python) or a name.
#' @param loader A named list of `torch.utils.data.DataLoader` settings for data read through
#'   a DataLoader (a torch `Dataset`), e.g. `list(num_workers = 2)`.
#' @param live Redraw the history's curves while training (in Jupyter; see Python's
#'   `learntorch.LivePlot`)?
#' @param data A data.frame: the columns for a formula `train`, or the training data itself.
#' @param na.action What to do with rows of a data.frame or matrix holding `NA` in the columns
#'   the model uses: [stats::na.omit()] (drop them; the default, as `getOption("na.action")`
#'   says), `na.exclude` (the same when training), [stats::na.fail()] (stop, naming the columns)
#'   or `na.pass` (pass them on, for Python to refuse).
#' @param ... Must be empty: every argument after `train` is named, as in Python
#'   (`lt_fit(model, train, epochs = 10)`), so a misspelt name (`epoch = 10`) is an error, not a
#'   partial match.
#' @return A training history (class `lt_history`): `as.data.frame()` gives the tidy frame
#'   (epoch, split, metric, value), `print()` the last epoch's metrics, `summary()` the run,
#'   `autoplot()` the curves.
#' @details With a data.frame, a formula or a matrix, the columns are prepared by a
#'   [hardhat](https://hardhat.tidymodels.org) blueprint (`hardhat::mold()`): factor inputs become
#'   indicator columns, and the model remembers the column names, types and factor levels (also in
#'   [lt_save()] files). [predict()][predict.lt_model()], [lt_predict()] and [lt_evaluate()] then
#'   take new data by column name, in any order, with extra columns ignored.
#' @family training
#' @export
#' @examplesIf lt_python_available()
#' lt_seed(42)
#' train <- lt_continuous_xor(500)
#' model <- lt_simple_classifier(2, 4, 1)
#' history <- lt_fit(model, train, epochs = 10, batch_size = 128, lr = 0.1)
#' history
#' tail(as.data.frame(history))
#'
#' # A data.frame and a formula, with an R function as callback
#' df <- as.data.frame(lt_continuous_xor(200, seed = 1))
#' stop_early <- function(epoch, logs) logs$train_accuracy > 0.99
#' lt_fit(model, label ~ x1 + x2, data = df, epochs = 5, callbacks = list(stop_early))
#'
#' # Factor labels: the model predicts the factor's levels, from columns found by name
#' iris_model <- lt_mlp(4, hidden = 16, out_features = 3)
#' lt_fit(iris_model, Species ~ ., data = iris, epochs = 50, optimizer = "adam", lr = 0.01)
#' table(predict(iris_model, iris[5:1]), iris$Species)
lt_fit <- function(model, train = NULL, ..., epochs, batch_size = 128, loss = NULL,
                   optimizer = "sgd", lr = NULL, weight_decay = 0, valid = NULL,
                   valid_fraction = NULL, metrics = NULL, scheduler = NULL,
                   clip_grad_norm = NULL, accumulate = 1, precision = "32",
                   on_divergence = "warn", resume = NULL, device = "auto", seed = NULL,
                   callbacks = list(), progress = "auto", shuffle = TRUE, num_threads = "auto",
                   task = NULL, x = NULL, y = NULL, output = NULL, loader = NULL, live = FALSE,
                   data = NULL, na.action = getOption("na.action", "na.omit")) {
  call <- sys.call()
  check_dots_named(..., fn = lt_fit, call = call)
  if (missing(epochs)) {
    abort("`epochs` is missing: how many passes over the training data? e.g. `epochs = 100`.",
          call = call)
  }
  na_action <- na_action_name(na.action, call = call)
  check_model(model, call = call)
  callbacks <- as_callbacks(callbacks, call = call)
  show_progress <- as_progress(progress)
  if (isTRUE(show_progress)) callbacks <- c(callbacks, list(progress_callback(epochs)))
  args <- list(
    epochs = as_whole(epochs),
    batch_size = as_whole(batch_size),
    loss = as_string(loss),
    optimizer = as_string(optimizer),
    lr = as_number(lr),
    weight_decay = as_number(weight_decay),
    valid_fraction = as_number(valid_fraction),
    metrics = as_names(metrics),
    scheduler = scheduler,
    clip_grad_norm = as_number(clip_grad_norm),
    accumulate = as_whole(accumulate),
    precision = if (is.numeric(precision)) format(precision) else as_string(precision),
    on_divergence = as_string(on_divergence),
    resume = if (is.character(resume)) as_path(resume) else resume,
    device = as_string(device),
    seed = as_whole(seed),
    callbacks = callbacks,
    # R draws its own bar (cli), so Python's is off unless the value is Python's to refuse.
    progress = if (is.logical(show_progress)) FALSE else show_progress,
    shuffle = as_flag(shuffle),
    num_threads = as_whole(num_threads),
    task = as_string(task),
    output = as_whole(output),
    loader = as_loader(loader),
    # live = TRUE draws the ggplot2 twin in R's graphics device, from an R callback; a Python
    # LivePlot object (drawing in Jupyter) passes through.
    live = if (inherits(live, "python.builtin.object")) live else FALSE
  )
  if (isTRUE(live)) args$callbacks <- c(args$callbacks, list(lt_live_plot()))
  prepared <- fit_data(train, data, x, y, na_action, call = call)
  if (!is.null(valid)) {
    valid <- if (!is.null(prepared$blueprint) && (is.data.frame(valid) || is.matrix(valid))) {
      forge_with(prepared$blueprint, valid, "valid", na_action, call)
    } else if (inherits(valid, "python.builtin.object")) {
      valid
    } else {
      fit_data(valid, NULL, NULL, NULL, na_action, arg = "valid", call = call)$data
    }
  }
  lt <- lt_py()
  history <- py_try(do.call(lt$fit, c(list(model, prepared$data, valid = valid, x = prepared$x,
                                           y = prepared$y), args)), call = call)
  if (!is.null(prepared$blueprint)) set_model_blueprint(model, prepared$blueprint)
  with_class(history, "lt_history")
}

# Validation data through the blueprint just molded from the training data.
forge_with <- function(plain, valid, arg, na_action, call) {
  blueprint <- plain_blueprint(plain)
  wanted <- c(names(blueprint$ptypes$predictors), names(blueprint$ptypes$outcomes))
  if (is.matrix(valid)) valid <- as.data.frame(valid, optional = TRUE)
  missing <- setdiff(wanted, names(valid))
  if (length(missing)) {
    abort("`", arg, "` lacks the column", if (length(missing) > 1) "s", " ",
          paste0("`", missing, "`", collapse = ", "), " of the training data.", call = call)
  }
  keep <- na_rows(valid, wanted, na_action, arg, call)
  forged <- hardhat_call(hardhat::forge(valid[keep, , drop = FALSE], blueprint, outcomes = TRUE),
                         arg, call)
  reticulate::tuple(as_py_frame(forged$predictors), py_outcomes(forged$outcomes))
}

# `...` after the arguments R users give by position must be empty: a misspelt argument name
# (`epoch = 5`) is an error naming the closest argument, not a silent partial match.
check_dots_named <- function(..., fn, call) {
  if (...length() == 0) return(invisible())
  given <- names(list(...)) %||% rep("", ...length())
  fn_name <- as.character(call[[1]])[[1]]
  args <- setdiff(names(formals(fn)), "...")
  unnamed <- given == ""
  if (any(unnamed)) {
    values <- vapply(substitute(list(...))[-1][unnamed], function(e) paste(deparse(e), collapse = ""),
                     character(1))
    abort("`", fn_name, "()` takes `", args[[3]], "` and the other arguments after `", args[[2]],
          "` by name, e.g. `", fn_name, "(", args[[1]], ", ", args[[2]], ", ", args[[3]], " = ...)`.",
          bullets = c(x = paste0("Given by position: ", paste0("`", values, "`", collapse = ", "),
                                 ".")),
          call = call)
  }
  hints <- unlist(lapply(given, near_miss_local, choices = args))
  abort("`", fn_name, "()` has no argument ", paste0("`", given, "`", collapse = ", "), ".",
        bullets = hints, call = call)
}

# A near-miss suggestion computed in R (no Python needed for R's own argument names).
near_miss_local <- function(value, choices) {
  distance <- utils::adist(value, choices, ignore.case = TRUE)[1, ]
  prefix <- startsWith(choices, value)
  best <- if (any(prefix)) choices[prefix][[1]] else if (min(distance) <= 2) choices[which.min(distance)]
  if (is.null(best)) return(NULL)
  c(i = paste0("Did you mean `", best, "`?"))
}

# A cli progress bar over the epochs, with the latest training loss: R's own bar (RStudio draws
# it in the console), driven by the Python loop through a callback.
progress_callback <- function(epochs) {
  bar <- new.env(parent = emptyenv())
  lt_callback(
    on_fit_begin = function(logs) {
      bar$loss <- NA_real_
      bar$id <- cli::cli_progress_bar(
        total = epochs, clear = FALSE, .envir = bar,
        format = "{cli::pb_bar} {cli::pb_current}/{cli::pb_total} epochs | loss {format(loss, digits = 4)} | {cli::pb_eta}"
      )
      FALSE
    },
    on_epoch_end = function(epoch, logs) {
      bar$loss <- logs$train_loss %||% NA_real_
      cli::cli_progress_update(id = bar$id, set = epoch, .envir = bar)
      FALSE
    },
    on_fit_end = function(logs) {
      if (!is.null(bar$id)) cli::cli_progress_done(id = bar$id, .envir = bar)
      FALSE
    }
  )
}

# Progress bars belong to people watching a console, not to knitr documents or test logs.
progress_default <- function() {
  interactive() && !isTRUE(getOption("knitr.in.progress")) &&
    !identical(Sys.getenv("TESTTHAT"), "true")
}

check_model <- function(model, arg = "model", call = sys.call(-1)) {
  check_alive(model, arg, call = call)
  if (!inherits(model, "torch.nn.modules.module.Module")) {
    abort("`", arg, "` must be a learntorch model (e.g. from lt_simple_classifier()) or a torch ",
          "module, not ", describe(model), ".", call = call)
  }
  invisible(model)
}

# "auto": a bar where someone watches an R console (R knows; Python cannot see knitr or
# testthat from inside R); TRUE and FALSE pass on, and anything else goes to Python, which says
# what it accepts.
as_progress <- function(x) {
  if (identical(x, "auto")) return(progress_default())
  as_flag(x)
}

# DataLoader settings: a named list becomes a dict, whole numbers in it ints.
as_loader <- function(x) {
  if (!is.list(x)) return(x)
  lapply(x, as_whole)
}

# Callbacks for Python: learntorch callbacks pass through; a plain R function is an on_epoch_end
# hook, its arguments checked now, before any training (Python would only find out at the end of
# the first epoch).
as_callbacks <- function(callbacks, call = sys.call(-1)) {
  if (is.function(callbacks) || inherits(callbacks, "python.builtin.object")) {
    callbacks <- list(callbacks)
  }
  if (!is.list(callbacks)) {
    abort("`callbacks` must be a list of callbacks and functions, not ", describe(callbacks),
          ".", call = call)
  }
  lapply(seq_along(callbacks), function(i) {
    callback <- callbacks[[i]]
    if (inherits(callback, "python.builtin.object")) return(callback)
    if (is.function(callback)) {
      return(as_hook(callback, paste0("callbacks[[", i, "]]"), call = call,
                     wanted = c("epoch", "logs")))
    }
    abort("`callbacks[[", i, "]]` must be a function(epoch, logs) or a learntorch callback, ",
          "not ", describe(callback), ".", call = call)
  })
}

#' Callbacks that stop early or keep the best weights
#'
#' `lt_early_stopping()` stops training when `monitor` has not improved by `min_delta` for
#' `patience` epochs, and by default restores the best epoch's weights.
#' `lt_keep_best_weights()` trains all epochs but ends with the best epoch's weights.
#' Pass them to [lt_fit()] in `callbacks`; plain R functions `function(epoch, logs)` work
#' too.
#'
#' @param monitor The metric to watch: "valid_loss", "valid_accuracy", "train_loss", ...
#' @param patience Epochs without improvement before stopping.
#' @param min_delta Smallest change that counts as an improvement.
#' @param mode "auto" (maximise accuracies, minimise the rest), "min" or "max".
#' @param restore_best_weights End with the best epoch's weights?
#' @return A Python callback object (class `lt_callback`).
#' @family training
#' @export
#' @examplesIf lt_python_available()
#' parts <- lt_train_val_split(lt_continuous_xor(500, seed = 1), seed = 2)
#' model <- lt_simple_classifier(2, 4, 1)
#' history <- lt_fit(model, parts$train, epochs = 50, valid = parts$valid,
#'                   callbacks = list(lt_early_stopping(patience = 3)))
#' history
lt_early_stopping <- function(monitor = "valid_loss", patience = 5, min_delta = 0,
                              mode = "auto", restore_best_weights = TRUE) {
  monitor <- as_string(monitor, "monitor")
  patience <- as_count(patience, "patience")
  min_delta <- as_number(min_delta, "min_delta")
  mode <- as_string(mode, "mode")
  restore_best_weights <- as_flag(restore_best_weights, "restore_best_weights")
  lt <- lt_py()
  with_class(py_try(lt$EarlyStopping(monitor = monitor, patience = patience,
                                     min_delta = min_delta, mode = mode,
                                     restore_best_weights = restore_best_weights)),
             "lt_callback")
}

#' @rdname lt_early_stopping
#' @export
lt_keep_best_weights <- function(monitor = "valid_loss", mode = "auto") {
  monitor <- as_string(monitor, "monitor")
  mode <- as_string(mode, "mode")
  lt <- lt_py()
  with_class(py_try(lt$KeepBestWeights(monitor = monitor, mode = mode)), "lt_callback")
}

#' An optimizer for a model
#'
#' A torch optimizer over the model's parameters, for [lt_fit()]'s `optimizer` when you want
#' to keep its state across calls or set extra options.
#'
#' @inheritParams lt_fit
#' @param optimizer "sgd", "adam", "adamw", "rmsprop" or "adagrad".
#' @param ... Further arguments of the torch optimizer, e.g. `momentum = 0.9`.
#' @return A Python torch optimizer.
#' @family training
#' @export
#' @examplesIf lt_python_available()
#' model <- lt_simple_classifier(2, 4, 1)
#' lt_make_optimizer(model, "sgd", lr = 0.1, momentum = 0.9)
lt_make_optimizer <- function(model, optimizer = "sgd", lr = NULL, weight_decay = 0, ...) {
  check_model(model)
  optimizer <- as_string_or_object(optimizer, "optimizer")
  lr <- as_number(lr, "lr")
  weight_decay <- as_number(weight_decay, "weight_decay")
  lt <- lt_py()
  py_try(lt$make_optimizer(model, optimizer, lr = lr, weight_decay = weight_decay, ...))
}

#' @export
print.lt_history <- function(x, ...) {
  cat(format(x), "\n", sep = "")
  if (reticulate::py_is_null_xptr(x)) return(invisible(x))
  reason <- x$stop_reason
  if (!is.null(reason)) cat(reason, "\n", sep = "")
  invisible(x)
}

#' @export
print.lt_callback <- function(x, ...) {
  cat("<lt_callback> ", x$`__class__`$`__name__`, " monitoring ", x$monitor, " (", x$mode,
      ")\n", sep = "")
  invisible(x)
}

#' @rdname as.data.frame.lt_dataset
#' @details On a history, one row per epoch, split (train or valid) and metric (loss or
#'   accuracy): the frame `autoplot()` draws, equal to Python's `history.to_frame()`.
#' @export
as.data.frame.lt_history <- function(x, row.names = NULL, optional = FALSE, ...) {
  frame_to_df(py_try(py_method(x, "to_frame")))
}
