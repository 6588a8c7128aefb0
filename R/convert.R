# Converters at the R/Python boundary. They change TYPES, not rules: each turns one R value
# into what Python expects (whole numbers as R integers, so that Python receives an int; NA as
# NaN; character vectors as lists; NULL as None) and passes anything else through unchanged.
# Whether a value is allowed (epochs = 0, a threshold of 1, a task name, a string for a count) is
# Python's answer, with Python's message, which py_try() writes in R's syntax.

describe <- function(x) {
  if (is.null(x)) return("NULL")
  if (is.character(x) && length(x) == 1) return("a character string")
  if (is.character(x)) return("a character vector")
  if (is.logical(x) && length(x) == 1) return(as.character(x))
  if (is.numeric(x) && length(x) == 1) return(format(x))
  if (is.numeric(x)) return(paste0("a numeric vector of length ", length(x)))
  if (is.function(x)) return("a function")
  paste0("an object of class ", class(x)[1])
}

# One missing value (NA of any type) as NaN: reticulate would turn a logical NA into True and a
# character NA into "NA". Python refuses NaN wherever it checks the value, saying "got NaN".
scalar_na <- function(x) is.atomic(x) && length(x) == 1 && is.na(x) && !is.nan(x)

# A whole number as an R integer, so Python receives an int (beyond R's integer range, a Python
# int); anything else unchanged, for Python to accept or refuse.
as_whole <- function(x, name = NULL, ...) {
  if (scalar_na(x)) return(NaN)
  if (is.numeric(x) && length(x) == 1 && is.finite(x) && x == round(x) && is.null(dim(x))) {
    if (abs(x) > .Machine$integer.max) {
      return(lt_raw_builtins()$int(format(x, scientific = FALSE)))
    }
    return(as.integer(x))
  }
  x
}

# Kept for callers elsewhere: the same conversion (Python checks the range).
as_count <- function(x, name = NULL, ...) as_whole(x, name)
as_seed <- function(x, name = "seed", ...) as_whole(x, name)

# A number as a double (Python receives a float); anything else unchanged.
as_number <- function(x, name = NULL, ...) {
  if (scalar_na(x)) return(NaN)
  if (is.numeric(x) && length(x) == 1 && is.null(dim(x))) return(as.double(x))
  x
}

# TRUE/FALSE pass as they are; NA becomes NaN (reticulate would send True).
as_flag <- function(x, name = NULL, ...) {
  if (scalar_na(x)) return(NaN)
  x
}

as_string <- function(x, name = NULL, ...) {
  if (scalar_na(x)) return(NaN)
  x
}

# Python strings, or a Python object passed through (a torch optimizer, device, loss...).
as_string_or_object <- function(x, name = NULL, ...) as_string(x, name)

# A file path as Python wants it: one string, `~` expanded.
as_path <- function(x, name = NULL, ...) {
  if (is.character(x) && length(x) == 1 && !is.na(x)) return(path.expand(x))
  as_string(x, name)
}

# Column names as a Python list even when there is one name.
as_names <- function(x, name = NULL, ...) {
  if (is.character(x) && !anyNA(x)) return(as.list(x))
  x
}

# Are these class labels by name (factor, character or logical)? Python encodes them.
is_labels <- function(y) is.factor(y) || is.character(y) || is.logical(y)

# Class labels as 0-based codes, for the functions whose Python twin takes codes (losses, image
# labels). Names are encoded by Python (learntorch.labels.encode_labels: a factor's levels in
# order, other names sorted); numbers pass through.
as_labels <- function(y, name = "y", call = sys.call(-1)) {
  if (!is_labels(y)) return(y)
  encoded <- py_try(lt_raw()$labels$encode_labels(as_py_vector(y), name), call = call)
  tensor_to_r(reticulate::py_get_item(encoded, 0L))
}

lt_pandas <- function() {
  lt_py()
  if (is.null(.lt$pandas)) .lt$pandas <- reticulate::import("pandas", convert = FALSE)
  .lt$pandas
}

# One R vector as a Python column: a factor becomes a pandas Categorical with the levels as
# categories, in level order; character a numpy object array; logical a numpy bool array;
# integer int64, double float64. NA becomes None (NaN for numbers), which Python reports.
as_py_vector <- function(x) {
  np <- lt_py_numpy()
  if (is.factor(x)) {
    codes <- as.integer(x) - 1L
    codes[is.na(codes)] <- -1L
    return(lt_pandas()$Categorical$from_codes(
      np$array(codes, dtype = "int64"),
      categories = lt_pandas()$Index(as.list(levels(x)), dtype = "object")
    ))
  }
  if (is.character(x) || (is.logical(x) && anyNA(x))) {
    values <- as.list(x)
    values[is.na(x)] <- list(NULL)
    return(np$array(values, dtype = "object"))
  }
  if (is.logical(x)) return(np$array(x, dtype = "bool"))
  if (is.integer(x) && !anyNA(x)) return(np$array(x, dtype = "int64"))
  if (is.numeric(x) && is.null(dim(x))) return(np$array(as.double(x), dtype = "float64"))
  reticulate::r_to_py(x)
}

# A data.frame (or tibble) as a pandas DataFrame, column by column with as_py_vector(), so
# factor columns arrive as Categoricals with their levels and NA as missing values.
# (reticulate's own conversion keeps factor levels too, but turns a logical NA into True and a
# character NA into "NA".)
as_py_frame <- function(frame) {
  columns <- lapply(frame, as_py_vector)
  lt_pandas()$DataFrame(reticulate::py_dict(as.list(names(frame)), unname(columns)))
}

# An R vector, matrix, array or data.frame as a torch tensor. Numbers become torch's default
# float type (float32, what Python users get from torch.tensor); `dtype = "int64"` for labels.
# A data.frame is its numeric columns, one row per sample.
as_tensor <- function(x, name, dtype = "float", call = sys.call(-1)) {
  if (inherits(x, "torch.Tensor")) return(x)
  if (is.data.frame(x)) {
    numeric <- vapply(x, function(col) is.numeric(col) || is.logical(col), logical(1))
    if (!all(numeric)) {
      abort("`", name, "` must hold numeric columns only; ",
            paste0("`", names(x)[!numeric], "`", collapse = ", "), " is not numeric.", call = call)
    }
    x <- as.matrix(x)
  }
  if (!is.numeric(x) && !is.logical(x)) {
    abort("`", name, "` must be numeric (a vector, matrix, array or data.frame), not ",
          describe(x), ".", call = call)
  }
  if (anyNA(x)) {
    abort("`", name, "` contains missing values (NA).", call = call)
  }
  torch <- lt_torch()
  torch_dtype <- if (dtype == "int64") torch$int64 else torch$get_default_dtype()
  # A copy: numpy views of R memory are read-only, which torch warns about.
  torch$as_tensor(.lt$numpy$array(x), dtype = torch_dtype)
}

lt_raw_builtins <- function() {
  lt_py()
  .lt$builtins
}

# A pandas DataFrame as a plain data.frame, column by column through numpy (about 20x faster
# than reticulate's pandas conversion, and no pandas index attribute left behind). A
# Categorical column becomes a factor with its categories as levels, in order.
frame_to_df <- function(frame) {
  columns <- reticulate::py_to_r(frame$columns$tolist())
  out <- lapply(columns, function(column) {
    series <- reticulate::py_get_item(frame, column)
    if (identical(reticulate::py_to_r(series$dtype$name), "category")) {
      categorical_to_factor(series$cat)
    } else {
      array_to_r(series$to_numpy())
    }
  })
  names(out) <- as.character(unlist(columns))
  as.data.frame(out, stringsAsFactors = FALSE, optional = TRUE)
}

# A pandas Categorical (or a Series' .cat accessor) as an R factor with the same levels.
categorical_to_factor <- function(categorical) {
  codes <- array_to_r(lt_py_numpy()$asarray(categorical$codes))
  levels <- as.character(unlist(reticulate::py_to_r(categorical$categories$tolist())))
  codes[codes < 0L] <- NA_integer_
  factor(levels[codes + 1L], levels = levels)
}

lt_py_numpy <- function() {
  lt_py()
  .lt$numpy
}

# A numpy array as an R vector or matrix: integer kinds become R integers, 1-d loses its dim.
array_to_r <- function(array) {
  kind <- reticulate::py_to_r(array$dtype$kind)
  if (kind == "O") {
    values <- reticulate::py_to_r(array$tolist())
    if (!length(values)) return(character())
    values[vapply(values, is.null, logical(1))] <- NA  # None: a missing value
    return(unlist(values))
  }
  values <- reticulate::py_to_r(array)
  if (kind %in% c("i", "u") && all(abs(values) <= .Machine$integer.max, na.rm = TRUE)) {
    values <- array(as.integer(values), dim = dim(values))
  }
  if (length(dim(values)) == 1) values <- as.vector(values)
  values
}

# A torch tensor as an R vector or array.
tensor_to_r <- function(tensor) {
  array_to_r(py_method(py_method(py_method(tensor, "detach"), "cpu"), "numpy"))
}

# Add S3 classes in front of a Python object's own (which stay for reticulate's methods).
with_class <- function(object, class) {
  class(object) <- unique(c(class, class(object)))
  object
}
