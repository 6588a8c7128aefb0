# lt_fit() and its callbacks. Python runs the whole loop; R converts the arguments once and
# wraps the History it returns.

#' Train a model
#'
#' Runs Python's `learntorch.fit()`: for each epoch, shuffled mini-batches of `train` go
#' through forward, loss, backward and an optimizer step; validation metrics follow if `valid`
#' is given. The model is trained in place.
#'
#' Training data can be a learntorch dataset, a formula with `data`
#' (`lt_fit(model, label ~ x1 + x2, data = df, ...)`), a data.frame with column names
#' (`lt_fit(model, data = df, x = c("x1", "x2"), y = "label", ...)`), or a matrix `x` and a
#' vector `y`. With R data, the model decides the task: labels for a classifier (factors
#' become 0-based codes), values for a regression model.
#'
#' @param model A learntorch model, e.g. from [lt_simple_classifier()].
#' @param train Training data: a learntorch dataset, a data.frame or a formula (see Details).
#' @param epochs Number of passes over the training data.
#' @param batch_size Rows per mini-batch.
#' @param loss `NULL` to choose from the model (BCE for one logit, cross-entropy for several,
#'   MSE for regression), or a name: "bce", "cross_entropy", "mse", "bernoulli_nll_manual",
#'   "bernoulli_nll_distribution", ...
#' @param optimizer "sgd", "adam", "adamw", "rmsprop", "adagrad", or a torch optimizer
#'   (see [lt_make_optimizer()]).
#' @param lr Learning rate; `NULL` for the optimizer's default (0.1 for SGD, 0.001 for Adam).
#' @param weight_decay L2 penalty.
#' @param valid Validation data, in any form `train` accepts (a data.frame uses the same
#'   columns as `train`).
#' @param device "auto" (the best available), "cpu", "cuda", "cuda:1" or "mps".
#' @param seed A whole number fixing the shuffling order, or `NULL`.
#' @param callbacks A list of [lt_early_stopping()], [lt_keep_best_weights()] and plain R
#'   functions `function(epoch, logs)`, called after each epoch with the epoch number and a
#'   named list of metrics; a function returning `TRUE` stops training.
#' @param progress Show a progress bar? By default only in interactive sessions, never under
#'   knitr or testthat.
#' @param shuffle Reshuffle the rows each epoch?
#' @param num_threads "auto" (one CPU thread for tiny models, which is faster), a number of
#'   threads, or `NULL` to keep torch's setting.
#' @param data A data.frame: the columns for a formula `train`, or the training data itself.
#' @param x,y With `data`: names of the input columns and the target column. Without `data`:
#'   a numeric matrix of inputs and a vector of targets.
#' @return A training history (class `lt_history`): `as.data.frame()` gives the tidy frame
#'   (epoch, split, metric, value), `print()` the last epoch's metrics.
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
lt_fit <- function(model, train = NULL, epochs, batch_size = 128, loss = NULL,
                   optimizer = "sgd", lr = NULL, weight_decay = 0, valid = NULL,
                   device = "auto", seed = NULL, callbacks = list(),
                   progress = progress_default(), shuffle = TRUE, num_threads = "auto",
                   data = NULL, x = NULL, y = NULL) {
  args <- list(
    epochs = as_count(epochs, "epochs", min = 0),
    batch_size = as_count(batch_size, "batch_size"),
    loss = as_string_or_object(loss, "loss", null_ok = TRUE),
    optimizer = as_string_or_object(optimizer, "optimizer"),
    lr = as_number(lr, "lr", min = 0, null_ok = TRUE),
    weight_decay = as_number(weight_decay, "weight_decay", min = 0),
    device = as_string_or_object(device, "device", null_ok = TRUE),
    seed = as_seed(seed),
    callbacks = as_callbacks(callbacks),
    progress = as_flag(progress, "progress"),
    shuffle = as_flag(shuffle, "shuffle"),
    num_threads = as_threads(num_threads)
  )
  check_model(model)
  task <- model_data_task(model)
  formula <- if (inherits(train, "formula")) train
  if (is.null(train)) {
    train <- as_dataset(data, "data", x = x, y = y, task = task)
  } else {
    train <- as_dataset(train, "train", x = x, y = y, task = task, frame = data)
  }
  if (!is.null(valid)) {
    valid <- if (is.data.frame(valid) && !is.null(formula)) {
      as_dataset(formula, "valid", task = task, frame = valid)
    } else {
      as_dataset(valid, "valid", x = if (is.character(x)) x, y = if (is.character(y)) y,
                 task = task)
    }
  }
  lt <- lt_py()
  history <- py_try(do.call(lt$fit, c(list(model, train, valid = valid), args)))
  with_class(history, "lt_history")
}

# Progress bars belong to people watching a console, not to knitr documents or test logs.
progress_default <- function() {
  interactive() && !isTRUE(getOption("knitr.in.progress")) &&
    !identical(Sys.getenv("TESTTHAT"), "true")
}

check_model <- function(model, call = sys.call(-1)) {
  if (!inherits(model, "torch.nn.modules.module.Module")) {
    abort("`model` must be a learntorch model (e.g. from lt_simple_classifier()), not ",
          describe(model), ".", call = call)
  }
  invisible(model)
}

# The task R data should be read as, given the model: labels for a classifier.
model_data_task <- function(model) {
  task <- tryCatch(reticulate::py_to_r(reticulate::py_get_attr(model, "task")),
                   error = function(e) NULL)
  if (identical(task, "regression")) "regression" else if (!is.null(task)) "classification"
}

as_threads <- function(x, call = sys.call(-1)) {
  if (is.null(x) || identical(x, "auto")) return(x)
  as_count(x, "num_threads", call = call)
}

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
      # Python stops on `is True`; R users expect any TRUE (and NULL or FALSE to continue).
      return(function(epoch, logs) isTRUE(callback(epoch, logs)))
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
  min_delta <- as_number(min_delta, "min_delta", min = 0)
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
  lr <- as_number(lr, "lr", min = 0, null_ok = TRUE)
  weight_decay <- as_number(weight_decay, "weight_decay", min = 0)
  lt <- lt_py()
  py_try(lt$make_optimizer(model, optimizer, lr = lr, weight_decay = weight_decay, ...))
}

#' @export
print.lt_history <- function(x, ...) {
  cat("<lt_history> ", reticulate::py_str(x), "\n", sep = "")
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
