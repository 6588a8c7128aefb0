# Inference: metrics, predictions, decision grids and confusion counts, as R values. Labels
# come back as the model's classes: a factor with the classes as levels when they are names,
# integers when they are numbers.

#' Loss and accuracy of a model on labelled data
#'
#' @param model A learntorch model (any torch `nn.Module`).
#' @param data Labelled data: a learntorch dataset, a data.frame (by default its `label` or
#'   `target` column against the other columns; name them with `x` and `y`), list(x = , y = ),
#'   or Python data `learntorch.evaluate()` takes. Labels that are names are matched to the
#'   model's classes by name.
#' @param loss `NULL` for the model's usual loss, a loss name as in [lt_fit()], or a torch loss
#'   object.
#' @param task `NULL` for the task the model was fitted for, or "binary", "multiclass",
#'   "regression" (see [lt_fit()]).
#' @param x,y Optional names of the input columns and the target column of a data.frame.
#' @param metrics Names of metrics to compute besides the loss, as in [lt_fit()]; `NULL`:
#'   accuracy for classifiers.
#' @return A named list: `loss`, and `accuracy` (or the `metrics` asked for) for classifiers.
#' @family evaluation
#' @export
#' @examplesIf lt_python_available()
#' lt_seed(42)
#' model <- lt_simple_classifier(2, 4, 1)
#' lt_fit(model, lt_continuous_xor(500), epochs = 20)
#' lt_evaluate(model, lt_continuous_xor(200))
lt_evaluate <- function(model, data, loss = NULL, task = NULL, x = NULL, y = NULL,
                        metrics = NULL) {
  check_model(model)
  loss <- as_string_or_object(loss, "loss", null_ok = TRUE)
  task <- as_string(task, "task", null_ok = TRUE)
  data <- as_py_data(data, "data", x = x, y = y)
  lt <- lt_raw()
  reticulate::py_to_r(py_try(lt$evaluate(model, data$data, loss = loss, task = task,
                                         x = data$x, y = data$y, metrics = as_metrics(metrics))))
}

#' Predictions and class probabilities
#'
#' `lt_predict()` gives the model's class labels (`prob > threshold` for a binary model) or,
#' for a regression model, values. A model fitted on labels that are names (a factor,
#' character) predicts a factor whose levels are all its classes, in order; one fitted on
#' integer labels predicts integers; logical labels come back as logicals.
#' `lt_predict_proba()` gives P(second class) for a binary model (P(y = 1) for 0/1 labels),
#' and an N x C matrix of class probabilities, with the classes as column names, for a
#' multi-class one. One forward pass, without gradients, in eval mode.
#'
#' @param model A learntorch model (any torch `nn.Module`).
#' @param x Inputs: a learntorch dataset, a data.frame (the columns the model was trained on,
#'   by name; else its columns other than `label` and `target`), a matrix (one row per
#'   sample), an array (samples first) or a vector (one feature).
#' @param threshold Probability above which a binary prediction is the second class.
#' @param task `NULL` for the task the model was fitted for, or "binary", "multiclass",
#'   "regression".
#' @return A factor, integer, logical or numeric vector, or a numeric matrix.
#' @family evaluation
#' @export
#' @examplesIf lt_python_available()
#' model <- lt_simple_classifier(2, 4, 1)
#' points <- rbind(c(0, 0), c(0, 1), c(1, 0), c(1, 1))
#' lt_predict(model, points)
#' lt_predict_proba(model, points)
lt_predict <- function(model, x, threshold = 0.5, task = NULL) {
  check_model(model)
  threshold <- as_number(threshold, "threshold")
  task <- as_string(task, "task", null_ok = TRUE)
  inputs <- as_py_inputs(x)
  lt <- lt_raw()
  labels_to_r(py_try(lt$predict(model, inputs, threshold = threshold, task = task)), model)
}

#' @rdname lt_predict
#' @export
lt_predict_proba <- function(model, x, task = NULL) {
  check_model(model)
  task <- as_string(task, "task", null_ok = TRUE)
  inputs <- as_py_inputs(x)
  lt <- lt_raw()
  proba <- array_to_r(py_try(lt$predict_proba(model, inputs, task = task)))
  if (is.matrix(proba)) {
    # The columns are the classes Python used, in order: ask the same function for them.
    spec <- py_try(lt$evaluation$model_spec(model, width = ncol(proba), task = task))
    colnames(proba) <- as.character(unlist(reticulate::py_to_r(spec$classes)))
  }
  proba
}

# Model inputs: a Python object passes through, a data.frame becomes a pandas DataFrame
# (Python picks the columns the model was trained on), a matrix or array a tensor, a vector
# one feature.
as_py_inputs <- function(x, call = sys.call(-1)) {
  if (inherits(x, "python.builtin.object")) return(x)
  if (is.data.frame(x)) return(as_py_frame(x))
  if (is.null(dim(x)) && is.numeric(x)) x <- matrix(x, ncol = 1)
  as_tensor(x, "x", call = call)
}

# Predicted labels as R values: names (a numpy object array) become a factor whose levels are
# all the model's classes, in class order; numbers and logicals stay as they are.
labels_to_r <- function(array, model) {
  if (!identical(reticulate::py_to_r(array$dtype$kind), "O")) return(array_to_r(array))
  values <- array_to_r(array)
  spec <- lt_raw()$tasks$get_spec(model)
  classes <- if (!inherits(spec, "python.builtin.NoneType")) {
    as.character(unlist(reticulate::py_to_r(spec$classes)))
  }
  factor(as.character(values), levels = classes %||% unique(as.character(values)))
}

#' Predictions on a grid
#'
#' What a model of two inputs predicts on a `resolution` x `resolution` grid: the data of the
#' decision-boundary figure. The grid covers `data` (with a margin) when given, else `xlim`
#' and `ylim`, else -0.5 to 1.5.
#'
#' @param model A learntorch model of two inputs.
#' @param data Optional data whose range the grid covers: a learntorch dataset or a
#'   data.frame (the model's input columns; else the columns other than `label`/`target`).
#' @param xlim,ylim Ranges of x1 and x2: two numbers, low then high, or `NULL`.
#' @param resolution Grid points per axis.
#' @param task `NULL` for the task the model was fitted for, or "binary", "multiclass",
#'   "regression".
#' @return A data.frame, x1 varying fastest: columns x1, x2, prob (P(second class)) for a
#'   binary model; x1, x2, class (the predicted class, a factor when the classes are names)
#'   and prob (its probability) for a multi-class one; x1, x2, value for regression.
#' @family evaluation
#' @export
#' @examplesIf lt_python_available()
#' grid <- lt_decision_grid(lt_simple_classifier(2, 4, 1), resolution = 50)
#' head(grid)
lt_decision_grid <- function(model, data = NULL, xlim = NULL, ylim = NULL, resolution = 200,
                             task = NULL) {
  check_model(model)
  if (!is.null(data)) data <- as_py_inputs(data)
  xlim <- as_numbers(xlim, "xlim")
  ylim <- as_numbers(ylim, "ylim")
  resolution <- as_whole(resolution, "resolution")
  task <- as_string(task, "task", null_ok = TRUE)
  lt <- lt_raw()
  frame_to_df(py_try(lt$decision_grid(model, data = data, xlim = xlim, ylim = ylim,
                                      resolution = resolution, task = task)))
}

# Numbers as a Python list of floats (NULL stays None).
as_numbers <- function(x, name, call = sys.call(-1)) {
  if (is.null(x)) return(NULL)
  if (!is.numeric(x)) {
    abort("`", name, "` must be numbers, not ", describe(x), ".", call = call)
  }
  as.list(as.double(x))
}

#' Confusion counts
#'
#' Counts of (truth, prediction) pairs over all the model's classes, zeros included: a
#' 3-class model gives 9 rows.
#'
#' @inheritParams lt_evaluate
#' @return A data.frame with columns truth, prediction, count; truth and prediction are
#'   factors with the classes as levels when the classes are names, integers otherwise.
#' @family evaluation
#' @export
#' @examplesIf lt_python_available()
#' model <- lt_simple_classifier(2, 4, 1)
#' lt_confusion_matrix(model, lt_continuous_xor(100, seed = 3))
lt_confusion_matrix <- function(model, data, task = NULL, x = NULL, y = NULL) {
  check_model(model)
  task <- as_string(task, "task", null_ok = TRUE)
  data <- as_py_data(data, "data", x = x, y = y)
  lt <- lt_raw()
  frame_to_df(py_try(lt$confusion_matrix(model, data$data, task = task, x = data$x,
                                         y = data$y)))
}
