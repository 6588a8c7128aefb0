# Inference: metrics, predictions, decision grids and confusion counts, as R values.

#' Loss and accuracy of a model on labelled data
#'
#' @param model A learntorch model.
#' @param data Labelled data: a learntorch dataset, or a data.frame (by default its `label` or
#'   `target` column against the other columns; name them with `x` and `y`).
#' @param loss `NULL` for the model's usual loss, or a loss name as in [lt_fit()].
#' @param x,y Optional names of the input columns and the target column of a data.frame.
#' @return A named list: `loss`, and `accuracy` for classifiers.
#' @family evaluation
#' @export
#' @examplesIf lt_python_available()
#' lt_seed(42)
#' model <- lt_simple_classifier(2, 4, 1)
#' lt_fit(model, lt_continuous_xor(500), epochs = 20)
#' lt_evaluate(model, lt_continuous_xor(200))
lt_evaluate <- function(model, data, loss = NULL, x = NULL, y = NULL) {
  check_model(model)
  loss <- as_string_or_object(loss, "loss", null_ok = TRUE)
  data <- as_dataset(data, "data", x = x, y = y, task = model_data_task(model))
  lt <- lt_raw()
  reticulate::py_to_r(py_try(lt$evaluate(model, data, loss = loss)))
}

#' Predictions and class probabilities
#'
#' `lt_predict()` gives class labels (0-based integers; `prob > threshold` for a binary model)
#' or, for a regression model, values. `lt_predict_proba()` gives P(y = 1) for a binary model
#' and an N x C matrix of class probabilities for a multi-class one. One forward pass, without
#' gradients, in eval mode.
#'
#' @param model A learntorch model.
#' @param x Inputs: a learntorch dataset, a data.frame (its columns other than `label` and
#'   `target`), a matrix (one row per sample), an array (samples first) or a vector (one
#'   feature).
#' @param threshold Probability above which a binary prediction is 1.
#' @return An integer vector of labels, or a numeric vector or matrix.
#' @family evaluation
#' @export
#' @examplesIf lt_python_available()
#' model <- lt_simple_classifier(2, 4, 1)
#' points <- rbind(c(0, 0), c(0, 1), c(1, 0), c(1, 1))
#' lt_predict(model, points)
#' lt_predict_proba(model, points)
lt_predict <- function(model, x, threshold = 0.5) {
  check_model(model)
  threshold <- as_number(threshold, "threshold", min = 0, max = 1)
  inputs <- as_inputs(x)
  lt <- lt_raw()
  array_to_r(py_try(lt$predict(model, inputs, threshold = threshold)))
}

#' @rdname lt_predict
#' @export
lt_predict_proba <- function(model, x) {
  check_model(model)
  inputs <- as_inputs(x)
  lt <- lt_raw()
  array_to_r(py_try(lt$predict_proba(model, inputs)))
}

# Model inputs from a dataset, data.frame (label/target columns dropped), matrix or array.
as_inputs <- function(x, call = sys.call(-1)) {
  if (inherits(x, "python.builtin.object")) return(x)
  if (is.data.frame(x)) {
    x <- x[setdiff(names(x), c("label", "target"))]
  }
  if (is.null(dim(x)) && is.numeric(x)) x <- matrix(x, ncol = 1)
  as_tensor(x, "x", call = call)
}

#' Predicted probabilities on a grid
#'
#' P(y = 1) of a binary classifier on a `resolution` x `resolution` grid: the data of the
#' decision-boundary figure.
#'
#' @param model A binary learntorch classifier (one logit).
#' @param xlim,ylim Ranges of x1 and x2: two numbers, low then high.
#' @param resolution Grid points per axis.
#' @return A data.frame with columns x1, x2, prob; x1 varies fastest.
#' @family evaluation
#' @export
#' @examplesIf lt_python_available()
#' grid <- lt_decision_grid(lt_simple_classifier(2, 4, 1), resolution = 50)
#' head(grid)
lt_decision_grid <- function(model, xlim = c(-0.5, 1.5), ylim = c(-0.5, 1.5), resolution = 200) {
  check_model(model)
  xlim <- as_limits(xlim, "xlim")
  ylim <- as_limits(ylim, "ylim")
  resolution <- as_count(resolution, "resolution", min = 2)
  lt <- lt_raw()
  frame_to_df(py_try(lt$decision_grid(model, xlim = xlim, ylim = ylim,
                                      resolution = resolution)))
}

as_limits <- function(x, name, call = sys.call(-1)) {
  if (!is.numeric(x) || length(x) != 2 || any(!is.finite(x)) || x[1] >= x[2]) {
    abort("`", name, "` must be two finite numbers c(low, high) with low < high, not ",
          describe(x), ".", call = call)
  }
  as.list(as.double(x))
}

#' Confusion counts
#'
#' Counts of (truth, prediction) pairs, every pair listed, zeros included.
#'
#' @inheritParams lt_evaluate
#' @param num_classes Number of classes; `NULL` for the largest label seen plus one.
#' @return A data.frame with columns truth, prediction, count.
#' @family evaluation
#' @export
#' @examplesIf lt_python_available()
#' model <- lt_simple_classifier(2, 4, 1)
#' lt_confusion_matrix(model, lt_continuous_xor(100, seed = 3))
lt_confusion_matrix <- function(model, data, num_classes = NULL, x = NULL, y = NULL) {
  check_model(model)
  num_classes <- as_count(num_classes, "num_classes", null_ok = TRUE)
  data <- as_dataset(data, "data", x = x, y = y, task = model_data_task(model))
  lt <- lt_raw()
  frame_to_df(py_try(lt$confusion_matrix(model, data, num_classes = num_classes)))
}
