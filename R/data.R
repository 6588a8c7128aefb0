# Datasets: the Python generators, datasets from R data, and the R methods for them.

# Image datasets keep their class through splits and subsets, so autoplot() draws an image grid.
new_dataset <- function(x) {
  image <- reticulate::py_has_attr(x, "image_shape")
  with_class(x, if (image) c("lt_image_dataset", "lt_dataset") else "lt_dataset")
}

#' Noisy continuous XOR points
#'
#' Points near the corners of the unit square, labelled 1 where exactly one coordinate is 1
#' (the XOR tutorial's data). Under the same seed the numbers equal Python's
#' `learntorch.continuous_xor()`.
#'
#' @param size Number of points, a positive whole number.
#' @param std Standard deviation of the Gaussian noise added to each coordinate.
#' @param seed A whole number fixing the points, or `NULL` to use torch's global generator
#'   (see [lt_seed()]).
#' @return A learntorch dataset (class `lt_dataset`): a Python `TensorDataset` with
#'   `as.data.frame()` (columns x1, x2, label), `print()` and `length()` methods.
#' @family data
#' @export
#' @examplesIf lt_python_available()
#' xor <- lt_continuous_xor(200, seed = 42)
#' xor
#' head(as.data.frame(xor))
lt_continuous_xor <- function(size, std = 0.1, seed = NULL) {
  size <- as_count(size, "size")
  std <- as_number(std, "std")
  seed <- as_seed(seed)
  lt <- lt_py()
  new_dataset(py_try(lt$continuous_xor(size, std = std, seed = seed)))
}

#' Two interleaving half circles
#'
#' scikit-learn's `make_moons` construction, computed in torch.
#'
#' @inheritParams lt_continuous_xor
#' @param noise Standard deviation of the Gaussian noise.
#' @return A learntorch dataset (columns x1, x2, label).
#' @family data
#' @export
#' @examplesIf lt_python_available()
#' moons <- lt_two_moons(200, noise = 0.2, seed = 1)
#' table(as.data.frame(moons)$label)
lt_two_moons <- function(size, noise = 0.1, seed = NULL) {
  size <- as_count(size, "size")
  noise <- as_number(noise, "noise")
  seed <- as_seed(seed)
  lt <- lt_py()
  new_dataset(py_try(lt$two_moons(size, noise = noise, seed = seed)))
}

#' Data from a linear model
#'
#' `y = x %*% weights + bias + noise * eps`, with standard-normal `x` and `eps`.
#'
#' @inheritParams lt_continuous_xor
#' @param weights The true weights, one per feature.
#' @param bias The true intercept.
#' @param noise Standard deviation of the noise on `y`.
#' @return A learntorch dataset (columns x1, x2, ..., target); the Python object also carries
#'   `true_weights` and `true_bias`.
#' @family data
#' @export
#' @examplesIf lt_python_available()
#' reg <- lt_linear_regression_data(100, weights = c(2, -3.4), bias = 4.2, seed = 0)
#' coef(lm(target ~ x1 + x2, data = as.data.frame(reg)))
lt_linear_regression_data <- function(size, weights = c(2.0, -3.4), bias = 4.2, noise = 0.01,
                                      seed = NULL) {
  size <- as_count(size, "size")
  if (is.numeric(weights)) weights <- as.list(as.double(weights))
  bias <- as_number(bias, "bias")
  noise <- as_number(noise, "noise")
  seed <- as_seed(seed)
  lt <- lt_py()
  new_dataset(py_try(lt$linear_regression_data(
    size, weights = weights, bias = bias, noise = noise, seed = seed
  )))
}

#' The crop-yields table
#'
#' Five regions: temperature, rainfall and humidity as inputs, apple and orange yields as
#' targets (the linear-regression lesson's data).
#'
#' @return A learntorch regression dataset with two targets.
#' @family data
#' @export
#' @examplesIf lt_python_available()
#' as.data.frame(lt_crop_yields())
lt_crop_yields <- function() {
  lt <- lt_py()
  new_dataset(py_try(lt$crop_yields()))
}

#' A dataset from R data
#'
#' `lt_tensor_dataset()` wraps a matrix (or array, or data.frame) of inputs and a vector of
#' targets; `lt_from_frame()` takes columns of a data.frame. Labels that are names (a factor,
#' character or logical vector) are encoded by Python into class codes, keeping the names as the
#' dataset's `classes` (a factor's levels in order, other names sorted); `as.data.frame()` then
#' gives the label column back as a factor with those levels.
#'
#' @param x For `lt_tensor_dataset()`, inputs: a numeric matrix, array (samples first) or
#'   data.frame. For `lt_from_frame()`, the names of the input columns.
#' @param y For `lt_tensor_dataset()`, targets: a numeric vector or matrix, or class labels (a
#'   factor, character or logical vector). For `lt_from_frame()`, the name(s) of the target
#'   column(s).
#' @param task `"classification"`, `"regression"` or `NULL` to infer it: integer and named
#'   labels classify, double targets regress.
#' @param feature_names,target_names Column names used by `as.data.frame()`; by default the
#'   column names of `x`, or x1, x2, ...
#' @param ... Must be empty: the arguments after `y` are named, as in Python.
#' @param classes The names of the classes, in code order: for integer labels 0, 1, ..., the
#'   name of each; for named labels, the classes and their order (a label not among them is an
#'   error). `NULL`: a factor's levels, or the sorted names.
#' @return A learntorch dataset.
#' @family data
#' @export
#' @examplesIf lt_python_available()
#' ds <- lt_tensor_dataset(as.matrix(iris[1:4]), iris$Species)
#' ds
#' head(as.data.frame(lt_from_frame(iris, x = names(iris)[1:4], y = "Species")))
lt_tensor_dataset <- function(x, y, ..., task = NULL, feature_names = NULL, target_names = NULL,
                              classes = NULL) {
  check_dots_named(..., fn = lt_tensor_dataset, call = sys.call())
  if (is.null(feature_names) && !is.null(colnames(x)) && length(dim(x)) <= 2) {
    feature_names <- colnames(x)
  }
  x_tensor <- as_tensor(x, "x")
  y_value <- as_py_targets(y, "y")
  lt <- lt_py()
  new_dataset(py_try(lt$TensorDataset(
    x_tensor, y_value, task = as_string(task, "task"),
    feature_names = as_names(feature_names, "feature_names"),
    target_names = as_names(target_names, "target_names"),
    classes = as_classes(classes, "classes")
  )))
}

#' @rdname lt_tensor_dataset
#' @param frame A data.frame.
#' @export
lt_from_frame <- function(frame, x, y, task = NULL) {
  if (!is.data.frame(frame)) {
    abort("`frame` must be a data.frame, not ", describe(frame), ".")
  }
  x <- as_names(x, "x")
  y <- as_names(y, "y")
  task <- as_string(task, "task")
  lt <- lt_py()
  new_dataset(py_try(lt$from_frame(as_py_frame(frame), x, y, task = task)))
}

# Targets for Python: labels by name as a Categorical or array (Python encodes them), numbers
# as a tensor (integers int64, doubles torch's default float type).
as_py_targets <- function(y, name, call = sys.call(-1)) {
  if (inherits(y, "python.builtin.object")) return(y)
  if (is_labels(y) && is.null(dim(y))) return(as_py_vector(y))
  as_tensor(y, name, dtype = if (is.integer(y)) "int64" else "float", call = call)
}

# Class names as a Python list: strings, whole numbers as ints, logicals as bools; NA as None.
as_classes <- function(x, name, call = sys.call(-1)) {
  if (is.null(x) || !is.atomic(x)) return(x)
  if (is.factor(x)) x <- as.character(x)
  if (is.numeric(x) && all(is.finite(x) & x == round(x))) x <- as.integer(x)
  values <- as.list(x)
  values[is.na(x)] <- list(NULL)
  values
}

#' Split a dataset into training and validation parts
#'
#' @param dataset A learntorch dataset.
#' @param fraction Share of the rows, chosen at random, that go to the validation part.
#' @inheritParams lt_continuous_xor
#' @return A list with elements `train` and `valid`, both learntorch datasets.
#' @family data
#' @export
#' @examplesIf lt_python_available()
#' parts <- lt_train_val_split(lt_continuous_xor(100, seed = 1), fraction = 0.2, seed = 2)
#' lengths(parts)
lt_train_val_split <- function(dataset, fraction = 0.2, seed = NULL) {
  fraction <- as_number(fraction, "fraction")
  seed <- as_seed(seed)
  dataset <- as_dataset(dataset, "dataset")
  lt <- lt_py()
  parts <- py_try(lt$train_val_split(dataset, fraction = fraction, seed = seed))
  list(train = new_dataset(parts[[1]]), valid = new_dataset(parts[[2]]))
}

#' Mini-batches of a dataset
#'
#' An iterator over (x, y) batches sliced from the dataset's tensors, reshuffled each pass.
#' Iterate over it with [reticulate::iterate()].
#'
#' @param data A learntorch dataset.
#' @param batch_size Rows per batch.
#' @param shuffle Reshuffle the rows on every pass?
#' @param drop_last Drop a last, smaller batch?
#' @param seed A whole number fixing the shuffling order, or `NULL`.
#' @return A Python `BatchIterator` (class `lt_batches`); `length()` gives the number of
#'   batches.
#' @family data
#' @export
#' @examplesIf lt_python_available()
#' b <- lt_batches(lt_continuous_xor(100, seed = 1), batch_size = 32, seed = 0)
#' length(b)
#' sizes <- reticulate::iterate(b, function(batch) batch[[1]]$shape[0])
lt_batches <- function(data, batch_size, shuffle = TRUE, drop_last = FALSE, seed = NULL) {
  batch_size <- as_count(batch_size, "batch_size")
  shuffle <- as_flag(shuffle, "shuffle")
  drop_last <- as_flag(drop_last, "drop_last")
  seed <- as_seed(seed)
  data <- as_dataset(data, "data")
  lt <- lt_py()
  with_class(py_try(lt$batches(data, batch_size, shuffle = shuffle, drop_last = drop_last,
                               seed = seed)), "lt_batches")
}

# A learntorch dataset from a dataset (passed through) or a data.frame (its `label` or
# `target` column against the others, or the columns named by `x` and `y`), for the functions
# whose Python twin takes a TensorDataset (train_val_split, batches).
as_dataset <- function(data, name, call = sys.call(-1)) {
  if (inherits(data, "python.builtin.object")) {
    return(data)
  }
  if (is.data.frame(data)) {
    y <- intersect(c("label", "target"), names(data))[1]
    if (is.na(y)) {
      abort("`", name, "` is a data.frame without a `label` or `target` column; make a dataset ",
            "with lt_from_frame().", call = call)
    }
    return(lt_from_frame(data, setdiff(names(data), y), y))
  }
  abort("`", name, "` must be a learntorch dataset or a data.frame, not ", describe(data), ".",
        call = call)
}

# The pair (inputs, targets) as Python's (x, y) tuple.
as_py_pair <- function(x, y, name, call = sys.call(-1)) {
  inputs <- if (inherits(x, "python.builtin.object")) x else as_tensor(x, "x", call = call)
  reticulate::tuple(inputs, as_py_targets(y, "y", call = call))
}


#' @export
print.lt_batches <- function(x, ...) {
  cat("<lt_batches> ", length(x), " batches of up to ", x$batch_size, " rows",
      if (isTRUE(x$shuffle)) ", shuffled", "\n", sep = "")
  invisible(x)
}

#' Tidy frames of learntorch objects
#'
#' `as.data.frame()` on a dataset gives one row per sample (feature columns, then `label` or
#' the target columns), the same frame as Python's `dataset.to_frame()`.
#'
#' @param x A learntorch dataset or history.
#' @param row.names,optional Ignored; for compatibility with the generic.
#' @param ... Unused.
#' @return A data.frame.
#' @export
#' @examplesIf lt_python_available()
#' head(as.data.frame(lt_continuous_xor(10, seed = 42)))
as.data.frame.lt_dataset <- function(x, row.names = NULL, optional = FALSE, ...) {
  frame_to_df(py_try(py_method(x, "to_frame")))
}
