# R methods for learntorch objects, so they behave as R users expect: datasets index from 1 and
# have dim(), head() and tail(); models have summary(), coef(), nobs(), tidy() and glance();
# histories have summary(). The numbers come from Python; these methods only arrange them.

# ---- objects restored from an R session file -------------------------------------------------

# A learntorch object is a handle on a Python object, which saveRDS() and .RData cannot keep: a
# restored one points to nothing. Say so, and how to keep a model instead.
check_alive <- function(x, arg = "model", call = sys.call(-1)) {
  if (inherits(x, "python.builtin.object") && reticulate::py_is_null_xptr(x)) {
    abort("`", arg, "` was restored from an R session file (saveRDS(), save() or .RData), which ",
          "cannot hold the Python object behind it.",
          bullets = c(i = "Save models with `lt_save(model, path)` and read them with `lt_load(path)`.",
                      i = "Datasets and histories: keep `as.data.frame()` of them."),
          call = call)
  }
  invisible(x)
}

# An attribute of a Python object as an R value, whether the object converts (lt_py()) or not.
as_r_value <- function(x) if (inherits(x, "python.builtin.object")) reticulate::py_to_r(x) else x

# ---- datasets --------------------------------------------------------------------------------

dataset_size <- function(x) {
  check_alive(x, "x", call = sys.call(-2))
  as.integer(reticulate::py_len(x))
}

tensor_shape <- function(tensor) {
  as.integer(unlist(reticulate::py_to_r(lt_raw_builtins()$list(tensor$shape))))
}

#' R's methods for learntorch datasets
#'
#' A learntorch dataset (class `lt_dataset`) indexes from 1, as R vectors and data.frames do:
#' `ds[1:10]` (or `ds[1:10, ]`) is a new dataset of the first ten samples, `ds[i, j]` a
#' data.frame of those rows and columns of `as.data.frame(ds)`, and `ds[[i]]` one sample as
#' `list(x = , y = )`. `head()` and `tail()` give the first or last rows as a data.frame,
#' `length()` and `nrow()` the number of samples, `dim()` the samples and columns of
#' `as.data.frame()` (for image datasets, the dimensions of the images: N x C x H x W), and
#' `as.matrix()` the inputs, one row per sample.
#'
#' @param x A learntorch dataset.
#' @param i,j Rows (samples) and columns, as for a data.frame: positive or negative numbers,
#'   logicals, or for `j` names.
#' @param ... Unused.
#' @param drop For `ds[i, j]`: return a vector when one column is chosen?
#' @param n Number of rows.
#' @return See Description.
#' @name dataset-methods
#' @examplesIf lt_python_available()
#' ds <- lt_continuous_xor(100, seed = 1)
#' dim(ds)
#' head(ds, 3)
#' ds[[1]]
#' ds[1:5]
#' ds[1:5, "label"]
#' tail(ds, 2)
NULL

# 1-based rows as 0-based Python indices; out of range or NA is an error naming the index.
row_index <- function(x, i, call = sys.call(-1)) {
  n <- dataset_size(x)
  if (is.character(i)) abort("samples have no names: index rows by number.", call = call)
  rows <- tryCatch(seq_len(n)[i], error = function(e) {
    abort("can't index ", n, " samples with ", describe(i), ": ", conditionMessage(e), call = call)
  })
  if (anyNA(rows) || (is.numeric(i) && any(abs(i[i != 0]) > n))) {
    abort("can't index ", n, " samples with rows beyond ", n, " or NA.", call = call)
  }
  rows
}

#' @rdname dataset-methods
#' @export
`[.lt_dataset` <- function(x, i, j, ..., drop = TRUE) {
  call <- sys.call()
  rows <- if (missing(i)) seq_len(dataset_size(x)) else row_index(x, i, call)
  torch <- lt_torch()
  part <- new_dataset(py_try(py_method(x, "subset", torch$as_tensor(as.integer(rows - 1L),
                                                                      dtype = torch$int64)),
                             call = call))
  if (missing(j)) return(part)
  frame <- as.data.frame(part)
  frame[, j, drop = drop]
}

#' @rdname dataset-methods
#' @export
`[[.lt_dataset` <- function(x, i, ...) {
  call <- sys.call()
  if (!is.numeric(i) || length(i) != 1 || is.na(i) || i < 1 || i != round(i) ||
      i > dataset_size(x)) {
    abort("`i` must be one sample number from 1 to ", dataset_size(x), ", not ", describe(i), ".",
          call = call)
  }
  row <- as.integer(i) - 1L
  inputs <- tensor_to_r(reticulate::py_get_item(x$x, row))
  features <- tryCatch(unlist(as_r_value(x$feature_names)), error = function(e) NULL)
  if (is.null(dim(inputs)) && length(features) == length(inputs)) names(inputs) <- features
  target <- tensor_to_r(reticulate::py_get_item(x$y, row))
  classes <- dataset_classes(x)
  if (!is.null(classes) && length(target) == 1) {
    target <- factor(classes[target + 1L], levels = classes)
  }
  list(x = inputs, y = target)
}

# A dataset's class names when its labels are names (a factor's levels), else NULL.
dataset_classes <- function(x) {
  labels <- tryCatch(as_r_value(x$classes_are_labels), error = function(e) TRUE)
  classes <- tryCatch(as_r_value(x$classes), error = function(e) NULL)
  if (is.null(classes) || !isTRUE(labels) && !is.null(labels)) return(NULL)
  classes <- unlist(classes)
  if (is.character(classes)) classes
}

#' @rdname dataset-methods
#' @export
dim.lt_dataset <- function(x) {
  n <- dataset_size(x)
  inputs <- tensor_shape(x$x)
  if (inherits(x, "lt_image_dataset") || length(inputs) > 2) return(inputs)
  targets <- tensor_shape(x$y)
  as.integer(c(n, prod(inputs[-1]) + if (length(targets) > 1) targets[[2]] else 1L))
}

#' @rdname dataset-methods
#' @importFrom utils head tail
#' @export
head.lt_dataset <- function(x, n = 6L, ...) {
  size <- dataset_size(x)
  n <- if (n < 0) max(size + n, 0) else min(n, size)
  as.data.frame(x[seq_len(n)])
}

#' @rdname dataset-methods
#' @export
tail.lt_dataset <- function(x, n = 6L, ...) {
  size <- dataset_size(x)
  n <- if (n < 0) max(size + n, 0) else min(n, size)
  rows <- as.integer(seq_len(n) + size - n)
  frame <- as.data.frame(x[rows])
  attr(frame, "row.names") <- rows
  frame
}

#' @rdname dataset-methods
#' @export
as.matrix.lt_dataset <- function(x, ...) {
  inputs <- tensor_to_r(x$x)
  if (length(dim(inputs)) > 2) inputs <- matrix(inputs, nrow = dim(inputs)[[1]])
  if (is.null(dim(inputs))) inputs <- matrix(inputs, ncol = 1)
  features <- tryCatch(unlist(as_r_value(x$feature_names)), error = function(e) NULL)
  if (length(features) == ncol(inputs)) colnames(inputs) <- features
  inputs
}

#' @export
format.lt_dataset <- function(x, ...) {
  if (reticulate::py_is_null_xptr(x)) return("<lt_dataset> (restored from an R session file: empty)")
  paste0("<lt_dataset> ", reticulate::py_str(x))
}

#' @export
print.lt_dataset <- function(x, ...) {
  cat(format(x), "\n", sep = "")
  invisible(x)
}

# ---- batches ---------------------------------------------------------------------------------

#' The first mini-batch, and every mini-batch, as R arrays
#'
#' `lt_first_batch()` takes the first batch of [lt_batches()] (or of a dataset, in order) as a
#' list of R values: `x`, the inputs (a matrix, or an array for images), and `y`, the targets.
#' `as.list()` on batches gives all of them, so R code never needs Python's iterators.
#'
#' @param data Batches from [lt_batches()], or a learntorch dataset.
#' @param batch_size With a dataset: rows in the batch.
#' @return `list(x = , y = )`; `as.list()`: a list of them, one per batch.
#' @family data
#' @export
#' @examplesIf lt_python_available()
#' batches <- lt_batches(lt_continuous_xor(100, seed = 1), batch_size = 8, seed = 0)
#' first <- lt_first_batch(batches)
#' dim(first$x)
#' first$y
#' length(as.list(batches))
lt_first_batch <- function(data, batch_size = 32) {
  call <- sys.call()
  if (!inherits(data, "lt_batches")) {
    data <- lt_batches(data, batch_size = batch_size, shuffle = FALSE)
  }
  check_alive(data, "data", call)
  iterator <- lt_raw_builtins()$iter(data)
  batch_to_r(py_try(lt_raw_builtins()$`next`(iterator), call = call))
}

#' @rdname lt_first_batch
#' @param x Batches from [lt_batches()].
#' @param ... Unused.
#' @export
as.list.lt_batches <- function(x, ...) {
  check_alive(x, "x")
  batches <- list()
  iterator <- lt_raw_builtins()$iter(x)
  repeat {
    batch <- reticulate::iter_next(iterator, completed = NULL)
    if (is.null(batch)) break
    batches[[length(batches) + 1L]] <- batch_to_r(batch)
  }
  batches
}

batch_to_r <- function(batch) {
  list(x = tensor_to_r(reticulate::py_get_item(batch, 0L)),
       y = tensor_to_r(reticulate::py_get_item(batch, 1L)))
}

# ---- models ------------------------------------------------------------------------------------

#' The weights of a model, as R arrays
#'
#' Each parameter tensor of the model, named as PyTorch names it (`linear1.weight`,
#' `linear1.bias`, ...), as an R array of the same shape: a `Linear` layer's weight is an
#' outputs x inputs matrix, its bias a vector.
#'
#' @param model A learntorch model or any torch module.
#' @return A named list of numeric arrays.
#' @family models
#' @export
#' @examplesIf lt_python_available()
#' lt_seed(1)
#' str(lt_parameters(lt_simple_classifier(2, 4, 1)))
lt_parameters <- function(model) {
  call <- sys.call()
  check_model(model, call = call)
  named <- lt_raw_builtins()$dict(py_method(model, "named_parameters"))
  keys <- as.character(unlist(reticulate::py_to_r(lt_raw_builtins()$list(named$keys()))))
  lapply(stats::setNames(nm = keys), function(key) tensor_to_r(reticulate::py_get_item(named, key)))
}

#' Versions of torch and learntorch in use
#'
#' @return `lt_torch_version()`: torch's version as a string, e.g. `"2.13.0+cpu"`, from the
#'   Python that learntorch uses.
#' @family devices
#' @export
#' @examplesIf lt_python_available()
#' lt_torch_version()
lt_torch_version <- function() {
  reticulate::py_to_r(lt_raw_builtins()$str(lt_torch()$`__version__`))
}

# What Python knows of a fitted model: its spec as an R list (NULL when never fitted).
model_spec_r <- function(model) {
  spec <- lt_raw()$tasks$get_spec(model)
  if (inherits(spec, "python.builtin.NoneType")) return(NULL)
  reticulate::py_to_r(py_method(spec, "to_dict"))
}

parameter_count <- function(model) {
  sum(vapply(reticulate::iterate(py_method(model, "parameters")), function(p) as_r_value(p$numel()), numeric(1)))
}

model_class_name <- function(model) as_r_value(model$`__class__`$`__name__`)

#' @export
format.lt_model <- function(x, ...) {
  if (reticulate::py_is_null_xptr(x)) {
    return("<lt_model> (restored from an R session file: empty; use lt_save() and lt_load())")
  }
  task <- tryCatch(as_r_value(x$task), error = function(e) NULL)
  spec <- model_spec_r(x)
  task <- spec$task %||% task
  paste0("<lt_model> ", model_class_name(x), " (", format(parameter_count(x), big.mark = ","),
         " parameters", if (!is.null(task)) paste0(", ", task), ")")
}

#' @export
print.lt_model <- function(x, ...) {
  cat(format(x), "\n", sep = "")
  if (!reticulate::py_is_null_xptr(x)) cat(reticulate::py_str(x), "\n", sep = "")
  invisible(x)
}

#' Summaries of learntorch models and training histories
#'
#' `summary()` of a model: one row per layer with its type, the shape of its output for a batch
#' of `N` rows and its parameters (from Python's `learntorch.summary.layer_table()`), the total,
#' and what a fit learned (task, classes, input columns, training rows). `summary()` of a
#' history: the run's settings and, per metric and split, the last value and the best epoch.
#'
#' @param object A learntorch model or a training history.
#' @param input_shape The shape of one input row (e.g. `c(1, 28, 28)`) when the model does not
#'   tell it (a fit, or its first `Linear` layer, does); without it, output shapes are `NA`.
#' @param ... Unused.
#' @return An object with a `print()` method; its `layers` (model) or `metrics` (history)
#'   element is a data.frame.
#' @export
#' @examplesIf lt_python_available()
#' model <- lt_simple_classifier(2, 4, 1)
#' summary(model)
#' history <- lt_fit(model, lt_continuous_xor(200, seed = 1), epochs = 5)
#' summary(history)
summary.lt_model <- function(object, input_shape = NULL, ...) {
  call <- sys.call()
  call[[1]] <- as.name("summary")
  check_model(object, "object", call = call)
  shape <- if (!is.null(input_shape)) as.list(as.integer(input_shape))
  layers <- frame_to_df(py_try(lt_module("summary")$layer_table(object, input_shape = shape),
                               call = call))
  spec <- model_spec_r(object)
  blueprint <- spec$preprocessor
  structure(list(
    class = model_class_name(object),
    layers = layers,
    parameters = sum(layers$parameters),
    trainable = sum(layers$trainable),
    task = spec$task %||% tryCatch(as_r_value(object$task), error = function(e) NULL),
    classes = unlist(spec$classes),
    features = unlist(spec$feature_names),
    formula = blueprint$formula,
    nobs = spec$nobs
  ), class = "lt_model_summary")
}

#' @export
print.lt_model_summary <- function(x, ...) {
  cat("<lt_model> ", x$class, "\n", sep = "")
  layers <- x$layers
  layers$output_shape[is.na(layers$output_shape)] <- "?"
  print(layers[c("layer", "type", "output_shape", "parameters")], row.names = FALSE)
  cat("Parameters: ", format(x$parameters, big.mark = ","),
      if (x$trainable != x$parameters) paste0(" (", format(x$trainable, big.mark = ","), " trainable)"),
      "\n", sep = "")
  if (!is.null(x$task)) cat("Task: ", x$task, "\n", sep = "")
  if (length(x$classes)) cat("Classes: ", paste(x$classes, collapse = ", "), "\n", sep = "")
  if (!is.null(x$formula)) cat("Formula: ", x$formula, "\n", sep = "")
  if (length(x$features)) cat("Inputs: ", paste(x$features, collapse = ", "), "\n", sep = "")
  if (!is.null(x$nobs)) cat("Trained on: ", x$nobs, " rows\n", sep = "")
  invisible(x)
}

#' @rdname summary.lt_model
#' @export
summary.lt_history <- function(object, ...) {
  check_alive(object, "object")
  frame <- as.data.frame(object)
  params <- as_r_value(object$params)
  keys <- unique(frame[c("split", "metric")])
  rows <- lapply(seq_len(nrow(keys)), function(k) {
    part <- frame[frame$split == keys$split[[k]] & frame$metric == keys$metric[[k]], ]
    part <- part[order(part$epoch), ]
    maximise <- keys$metric[[k]] %in% c("accuracy", "balanced_accuracy", "f1", "precision",
                                         "recall", "auc", "r2")
    best <- if (maximise) which.max(part$value) else which.min(part$value)
    data.frame(split = keys$split[[k]], metric = keys$metric[[k]],
               last = part$value[[nrow(part)]], best = part$value[[best]],
               best_epoch = part$epoch[[best]], stringsAsFactors = FALSE)
  })
  metrics <- do.call(rbind, rows)
  metrics <- metrics[metrics$metric != "lr", , drop = FALSE]
  rownames(metrics) <- NULL
  structure(list(epochs = max(frame$epoch, 0L), params = params, metrics = metrics,
                 stop_reason = as_r_value(object$stop_reason)),
            class = "lt_history_summary")
}

#' @export
print.lt_history_summary <- function(x, ...) {
  p <- x$params
  cat("<lt_history> ", x$epochs, " epochs", sep = "")
  if (!is.null(p$optimizer)) cat(" | ", p$optimizer, " lr ", format(p$lr), sep = "")
  if (!is.null(p$batch_size)) cat(" | batch ", p$batch_size, sep = "")
  if (!is.null(p$task)) cat(" | ", p$task, sep = "")
  cat("\n")
  print(x$metrics, row.names = FALSE, digits = 4)
  if (!is.null(x$stop_reason)) cat(x$stop_reason, "\n", sep = "")
  invisible(x)
}

#' @export
format.lt_history <- function(x, ...) {
  if (reticulate::py_is_null_xptr(x)) return("<lt_history> (restored from an R session file: empty)")
  paste0("<lt_history> ", reticulate::py_str(x))
}

# A model of one Linear layer (linear, logistic, softmax regression): its weight and bias.
linear_layer <- function(model) {
  parameters <- lt_parameters(model)
  weights <- Filter(function(p) length(dim(p)) == 2, parameters)
  biases <- Filter(function(p) is.null(dim(p)), parameters)
  layers <- frame_to_df(lt_module("summary")$layer_table(model))
  with_params <- layers[layers$parameters > 0, , drop = FALSE]
  if (nrow(with_params) != 1 || with_params$type != "Linear" || length(weights) != 1) return(NULL)
  list(weight = weights[[1]], bias = if (length(biases)) biases[[1]] else rep(0, nrow(weights[[1]])))
}

model_feature_names <- function(model, k) {
  spec <- model_spec_r(model)
  names <- unlist(spec$feature_names)
  if (length(names) == k) names else paste0("x", seq_len(k))
}

model_output_names <- function(model, k) {
  spec <- model_spec_r(model)
  classes <- as.character(unlist(spec$classes))
  if (length(classes) == k) return(classes)
  targets <- names(outcome_names(model_blueprint(model)$ptypes$outcomes %||% data.frame()))
  if (length(targets) == k) targets else paste0("output", seq_len(k))
}

#' Coefficients of a linear, logistic or softmax regression
#'
#' The intercept and one weight per input of a model made of one linear layer (as
#' [lt_linear_regression()], [lt_logistic_regression()] and [lt_softmax_regression()] are),
#' named by the input columns it was trained on. For other models see [lt_parameters()].
#'
#' @param object A learntorch model with one linear layer.
#' @param ... Unused.
#' @return A named numeric vector (one output), or a matrix with one column per output (class
#'   or target) and one row per term.
#' @export
#' @examplesIf lt_python_available()
#' data <- as.data.frame(lt_linear_regression_data(200, weights = c(2, -3.4), bias = 4.2, seed = 1))
#' model <- lt_linear_regression(2)
#' lt_fit(model, target ~ x1 + x2, data = data, epochs = 50, lr = 0.1)
#' coef(model)
coef.lt_model <- function(object, ...) {
  call <- sys.call()
  call[[1]] <- as.name("coef")
  check_model(object, "object", call = call)
  layer <- linear_layer(object)
  if (is.null(layer)) {
    abort("coef() is defined for models of one linear layer (linear, logistic or softmax ",
          "regression); this is a ", model_class_name(object), ".",
          bullets = c(i = "Use `lt_parameters(model)` for the weights of any model."), call = call)
  }
  terms <- c("(Intercept)", model_feature_names(object, ncol(layer$weight)))
  values <- rbind(layer$bias, t(layer$weight))
  rownames(values) <- terms
  if (ncol(values) == 1) return(stats::setNames(values[, 1], terms))
  colnames(values) <- model_output_names(object, ncol(values))
  values
}

#' @importFrom stats nobs
#' @export
nobs.lt_model <- function(object, ...) {
  check_model(object, "object", call = sys.call())
  model_spec_r(object)$nobs %||% NA_integer_
}

#' Tidy summaries of models and histories (broom's verbs)
#'
#' `tidy()` of a model: its coefficients (`term`, `estimate`, and `output` when there are
#' several) for a model of one linear layer, else one row per parameter tensor (`term`, `size`,
#' `mean`, `sd`, `min`, `max`). `glance()` of a model: one row describing it. `tidy()` of a
#' history is its tidy frame (epoch, split, metric, value); `glance()` one row with the run's
#' length and its last and best losses.
#'
#' @param x A learntorch model or a training history.
#' @param ... Unused.
#' @return A tibble.
#' @name tidy-methods
#' @examplesIf lt_python_available()
#' model <- lt_logistic_regression(2)
#' history <- lt_fit(model, lt_continuous_xor(100, seed = 1), epochs = 3)
#' tidy(model)
#' glance(model)
#' glance(history)
NULL

#' @importFrom generics tidy
#' @rdname tidy-methods
#' @export
tidy.lt_model <- function(x, ...) {
  check_model(x, "x", call = sys.call())
  layer <- linear_layer(x)
  if (!is.null(layer)) {
    values <- coef.lt_model(x)
    if (is.matrix(values)) {
      return(tibble::tibble(
        term = rep(rownames(values), ncol(values)),
        output = rep(colnames(values), each = nrow(values)),
        estimate = as.vector(values)
      ))
    }
    return(tibble::tibble(term = names(values), estimate = unname(values)))
  }
  parameters <- lt_parameters(x)
  tibble::tibble(
    term = names(parameters),
    size = vapply(parameters, length, integer(1)),
    mean = vapply(parameters, mean, numeric(1)),
    sd = vapply(parameters, function(p) if (length(p) > 1) stats::sd(p) else NA_real_, numeric(1)),
    min = vapply(parameters, min, numeric(1)),
    max = vapply(parameters, max, numeric(1))
  )
}

#' @importFrom generics glance
#' @rdname tidy-methods
#' @export
glance.lt_model <- function(x, ...) {
  check_model(x, "x", call = sys.call())
  spec <- model_spec_r(x)
  tibble::tibble(
    class = model_class_name(x),
    task = spec$task %||% NA_character_,
    classes = length(spec$classes),
    inputs = length(spec$feature_names),
    parameters = as.integer(parameter_count(x)),
    nobs = spec$nobs %||% NA_integer_
  )
}

#' @rdname tidy-methods
#' @export
tidy.lt_history <- function(x, ...) {
  tibble::as_tibble(as.data.frame(x))
}

#' @rdname tidy-methods
#' @export
glance.lt_history <- function(x, ...) {
  s <- summary.lt_history(x)
  value <- function(split, what) {
    row <- s$metrics[s$metrics$split == split & s$metrics$metric == "loss", , drop = FALSE]
    if (nrow(row)) row[[what]] else NA_real_
  }
  tibble::tibble(
    epochs = as.integer(s$epochs),
    train_loss = value("train", "last"),
    valid_loss = value("valid", "last"),
    best_valid_loss = value("valid", "best"),
    best_epoch = value("valid", "best_epoch"),
    stopped_early = !is.null(s$stop_reason)
  )
}

#' @importFrom generics tidy
#' @export
generics::tidy

#' @importFrom generics glance
#' @export
generics::glance

# ---- torch from R ------------------------------------------------------------------------------

#' torch, from the Python learntorch uses
#'
#' The `torch` Python module through reticulate, imported from the same Python as learntorch's
#' own functions (the one [install_learntorch()], `options(learntorch.python = )` or the source
#' tree's virtualenv gives), so that tensors made with it work with every `lt_*` function.
#' `reticulate::import("torch")` alone may start another Python.
#'
#' Tensors convert to R values with `as.array()`, `as.matrix()`, `as.vector()` and
#' `as.numeric()`: a copy, detached from autograd and moved to the CPU, indexed from 1 as R
#' indexes.
#'
#' @param convert Convert results to R values where reticulate can (numbers, lists)?
#' @param x A torch tensor.
#' @param mode,... As for the base functions.
#' @return `lt_import_torch()`: the torch module. The `as.*()` methods: R values.
#' @family devices
#' @export
#' @examplesIf lt_python_available()
#' torch <- lt_import_torch()
#' x <- torch$arange(6L)$view(2L, 3L)
#' as.matrix(x)
#' as.array(x)[2, 3]
lt_import_torch <- function(convert = TRUE) {
  lt_py()
  reticulate::import("torch", convert = convert)
}

#' @rdname lt_import_torch
#' @export
as.array.torch.Tensor <- function(x, ...) {
  value <- tensor_to_r(x)
  if (is.null(dim(value))) array(value, dim = length(value)) else value
}

#' @rdname lt_import_torch
#' @export
as.matrix.torch.Tensor <- function(x, ...) {
  value <- tensor_to_r(x)
  if (is.null(dim(value))) return(matrix(value, ncol = 1))
  if (length(dim(value)) > 2) value <- matrix(value, nrow = dim(value)[[1]])
  value
}

#' @rdname lt_import_torch
#' @export
as.vector.torch.Tensor <- function(x, mode = "any") {
  as.vector(tensor_to_r(x), mode = mode)
}

#' @rdname lt_import_torch
#' @export
as.double.torch.Tensor <- function(x, ...) {
  as.double(tensor_to_r(x))
}
