# Finding Python, importing the learntorch module lazily, and turning Python errors into short
# R errors. Everything here is internal except lt_python_available().

# Package state: the module proxies and whether the import has been checked.
.lt <- new.env(parent = emptyenv())

.onLoad <- function(libname, pkgname) {
  # delay_load keeps library(learntorch) instant and quiet when Python is missing; the import
  # (and the choice of Python) happens on the first call that needs it.
  .lt$module <- reticulate::import(
    "learntorch",
    delay_load = list(
      priority = 10,
      before_load = configure_python,
      on_error = function(e) stop(python_missing_message(e), call. = FALSE)
    )
  )
  .lt$ready <- FALSE
}

#' Is the learntorch Python module available?
#'
#' Checks, without raising an error, whether Python with the `learntorch` module (and torch)
#' can be used. The first call chooses a Python (see [install_learntorch()] for how) and starts
#' it; once R has started a Python, it keeps it for the session.
#'
#' @return `TRUE` or `FALSE`.
#' @export
#' @examples
#' lt_python_available()
lt_python_available <- function() {
  isTRUE(tryCatch({
    lt_py()
    TRUE
  }, error = function(e) FALSE))
}

# The learntorch module (converting results to R); stops with a how-to-fix message when absent.
lt_py <- function() {
  if (!isTRUE(.lt$ready)) {
    configure_python()
    # Importing (not just finding) the module also catches a broken torch or numpy.
    raw <- tryCatch(reticulate::import("learntorch", convert = FALSE), error = identity)
    if (inherits(raw, "error")) {
      stop(python_missing_message(raw), call. = FALSE)
    }
    .lt$raw <- raw
    .lt$torch <- reticulate::import("torch", convert = FALSE)
    .lt$numpy <- reticulate::import("numpy", convert = FALSE)
    .lt$builtins <- reticulate::import_builtins(convert = FALSE)
    # torch makes $TMPDIR/torchinductor_<user> whenever it builds an optimizer; keep that
    # cache in R's session folder, which R removes at exit, unless the user chose a place.
    reticulate::import("os", convert = FALSE)$environ$setdefault(
      "TORCHINDUCTOR_CACHE_DIR", file.path(tempdir(), "torchinductor")
    )
    # reticulate 1.28 converts pandas frames through Index.format, which pandas 2 flags as
    # deprecated on every call; the warning says nothing a learntorch user can act on.
    reticulate::import("warnings", convert = FALSE)$filterwarnings(
      "ignore", message = "Index.format is deprecated", category = reticulate::py_eval("FutureWarning", convert = FALSE)
    )
    .lt$ready <- TRUE
  }
  .lt$module
}

# The same module without conversion: frames, arrays and dicts are converted by our own code,
# which is faster than reticulate's pandas path and leaves no pandas index behind.
lt_raw <- function() {
  lt_py()
  .lt$raw
}

# A submodule of learntorch (unconverted), imported once.
lt_module <- function(name) {
  lt_py()
  key <- paste0("module_", name)
  if (is.null(.lt[[key]])) {
    .lt[[key]] <- reticulate::import(paste0("learntorch.", name), convert = FALSE)
  }
  .lt[[key]]
}

lt_torch <- function() {
  lt_py()
  .lt$torch
}

# Call `name` on a Python object without converting the result.
py_method <- function(object, name, ...) {
  lt_py()
  reticulate::py_call(.lt$builtins$getattr(object, name), ...)
}

# The Python to use, in order: option, env var, reticulate's own setting, the repo's .venv,
# the virtualenv made by install_learntorch(). NULL: leave the choice to reticulate.
find_python <- function() {
  chosen <- getOption("learntorch.python", Sys.getenv("LEARNTORCH_PYTHON"))
  if (nzchar(chosen %||% "")) {
    # Not normalizePath(): a virtualenv's python is a symlink, and resolving it would leave
    # the virtualenv for its base interpreter.
    return(path.expand(chosen))
  }
  if (nzchar(Sys.getenv("RETICULATE_PYTHON"))) {
    return(NULL)
  }
  repo <- find_repo_root()
  if (!is.null(repo)) {
    for (exe in c(".venv/bin/python", ".venv/Scripts/python.exe")) {
      path <- file.path(repo, exe)
      if (file.exists(path)) return(path)
    }
  }
  env <- learntorch_envname()
  if (reticulate::virtualenv_exists(env)) {
    return(reticulate::virtualenv_python(env))
  }
  NULL
}

learntorch_envname <- function() {
  getOption("learntorch.envname", "r-learntorch")
}

# The learntorch source tree containing the working directory, if any (a pyproject.toml that
# names the project "learntorch", next to python/learntorch).
find_repo_root <- function(start = getwd()) {
  dir <- normalizePath(start, mustWork = FALSE)
  repeat {
    if (is_learntorch_source(dir)) return(dir)
    parent <- dirname(dir)
    if (identical(parent, dir)) return(NULL)
    dir <- parent
  }
}

is_learntorch_source <- function(dir) {
  pyproject <- file.path(dir, "pyproject.toml")
  file.exists(pyproject) &&
    file.exists(file.path(dir, "python", "learntorch", "__init__.py")) &&
    any(grepl('^name *= *"learntorch"', readLines(pyproject, warn = FALSE)))
}

configure_python <- function() {
  if (reticulate::py_available(initialize = FALSE)) {
    return(invisible(NULL))
  }
  python <- find_python()
  if (!is.null(python)) {
    if (!file.exists(python)) {
      stop("learntorch was told to use the Python at ", python, ", which does not exist.\n",
           "Fix `options(learntorch.python = )` or the LEARNTORCH_PYTHON variable.", call. = FALSE)
    }
    # RETICULATE_PYTHON outranks every other rule in reticulate's discovery (old and new
    # versions alike), so no project file or conda setting can override the choice.
    Sys.setenv(RETICULATE_PYTHON = python)
  } else if (is.function(reticulate_fun("py_require"))) {
    # Newer reticulate can provision an environment itself from declared requirements.
    reticulate_fun("py_require")("learntorch")
  }
  invisible(NULL)
}

reticulate_fun <- function(name) {
  ns <- asNamespace("reticulate")
  if (exists(name, envir = ns, inherits = FALSE)) get(name, envir = ns) else NULL
}

python_missing_message <- function(error = NULL) {
  started <- reticulate::py_available(initialize = FALSE)
  where <- if (started) {
    paste0("the Python in use (", reticulate::py_config()$python, ") cannot import it")
  } else {
    "no Python with the `learntorch` module was found"
  }
  detail <- if (!is.null(error)) paste0("\n(", clean_python_message(conditionMessage(error)), ")")
  paste0(
    "learntorch needs Python with its `learntorch` module and torch, but ", where, ".", detail,
    "\nFix it with one of:",
    "\n  * install_learntorch(), which makes the 'r-learntorch' virtualenv;",
    "\n  * options(learntorch.python = \"/path/to/python\") or the LEARNTORCH_PYTHON variable,",
    "\n    naming a Python that has learntorch installed;",
    if (started) "\nthen restart R: a session keeps the first Python it starts." else ""
  )
}

# Run `expr` (a call into Python); a Python exception becomes a short R error that keeps the
# Python message (which names the argument), written in R's syntax, and drops the traceback.
# `call` is the lt_ call the user typed.
py_try <- function(expr, call = sys.call(sys.parent())) {
  # Forced before `expr` runs: evaluated later, inside the handler, the default would name
  # whichever function happened to force `expr` (e.g. a class setter) instead of the lt_ call.
  force(call)
  tryCatch(expr, error = function(e) {
    if (inherits(e, "lt_error")) stop(e)
    stop(python_error(e, call))
  })
}

python_error <- function(e, call) {
  raw <- conditionMessage(e)
  first <- strsplit(raw, "\n", fixed = TRUE)[[1]][1]
  pattern <- "^(?:[A-Za-z_][A-Za-z0-9_]*\\.)*([A-Za-z_][A-Za-z0-9_]*): .*$"
  type <- if (grepl(pattern, first, perl = TRUE)) sub(pattern, "\\1", first, perl = TRUE) else NA
  message <- r_syntax(clean_python_message(raw))
  # Python ends a near miss with " Did you mean 'adam'?": an R hint bullet.
  hint <- regmatches(message, regexpr(" Did you mean [^?]*\\?$", message))
  if (length(hint)) {
    message <- c(sub(" Did you mean [^?]*\\?$", "", message), i = trimws(hint))
  }
  error_condition(message, call = call, class = c("lt_python_error", "lt_error"),
                  python_type = type)
}

# reticulate 1.28 gives "ValueError: msg"; current versions add "Run `reticulate::py_last_error()`
# for details." and older ones a "Detailed traceback:" block.
clean_python_message <- function(message) {
  message <- sub("\n*Run `reticulate::py_last_error\\(\\)`.*$", "", message)
  message <- sub("\n*Detailed traceback:.*$", "", message)
  message <- sub("^Error in py_call_impl\\(.*?\\) *:\\s*", "", message)
  message <- sub("^[A-Za-z_][A-Za-z0-9_.]*(Error|Exception|Diverged|Interrupt): ", "", message)
  trimws(message)
}

# A Python message in R's words: lists of values as c(...), 'strings' as "strings", None, True,
# False, nan and inf as NULL, TRUE, FALSE, NaN and Inf, `lt.fit()` as `lt_fit()`. Only values are
# rewritten: an apostrophe inside a word ("the model's") stays.
r_syntax <- function(message) {
  quoted <- "'((?:[^'\\\\\\n]|\\\\.)*)'"
  # a quoted value starts after a space, ( [ { or the start, and ends before punctuation or a space
  message <- gsub(paste0("(^|[\\s(\\[{,=])", quoted, "(?=$|[\\s)\\]},.:;?!])"), "\\1\"\\2\"",
                  message, perl = TRUE)
  message <- gsub("\\bNone\\b", "NULL", message, perl = TRUE)
  message <- gsub("\\bTrue\\b", "TRUE", message, perl = TRUE)
  message <- gsub("\\bFalse\\b", "FALSE", message, perl = TRUE)
  message <- gsub("(?<![\\w.])nan\\b", "NaN", message, perl = TRUE)
  message <- gsub("(?<![\\w.])(-?)inf\\b", "\\1Inf", message, perl = TRUE)
  message <- gsub("\\blt\\.([a-z_]+)\\(", "lt_\\1(", message, perl = TRUE)
  # R's 5 arrives as 5.0: shown as the user typed it.
  message <- gsub("(?<![\\w.])(-?[0-9]+)\\.0(?![\\w.])", "\\1", message, perl = TRUE)
  # Python's type names, after "got", as R users call those values.
  for (type in names(r_type_names)) {
    message <- gsub(paste0("\\bgot ", type, "\\b(?![(\\w]|\\.\\w)"), paste("got", r_type_names[[type]]),
                    message, perl = TRUE)
  }
  for (name in names(r_function_names)) {
    message <- gsub(paste0("\\b", name, "\\b"), r_function_names[[name]], message, perl = TRUE)
  }
  # Lists of values, [1, 2] and ["a", "b"] (already in R's quotes), as c(1, 2) and c("a", "b");
  # nested ones from the inside out. Brackets around anything else (x[0], [linear1.bias]) stay.
  value <- "(?:\"(?:[^\"\\\\]|\\\\.)*\"|-?[0-9.]+(?:e[-+]?[0-9]+)?|NULL|TRUE|FALSE|NaN|-?Inf|c\\([^()]*\\))"
  list_pattern <- paste0("(^|[\\s(,:=[])\\[(\\s*(?:", value, "(?:,\\s*", value, ")*)?\\s*)\\]")
  repeat {
    updated <- gsub(list_pattern, "\\1c(\\2)", message, perl = TRUE)
    if (identical(updated, message)) break
    message <- updated
  }
  message
}

r_type_names <- c(float = "a number", int = "a whole number", str = "a string",
                  list = "a vector or list", tuple = "a vector or list", dict = "a named list",
                  NoneType = "NULL", bool = "TRUE or FALSE", `function` = "a function")

# Python's callables, named in messages, as their R twins.
r_function_names <- c(
  EarlyStopping = "lt_early_stopping()", KeepBestWeights = "lt_keep_best_weights()",
  ModelCheckpoint = "lt_model_checkpoint()", CSVLogger = "lt_csv_logger()",
  `to fit` = "to lt_fit()", `fit's` = "lt_fit()'s"
)

# An error condition made by cli (so it prints as R users expect: "Error in `lt_fit()`:", then
# the message and its bullets), holding `message` as it is: braces in it are not interpolated.
error_condition <- function(message, call = NULL, class = NULL, ...) {
  escaped <- gsub("}", "}}", gsub("{", "{{", message, fixed = TRUE), fixed = TRUE)
  names(escaped) <- names(message)
  tryCatch(
    cli::cli_abort(escaped, call = call, class = class, ..., .envir = emptyenv()),
    error = identity
  )
}

# An R-side error: classed so py_try passes it through unchanged. The message is pasted from
# `...`; `bullets` adds cli bullets (named "i", "x", "*").
abort <- function(..., call = sys.call(-1), bullets = NULL, class = NULL) {
  stop(error_condition(c(paste0(...), bullets), call = call,
                       class = c(class, "lt_argument_error", "lt_error")))
}

`%||%` <- function(x, y) if (is.null(x)) y else x
