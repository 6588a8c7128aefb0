# Callbacks and training settings for lt_fit(): plain R functions as callbacks (as luz does), the
# checkpoint and CSV-log callbacks, the live plot, and thin helpers for optimizers and schedulers.
# Python owns every rule; these convert R values and pass them on.

#' A callback from plain R functions
#'
#' Each hook is an R function, called by the Python training loop with plain R values:
#' `on_fit_begin(logs)`, `on_epoch_begin(epoch, logs)`, `on_batch_end(batch, logs)` (after each
#' optimizer step), `on_epoch_end(epoch, logs)` and `on_fit_end(logs)`. `logs` is a named list
#' (`train_loss`, `valid_accuracy`, `lr`, ...; `loss` and `lr` for a batch). A function that
#' returns `TRUE` stops training (after the current step for `on_batch_end`, else after the
#' epoch). Plain functions `function(epoch, logs)` passed to [lt_fit()]'s `callbacks` are
#' `on_epoch_end` hooks.
#'
#' @param on_fit_begin,on_epoch_begin,on_batch_end,on_epoch_end,on_fit_end R functions, or
#'   `NULL`.
#' @return A callback (class `lt_callback`) for [lt_fit()]'s `callbacks`.
#' @family training
#' @export
#' @examplesIf lt_python_available()
#' seen <- c()
#' track <- lt_callback(on_epoch_end = function(epoch, logs) {
#'   seen <<- c(seen, logs$train_loss)
#'   FALSE
#' })
#' lt_fit(lt_simple_classifier(2, 4, 1), lt_continuous_xor(200, seed = 1), epochs = 3,
#'        callbacks = list(track))
#' seen
lt_callback <- function(on_fit_begin = NULL, on_epoch_begin = NULL, on_batch_end = NULL,
                        on_epoch_end = NULL, on_fit_end = NULL) {
  hooks <- list(on_fit_begin = on_fit_begin, on_epoch_begin = on_epoch_begin,
                on_batch_end = on_batch_end, on_epoch_end = on_epoch_end, on_fit_end = on_fit_end)
  call <- sys.call()
  hooks <- Map(function(fn, name) as_hook(fn, name, call = call), hooks, names(hooks))
  lt <- lt_py()
  with_class(py_try(do.call(lt$LambdaCallback, hooks)), "lt_callback")
}

# An R hook as a Python callable: Python stops on `is True`, R users expect any TRUE to stop and
# NULL or FALSE to go on. Its arguments are checked here, before training starts: it must take
# `wanted` (by position, or through `...`) and need no others.
as_hook <- function(fn, name, call = sys.call(-1), wanted = NULL) {
  if (is.null(fn)) return(NULL)
  if (!is.function(fn)) {
    abort("`", name, "` must be a function or NULL, not ", describe(fn), ".", call = call)
  }
  wanted <- wanted %||% if (name %in% c("on_fit_begin", "on_fit_end")) "logs" else
    c(if (name == "on_batch_end") "batch" else "epoch", "logs")
  params <- formals(args(fn) %||% fn)
  names_in <- setdiff(names(params), "...")
  required <- names_in[vapply(params[names_in], function(p) identical(p, quote(expr = )), logical(1))]
  takes <- length(names_in) >= length(wanted) || "..." %in% names(params)
  if (!takes || length(required) > length(wanted)) {
    abort("`", name, "` must be a function(", paste(wanted, collapse = ", "), "); it is a function(",
          paste(names(params), collapse = ", "), ").",
          bullets = c(i = paste0("learntorch calls it with ", length(wanted), " argument",
                                 if (length(wanted) > 1) "s", ": ",
                                 paste(wanted, collapse = " and "), ".")),
          call = call)
  }
  function(...) isTRUE(fn(...))
}

#' Save resumable training checkpoints
#'
#' Writes a training checkpoint to `path` every `every` epochs (with `monitor`, only when that
#' metric is the best so far): the model, the optimizer and scheduler state, the history, the
#' callbacks' state and the random generators. `lt_fit(..., resume = path)` continues the run
#' exactly; [lt_load()] reads the model from the same file.
#'
#' @param path The checkpoint file.
#' @param monitor `NULL` to save every `every` epochs, or a history metric (`"valid_loss"`...)
#'   to keep the best epoch's state.
#' @param every Save every this many epochs.
#' @param mode "auto", "min" or "max": whether smaller or larger `monitor` values are better.
#' @return A callback (class `lt_callback`).
#' @family training
#' @export
#' @examplesIf lt_python_available()
#' path <- tempfile(fileext = ".pt")
#' model <- lt_simple_classifier(2, 4, 1)
#' lt_fit(model, lt_continuous_xor(200, seed = 1), epochs = 3,
#'        callbacks = list(lt_model_checkpoint(path)))
#' lt_fit(model, lt_continuous_xor(200, seed = 1), epochs = 5, resume = path)
lt_model_checkpoint <- function(path, monitor = NULL, every = 1, mode = "auto") {
  lt <- lt_py()
  with_class(py_try(lt$ModelCheckpoint(as_path(path, "path"), monitor = monitor,
                                       every = as_whole(every, "every"), mode = mode)), "lt_callback")
}

#' Log each epoch's metrics to a CSV file
#'
#' @param path The CSV file: one row per epoch, one column per metric.
#' @param append Add to an existing file instead of starting a new one?
#' @return A callback (class `lt_callback`).
#' @family training
#' @export
#' @examplesIf lt_python_available()
#' path <- tempfile(fileext = ".csv")
#' lt_fit(lt_simple_classifier(2, 4, 1), lt_continuous_xor(100, seed = 1), epochs = 2,
#'        callbacks = list(lt_csv_logger(path)))
#' read.csv(path)
lt_csv_logger <- function(path, append = FALSE) {
  lt <- lt_py()
  with_class(py_try(lt$CSVLogger(as_path(path, "path"), append = append)), "lt_callback")
}

#' An optimizer or a learning-rate scheduler by name, with its settings
#'
#' `lt_optimizer("sgd", momentum = 0.9)` and `lt_scheduler("step", step_size = 10)` are what
#' [lt_fit()]'s `optimizer` and `scheduler` take when the name alone is not enough. Settings
#' are those of the torch classes (`torch.optim.SGD`, `torch.optim.lr_scheduler.StepLR`, ...).
#'
#' @param name For `lt_optimizer()`: "sgd", "adam", "adamw", "rmsprop", "adagrad" or "lbfgs".
#'   For `lt_scheduler()`: "step", "multistep", "exponential", "cosine", "plateau", "onecycle",
#'   "linear" or "cyclic".
#' @param interval When the scheduler steps: "epoch" or "batch"; `NULL` for its usual one.
#' @param monitor For "plateau": the history metric it watches (by default `valid_loss` when
#'   there is validation data).
#' @param ... The torch class's settings, e.g. `momentum = 0.9`, `step_size = 10`, `gamma = 0.5`.
#' @return A Python object for `lt_fit()`.
#' @family training
#' @export
#' @examplesIf lt_python_available()
#' lt_fit(lt_simple_classifier(2, 4, 1), lt_continuous_xor(200, seed = 1), epochs = 6, lr = 0.1,
#'        optimizer = lt_optimizer("sgd", momentum = 0.9),
#'        scheduler = lt_scheduler("step", step_size = 2, gamma = 0.5))
lt_optimizer <- function(name, ...) {
  lt <- lt_py()
  py_try(lt$optimizer(name, ...))
}

#' @rdname lt_optimizer
#' @export
lt_scheduler <- function(name, interval = NULL, monitor = NULL, ...) {
  lt <- lt_py()
  py_try(lt$scheduler(name, interval = interval, monitor = monitor, ...))
}

#' Redraw the training curves while a model trains
#'
#' The R side of `lt_fit(live = TRUE)`: after each epoch, at most every `interval` seconds, the
#' history so far is drawn with [lt_plot_metrics()] in the active graphics device (the RStudio
#' plots pane). Under knitr only the final figure is drawn; the last frame is the ordinary
#' history figure.
#'
#' @param interval Seconds between redraws.
#' @param every_batches Also redraw (at most every `interval` seconds) every this many batches,
#'   for long epochs; `NULL` for epoch ends only.
#' @return A callback (class `lt_callback`).
#' @family training
#' @export
#' @examplesIf lt_python_available()
#' lt_fit(lt_simple_classifier(2, 4, 1), lt_continuous_xor(200, seed = 1), epochs = 5,
#'        callbacks = list(lt_live_plot(interval = 0)))
lt_live_plot <- function(interval = 1, every_batches = NULL) {
  rows <- list()
  last <- -Inf
  knitting <- isTRUE(getOption("knitr.in.progress"))
  draw <- function() {
    if (length(rows) < 2) return(invisible())  # a curve needs two epochs
    print(lt_plot_metrics(do.call(rbind, rows)))
    last <<- proc.time()[["elapsed"]]
  }
  maybe_draw <- function() {
    if (!knitting && proc.time()[["elapsed"]] - last >= interval) draw()
  }
  on_batch <- if (!is.null(every_batches)) {
    function(batch, logs) {
      if (batch %% every_batches == 0) maybe_draw()
      FALSE
    }
  }
  lt_callback(
    on_batch_end = on_batch,
    on_fit_begin = function(logs) {
      rows <<- list()
      FALSE
    },
    on_epoch_end = function(epoch, logs) {
      rows[[length(rows) + 1]] <<- history_rows(epoch, logs)
      maybe_draw()
      FALSE
    },
    on_fit_end = function(logs) {
      draw()
      FALSE
    }
  )
}

# One epoch's logs as history-frame rows (epoch, split, metric, value), split as Python's
# History.to_frame() does: train_/valid_ prefixes, and `lr` in the train split.
history_rows <- function(epoch, logs) {
  keys <- names(logs)
  split <- ifelse(startsWith(keys, "valid_"), "valid", "train")
  metric <- sub("^(train|valid)_", "", keys)
  data.frame(epoch = as.integer(epoch), split = split, metric = metric,
             value = as.numeric(unlist(logs)), stringsAsFactors = FALSE)
}
