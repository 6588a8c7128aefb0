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
#' @param na.action Rows of a data.frame with `NA` in the columns the model uses: [stats::na.omit()]
#'   (left out, the default as `getOption("na.action")` says), `na.exclude` (the same here),
#'   [stats::na.fail()] (an error naming the columns) or `na.pass` (for Python to refuse).
#' @return A named list: `loss`, and `accuracy` (or the `metrics` asked for) for classifiers.
#' @family evaluation
#' @export
#' @examplesIf lt_python_available()
#' lt_seed(42)
#' model <- lt_simple_classifier(2, 4, 1)
#' lt_fit(model, lt_continuous_xor(500), epochs = 20)
#' lt_evaluate(model, lt_continuous_xor(200))
lt_evaluate <- function(model, data, loss = NULL, task = NULL, x = NULL, y = NULL,
                        metrics = NULL, na.action = getOption("na.action", "na.omit")) {
  call <- sys.call()
  check_model(model, call = call)
  na_action <- na_action_name(na.action, call = call)
  data <- forge_data(model, data, "data", na_action, outcomes = TRUE, x = x, y = y, call = call)
  lt <- lt_raw()
  reticulate::py_to_r(py_try(lt$evaluate(model, data$data, loss = as_string(loss),
                                         task = as_string(task), x = data$x, y = data$y,
                                         metrics = as_names(metrics)), call = call))
}

#' Predictions and class probabilities
#'
#' `lt_predict()` gives the model's class labels (`prob > threshold` for a binary model) or,
#' for a regression model, values. A model fitted on labels that are names (a factor,
#' character) predicts a factor whose levels are all its classes, in order; one fitted on
#' integer labels predicts integers; logical labels come back as logicals.
#' `lt_predict_proba()` gives P(second class) for a binary model (P(y = 1) for 0/1 labels),
#' and an N x C matrix of class probabilities, with the classes as column names, for a
#' multi-class one. One forward pass, without gradients, in eval mode. These mirror Python's
#' `predict()` and `predict_proba()`; [predict()][predict.lt_model()] gives tidymodels' types.
#'
#' A data.frame goes through the model's hardhat blueprint when [lt_fit()] made one: columns by
#' name, in any order, extra ones ignored. A row with `NA` in the model's columns gets an `NA`
#' prediction (as `na.exclude` does).
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
  call <- sys.call()
  check_model(model, call = call)
  inputs <- forge_data(model, x, "x", "na.exclude", call = call)
  lt <- lt_raw()
  labels <- py_try(lt$predict(model, inputs$data, threshold = as_number(threshold),
                              task = as_string(task)), call = call)
  pad_rows(labels_to_r(labels, model), inputs$keep)
}

#' @rdname lt_predict
#' @export
lt_predict_proba <- function(model, x, task = NULL) {
  call <- sys.call()
  check_model(model, call = call)
  inputs <- forge_data(model, x, "x", "na.exclude", call = call)
  pad_rows(predict_proba_r(model, inputs$data, task, call), inputs$keep)
}

# Python's predict_proba as R values: a vector (binary) or a matrix whose columns name the
# classes Python used, in order.
predict_proba_r <- function(model, inputs, task, call) {
  lt <- lt_raw()
  proba <- array_to_r(py_try(lt$predict_proba(model, inputs, task = as_string(task)), call = call))
  if (is.matrix(proba)) colnames(proba) <- model_classes(model, ncol(proba), task, call)
  proba
}

# The model's classes as strings, in code order (what Python's model_spec says).
model_classes <- function(model, width = NULL, task = NULL, call = sys.call(-1)) {
  spec <- py_try(lt_raw()$evaluation$model_spec(model, width = as_whole(width),
                                                task = as_string(task)), call = call)
  as.character(unlist(reticulate::py_to_r(spec$classes)))
}

model_task <- function(model, task = NULL, call = sys.call(-1)) {
  reticulate::py_to_r(py_try(lt_raw()$evaluation$model_task(model, task = as_string(task)),
                             call = call))
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

#' Predict with a learntorch model
#'
#' The S3 `predict()` method, in tidymodels' conventions. New data is matched to the columns the
#' model was trained on by name (through the model's hardhat blueprint, see [lt_fit()]): in any
#' order, with extra columns ignored; a missing column or an unknown factor level is an error.
#'
#' @param object A learntorch model (or any torch module fitted with [lt_fit()]).
#' @param new_data New inputs: a data.frame (or tibble), a matrix, a learntorch dataset.
#' @param type `NULL` for the model's kind of prediction: `"class"` for a classifier,
#'   `"numeric"` for a regression model; `"prob"` for class probabilities.
#' @param threshold Probability above which a binary prediction is the second class.
#' @param na.action Rows of `new_data` with `NA` in the model's columns: `na.pass` or
#'   `na.exclude` (the default: the prediction is `NA` there), `na.omit` (left out), `na.fail`
#'   (an error naming the columns).
#' @param ... Unused; `newdata` is accepted as another name for `new_data`.
#' @return `type = "class"`: a factor with the training labels as levels (integers or
#'   logicals when the model was trained on those). `type = "prob"`: a tibble with one column
#'   `.pred_<class>` per class, rows summing to 1. `type = "numeric"`: a numeric vector, or a
#'   tibble with one `.pred_<target>` column per target for several targets.
#' @seealso [lt_predict()], [lt_predict_proba()], which mirror Python's functions.
#' @export
#' @examplesIf lt_python_available()
#' model <- lt_mlp(4, hidden = 8, out_features = 3)
#' lt_fit(model, Species ~ ., data = iris, epochs = 20, optimizer = "adam", lr = 0.01)
#' head(predict(model, iris))
#' head(predict(model, iris[4:1], type = "prob"))  # columns by name, in any order
predict.lt_model <- function(object, new_data, ..., type = NULL, threshold = 0.5,
                             na.action = stats::na.exclude) {
  call <- sys.call()
  call[[1]] <- as.name("predict")  # the generic the user called, not the method
  check_model(object, "object", call = call)
  dots <- list(...)
  if (missing(new_data) && "newdata" %in% names(dots)) {
    new_data <- dots$newdata
    dots$newdata <- NULL
  }
  if (length(dots)) {
    abort("`predict()` has no argument ", paste0("`", names(dots), "`", collapse = ", "), ".",
          bullets = unlist(lapply(names(dots), near_miss_local,
                                  choices = c("new_data", "type", "threshold", "na.action"))),
          call = call)
  }
  if (missing(new_data)) abort("`new_data` is missing: the data to predict for.", call = call)
  na_action <- na_action_name(na.action, call = call)
  task <- model_task(object, call = call)
  type <- type %||% if (task == "regression") "numeric" else "class"
  if (!is.character(type) || length(type) != 1 || !type %in% c("class", "prob", "numeric")) {
    abort("`type` must be \"class\", \"prob\" or \"numeric\", not ", describe(type), ".",
          call = call)
  }
  if ((task == "regression") != (type == "numeric")) {
    abort("`type = \"", type, "\"` needs a ", if (type == "numeric") "regression model" else "classifier",
          "; this model is ", if (task == "regression") "a regression model" else
            paste0("a ", task, " classifier"), ".",
          bullets = c(i = paste0("Use `type = ",
                                 if (task == "regression") "\"numeric\"" else "\"class\" or \"prob\"",
                                 "`.")),
          call = call)
  }
  inputs <- forge_data(object, new_data, "new_data", na_action, call = call)
  lt <- lt_raw()
  out <- switch(type,
    class = labels_to_r(py_try(lt$predict(object, inputs$data, threshold = as_number(threshold)),
                               call = call), object),
    prob = prob_tibble(object, predict_proba_r(object, inputs$data, NULL, call), call),
    numeric = numeric_predictions(object, array_to_r(py_try(lt$predict(object, inputs$data),
                                                            call = call)))
  )
  pad_rows(out, inputs$keep)
}

# Class probabilities as tidymodels' tibble: one `.pred_<class>` column per class.
prob_tibble <- function(model, proba, call) {
  if (!is.matrix(proba)) {
    classes <- model_classes(model, 1L, call = call)
    proba <- cbind(1 - proba, proba)
    colnames(proba) <- classes
  }
  hardhat::spruce_prob(colnames(proba), proba)
}

# Regression predictions: a vector for one target, a tibble of `.pred_<target>` for several.
numeric_predictions <- function(model, values) {
  if (!is.matrix(values)) return(as.numeric(values))
  blueprint <- model_blueprint(model)
  targets <- if (!is.null(blueprint)) names(outcome_names(blueprint$ptypes$outcomes))
  if (length(targets) != ncol(values)) targets <- paste0("target", seq_len(ncol(values)))
  colnames(values) <- paste0(".pred_", targets)
  tibble::as_tibble(values)
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
  call <- sys.call()
  check_model(model, call = call)
  if (!is.null(data)) data <- forge_data(model, data, "data", "na.omit", call = call)$data
  lt <- lt_raw()
  frame_to_df(py_try(lt$decision_grid(model, data = data, xlim = as_numbers(xlim),
                                      ylim = as_numbers(ylim), resolution = as_whole(resolution),
                                      task = as_string(task)), call = call))
}

# Numbers as a Python list of floats (NULL stays None; anything else Python's to refuse).
as_numbers <- function(x, name = NULL) {
  if (is.numeric(x)) return(as.list(as.double(x)))
  x
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
lt_confusion_matrix <- function(model, data, task = NULL, x = NULL, y = NULL,
                                na.action = getOption("na.action", "na.omit")) {
  call <- sys.call()
  check_model(model, call = call)
  na_action <- na_action_name(na.action, call = call)
  data <- forge_data(model, data, "data", na_action, outcomes = TRUE, x = x, y = y, call = call)
  lt <- lt_raw()
  frame_to_df(py_try(lt$confusion_matrix(model, data$data, task = as_string(task), x = data$x,
                                         y = data$y), call = call))
}
