# Data frames as R users expect: hardhat molds the training data at lt_fit() (a formula, a
# data.frame with `x`/`y`, or a matrix and a vector) and forges new data through the same
# blueprint at predict(), lt_predict(), lt_evaluate()...: columns by name and in any order, extra
# columns ignored, missing ones and unknown factor levels a clear error. The blueprint travels
# with the model as plain data (Python's Spec.preprocessor), so lt_save()/lt_load() keep it.
# Which column is the target of a bare data.frame is Python's rule (adapters.frame_columns).

# ---- na.action ------------------------------------------------------------------------------

na_actions <- c("na.omit", "na.exclude", "na.fail", "na.pass")

# The name of an na.action given as a function (na.omit) or a string ("na.omit").
na_action_name <- function(na_action, arg = "na.action", call = sys.call(-1)) {
  if (is.character(na_action) && length(na_action) == 1 && na_action %in% na_actions) {
    return(na_action)
  }
  if (is.function(na_action)) {
    for (name in na_actions) {
      if (identical(na_action, get(name, envir = asNamespace("stats")))) return(name)
    }
  }
  abort("`", arg, "` must be na.omit, na.exclude, na.fail or na.pass, not ", describe(na_action),
        ".", call = call)
}

# Rows of `frame` to keep under `na_action`, judged on `columns`: all of them for na.pass; the
# complete ones for na.omit and na.exclude; na.fail stops, naming the columns that hold NA.
na_rows <- function(frame, columns, na_action, arg, call = sys.call(-1)) {
  columns <- intersect(columns, names(frame))
  n <- nrow(frame)
  if (na_action == "na.pass" || !length(columns)) return(rep(TRUE, n))
  missing <- vapply(columns, function(column) sum(is.na(frame[[column]])), numeric(1))
  if (!any(missing > 0)) return(rep(TRUE, n))
  if (na_action == "na.fail") {
    where <- paste0("`", names(missing)[missing > 0], "` (", missing[missing > 0], " row",
                    ifelse(missing[missing > 0] == 1, "", "s"), ")")
    abort("`", arg, "` has missing values (NA) in ", paste(where, collapse = ", "), ".",
          bullets = c(i = paste0("Use `na.action = na.omit` to drop those rows, or replace the ",
                                 "NAs first.")),
          call = call)
  }
  stats::complete.cases(frame[columns])
}

# Predictions for the kept rows back in place: NA where a row was left out (na.exclude, na.pass).
pad_rows <- function(value, keep) {
  if (is.null(keep) || all(keep)) return(value)
  index <- rep(NA_integer_, length(keep))
  index[keep] <- seq_len(sum(keep))
  if (is.data.frame(value)) {
    out <- value[index, , drop = FALSE]
    rownames(out) <- NULL
    return(out)
  }
  if (is.matrix(value)) return(value[index, , drop = FALSE])
  value[index]
}

# ---- blueprints as plain data -----------------------------------------------------------------

# A zero-row column as plain data: its name, type and levels.
column_plain <- function(name, column) {
  type <- if (is.ordered(column)) "ordered" else if (is.factor(column)) "factor" else
    if (is.logical(column)) "logical" else if (is.integer(column)) "integer" else
      if (is.double(column)) "double" else if (is.character(column)) "character" else
        class(column)[[1]]
  list(name = name, type = type, levels = if (is.factor(column)) as.list(levels(column)))
}

ptype_plain <- function(ptype) {
  unname(Map(column_plain, names(ptype), ptype))
}

plain_ptype <- function(columns) {
  make <- function(column) {
    levels <- as.character(unlist(column$levels))
    switch(column$type,
      ordered = factor(character(), levels = levels, ordered = TRUE),
      factor = factor(character(), levels = levels),
      logical = logical(),
      integer = integer(),
      character = character(),
      double()
    )
  }
  frame <- lapply(columns, make)
  names(frame) <- vapply(columns, function(column) column$name, character(1))
  tibble::as_tibble(frame, .name_repair = "minimal")
}

# What a blueprint is, as lists of strings, numbers and booleans Python can store.
blueprint_plain <- function(blueprint, formula = NULL) {
  list(
    engine = "hardhat",
    kind = if (is.null(formula)) "xy" else "formula",
    formula = if (!is.null(formula)) paste(deparse(formula, width.cutoff = 500L), collapse = " "),
    intercept = isTRUE(blueprint$intercept),
    indicators = blueprint$indicators %||% "traditional",
    predictors = ptype_plain(blueprint$ptypes$predictors),
    outcomes = ptype_plain(blueprint$ptypes$outcomes)
  )
}

# The blueprint again, by molding zero rows of the recorded column types.
plain_blueprint <- function(plain) {
  predictors <- plain_ptype(plain$predictors)
  outcomes <- plain_ptype(plain$outcomes)
  quiet_hardhat(if (identical(plain$kind, "formula")) {
    formula <- stats::as.formula(plain$formula, env = globalenv())
    blueprint <- hardhat::default_formula_blueprint(intercept = isTRUE(plain$intercept),
                                                    indicators = plain$indicators)
    hardhat::mold(formula, bind_columns(predictors, outcomes), blueprint = blueprint)$blueprint
  } else {
    blueprint <- hardhat::default_xy_blueprint(intercept = isTRUE(plain$intercept))
    hardhat::mold(predictors, outcomes, blueprint = blueprint)$blueprint
  })
}

bind_columns <- function(a, b) {
  out <- c(as.list(a), as.list(b)[setdiff(names(b), names(a))])
  tibble::as_tibble(out, .name_repair = "minimal")
}

# hardhat (through tibble) warns about name repair for unnamed matrices; the names are ours.
quiet_hardhat <- function(expr) {
  withCallingHandlers(expr, warning = function(w) {
    if (grepl("name_repair|must have unique column names", conditionMessage(w))) {
      invokeRestart("muffleWarning")
    }
  })
}

.blueprints <- new.env(parent = emptyenv())

# The model's blueprint, or NULL when it was not fitted on R data (a learntorch dataset, a
# Python object) or not fitted at all.
model_blueprint <- function(model) {
  spec <- lt_raw()$tasks$get_spec(model)
  if (inherits(spec, "python.builtin.NoneType")) return(NULL)
  plain <- reticulate::py_to_r(reticulate::py_get_attr(spec, "preprocessor"))
  if (is.null(plain) || !identical(plain$engine, "hardhat")) return(NULL)
  key <- rlang::hash(plain)
  if (is.null(.blueprints[[key]])) .blueprints[[key]] <- plain_blueprint(plain)
  .blueprints[[key]]
}

set_model_blueprint <- function(model, plain) {
  spec <- lt_raw()$tasks$get_spec(model)
  if (inherits(spec, "python.builtin.NoneType")) return(invisible(model))
  reticulate::py_set_attr(spec, "preprocessor", plain)
  invisible(model)
}

# ---- mold: training data ------------------------------------------------------------------

# Outcome columns named as the user wrote them: `cbind(a, b).a` is `a`.
outcome_names <- function(outcomes) {
  names(outcomes) <- sub("^cbind\\(.*\\)\\.", "", names(outcomes))
  outcomes
}

# One outcome column as a Python vector (Python encodes names), several as a pandas frame.
py_outcomes <- function(outcomes) {
  outcomes <- outcome_names(outcomes)
  if (ncol(outcomes) == 1) return(as_py_vector(outcomes[[1]]))
  as_py_frame(outcomes)
}

# Backticked names for a formula.
formula_from_names <- function(x, y) {
  quote_name <- function(name) paste0("`", gsub("`", "\\\\`", name), "`")
  lhs <- if (length(y) == 1) quote_name(y) else paste0("cbind(", paste(quote_name(y), collapse = ", "), ")")
  stats::as.formula(paste(lhs, "~", paste(quote_name(x), collapse = " + ")), env = globalenv())
}

# Training data for lt_fit(): list(data = the Python data, x, y (column names for Python, when
# the data is passed as it is), blueprint = the plain blueprint or NULL).
fit_data <- function(train, data, x, y, na_action, arg = "train", call = sys.call(-1)) {
  if (inherits(train, "formula")) {
    if (!is.data.frame(data)) {
      abort("a formula for `", arg, "` needs a data.frame in `data`, not ", describe(data), ".",
            call = call)
    }
    if (!is.null(x) || !is.null(y)) {
      abort("give the columns either in the formula or in `x` and `y`, not both.", call = call)
    }
    return(mold_formula(train, data, na_action, "data", call))
  }
  frame <- if (is.data.frame(train)) train else if (is.null(train) && is.data.frame(data)) data
  if (!is.null(frame)) {
    arg <- if (is.data.frame(train)) arg else "data"
    # Python's rule picks the columns: `y`, else `label`/`target`; `x`, else the others.
    columns <- py_try(lt_module("adapters")$frame_columns(as.list(names(frame)), arg,
                                                      x = as_names(x), y = as_names(y)),
                      call = call)
    columns <- reticulate::py_to_r(columns)
    formula <- formula_from_names(unlist(columns[[1]]), unlist(columns[[2]]))
    return(mold_formula(formula, frame, na_action, arg, call))
  }
  if (inherits(train, "python.builtin.object")) {
    return(list(data = train, x = as_names(x), y = as_names(y), blueprint = NULL))
  }
  if (is.list(train) && all(c("x", "y") %in% names(train))) {
    return(mold_xy(train$x, train$y, na_action, arg, call))
  }
  if (is.null(train) && is.null(data) && !is.null(x) && !is.null(y) && !is.character(x)) {
    return(mold_xy(x, y, na_action, "x", call))
  }
  abort("`", arg, "` must be a learntorch dataset, a data.frame, a formula with `data`, ",
        "list(x = , y = ), a matrix `x` with targets `y`, or Python data; not ", describe(train),
        ".", call = call)
}

mold_formula <- function(formula, frame, na_action, arg, call) {
  if (length(formula) != 3) {
    abort("the formula needs a response: `label ~ x1 + x2`.", call = call)
  }
  used <- tryCatch(all.vars(attr(stats::terms(formula, data = frame), "variables")),
                   error = function(e) all.vars(formula))
  unknown <- setdiff(setdiff(used, "."), names(frame))
  if (length(unknown)) {
    abort("the formula names ", paste0("`", unknown, "`", collapse = ", "), ", not columns of `",
          arg, "`.", bullets = near_miss(unknown[[1]], names(frame)), call = call)
  }
  frame <- frame[na_rows(frame, used, na_action, arg, call), , drop = FALSE]
  molded <- hardhat_call(hardhat::mold(formula, frame), arg, call)
  list(
    data = reticulate::tuple(as_py_frame(molded$predictors), py_outcomes(molded$outcomes)),
    x = NULL, y = NULL, blueprint = blueprint_plain(molded$blueprint, formula)
  )
}

mold_xy <- function(x, y, na_action, arg, call) {
  if (inherits(x, "python.builtin.object") || length(dim(x)) > 2 || is.null(dim(x)) && !is.data.frame(x)) {
    # Images (N x C x H x W), a Python tensor, a vector: passed as they are, without a blueprint.
    return(list(data = as_py_pair(x, y, arg, call = call), x = NULL, y = NULL, blueprint = NULL))
  }
  if (inherits(y, "python.builtin.object")) {
    return(list(data = as_py_pair(x, y, arg, call = call), x = NULL, y = NULL, blueprint = NULL))
  }
  # The matrix and the targets as one data.frame, molded by a formula of their names (hardhat's
  # xy blueprint knows no character or logical targets).
  if (!is.data.frame(x) && is.null(colnames(x))) colnames(x) <- paste0("x", seq_len(ncol(x)))
  frame <- as.data.frame(x, optional = TRUE)
  if (is.null(dim(y))) {
    targets <- ".outcome"
    frame[[targets]] <- y
  } else {
    y <- as.data.frame(y, optional = TRUE)
    targets <- if (is.null(colnames(y)) || any(colnames(y) == "")) paste0("target", seq_len(ncol(y))) else colnames(y)
    frame[targets] <- y
  }
  mold_formula(formula_from_names(names(frame)[seq_len(ncol(x))], targets), frame, na_action, arg,
               call)
}

# hardhat's errors, as errors of the lt_ function about the argument the user gave.
hardhat_call <- function(expr, arg, call) {
  # A factor level the model never saw would become NA with a warning: it is an error here.
  novel <- function(w) {
    if (grepl("Novel levels", conditionMessage(w))) stop(simpleError(conditionMessage(w)))
  }
  tryCatch(withCallingHandlers(expr, warning = novel), error = function(e) {
    message <- gsub("\n", " ", conditionMessage(e))
    message <- sub("^The following required columns are missing: ", "it lacks the columns ", message)
    message <- gsub("`data\\$", "`", message)
    abort("`", arg, "` does not fit the model's training data: ", message,
          if (!grepl("[.]$", message)) ".", call = call)
  })
}

near_miss <- function(value, choices) {
  found <- reticulate::py_to_r(lt_module("suggest")$closest(value, as.list(choices)))
  if (is.null(found)) return(NULL)
  c(i = paste0("Did you mean `", found, "`?"))
}

# ---- forge: new data ----------------------------------------------------------------------

# New data for predict(), lt_predict(), lt_evaluate(), lt_decision_grid()...: through the model's
# blueprint when it has one. Returns list(data = the Python data, x, y, keep = rows used).
forge_data <- function(model, new_data, arg, na_action = "na.pass", outcomes = FALSE, x = NULL,
                       y = NULL, call = sys.call(-1)) {
  if (inherits(new_data, "python.builtin.object")) {
    return(list(data = new_data, x = as_names(x), y = as_names(y), keep = NULL))
  }
  blueprint <- if (is.data.frame(new_data) || is.matrix(new_data)) model_blueprint(model)
  if (is.null(blueprint) || !is.null(x) || !is.null(y)) {
    return(unmolded_data(model, new_data, arg, na_action, outcomes, x, y, call))
  }
  wanted <- names(blueprint$ptypes$predictors)
  if (outcomes) wanted <- c(wanted, names(blueprint$ptypes$outcomes))
  if (is.matrix(new_data)) {
    if (is.null(colnames(new_data)) && ncol(new_data) == length(wanted)) colnames(new_data) <- wanted
    new_data <- as.data.frame(new_data, optional = TRUE)
  }
  missing <- setdiff(wanted, names(new_data))
  if (length(missing)) {
    abort("`", arg, "` lacks the column", if (length(missing) > 1) "s", " ",
          paste0("`", missing, "`", collapse = ", "), " the model was trained on.",
          bullets = c(near_miss(missing[[1]], setdiff(names(new_data), wanted)),
                      i = paste0("The model uses ", paste0("`", wanted, "`", collapse = ", "),
                                 ", by name, in any order.")),
          call = call)
  }
  keep <- na_rows(new_data, wanted, na_action, arg, call)
  forged <- hardhat_call(hardhat::forge(new_data[keep, , drop = FALSE], blueprint,
                                        outcomes = outcomes), arg, call)
  inputs <- as_py_frame(forged$predictors)
  data <- if (outcomes) reticulate::tuple(inputs, py_outcomes(forged$outcomes)) else inputs
  list(data = data, x = NULL, y = NULL, keep = if (na_action == "na.omit") NULL else keep)
}

# New data for a model without a blueprint: a data.frame goes to Python as it is (Python matches
# the columns it was trained on by name), a matrix as a tensor, a vector as one feature.
unmolded_data <- function(model, new_data, arg, na_action, outcomes, x, y, call) {
  if (is.data.frame(new_data)) {
    columns <- names(new_data)
    spec <- lt_raw()$tasks$get_spec(model)
    if (!inherits(spec, "python.builtin.NoneType") && !is.null(x %||% spec$feature_names)) {
      columns <- c(x %||% unlist(reticulate::py_to_r(spec$feature_names)), y %||% c("label", "target"))
    }
    keep <- na_rows(new_data, columns, na_action, arg, call)
    return(list(data = as_py_frame(new_data[keep, , drop = FALSE]), x = as_names(x),
                y = as_names(y), keep = if (na_action == "na.omit") NULL else keep))
  }
  if (is.list(new_data) && all(c("x", "y") %in% names(new_data))) {
    return(list(data = as_py_pair(new_data$x, new_data$y, arg, call = call), x = NULL, y = NULL,
                keep = NULL))
  }
  if (outcomes) {
    abort("`", arg, "` must be labelled data: a learntorch dataset, a data.frame or ",
          "list(x = , y = ); not ", describe(new_data), ".", call = call)
  }
  if (is.null(dim(new_data)) && is.numeric(new_data)) new_data <- matrix(new_data, ncol = 1)
  keep <- NULL
  if (is.numeric(new_data) && anyNA(new_data) && length(dim(new_data)) == 2) {
    frame <- as.data.frame(new_data)
    keep <- na_rows(frame, names(frame), na_action, arg, call)
    new_data <- new_data[keep, , drop = FALSE]
    if (na_action == "na.omit") keep <- NULL
  }
  list(data = as_tensor(new_data, arg, call = call), x = NULL, y = NULL, keep = keep)
}
