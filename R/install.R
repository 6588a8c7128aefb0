# install_learntorch(): a virtualenv with the Python package and its pinned dependencies.

#' Install the Python side of learntorch
#'
#' Creates a Python virtualenv (by default "r-learntorch", which learntorch finds by itself in
#' later sessions) and installs into it the learntorch Python package with torch. Like
#' `keras::install_keras()`, it reports what it did.
#'
#' learntorch looks for Python in this order: `options(learntorch.python = )`, the
#' `LEARNTORCH_PYTHON` environment variable, `RETICULATE_PYTHON`, a `.venv` in the learntorch
#' source tree around the working directory, then the virtualenv made here.
#'
#' @param envname Name of (or path to) the virtualenv.
#' @param package What pip installs for learntorch: a path to the source tree (the folder
#'   holding `pyproject.toml`) or a pip specification such as "learntorch==0.1.0". `NULL`:
#'   the source tree around the working directory if there is one, else "learntorch".
#' @param torch The pip specification of torch.
#' @param extra_packages Further pip specifications to install.
#' @param python The Python used to create the virtualenv; `NULL` lets reticulate choose.
#' @param dry_run If `TRUE`, only report what would be installed.
#' @return A list (invisibly): `envname`, `python` (the virtualenv's Python, once created) and
#'   `packages` (the pip specifications).
#' @export
#' @examples
#' install_learntorch(dry_run = TRUE)
install_learntorch <- function(envname = "r-learntorch", package = NULL,
                               torch = "torch==2.13.0", extra_packages = NULL,
                               python = NULL, dry_run = FALSE) {
  # An R-only function (no Python twin to check them): its arguments are checked here.
  call <- sys.call()
  check_r_string(envname, "envname", call)
  package <- package %||% default_package_source()
  check_r_string(package, "package", call)
  check_r_string(torch, "torch", call)
  if (!is.logical(dry_run) || length(dry_run) != 1 || is.na(dry_run)) {
    abort("`dry_run` must be TRUE or FALSE, not ", describe(dry_run), ".", call = call)
  }
  packages <- c(torch, reticulate_pins(), extra_packages)
  plan <- list(envname = envname, python = NULL, packages = c(packages, package))
  message("learntorch: virtualenv '", envname, "' with: ", paste(plan$packages, collapse = ", "))
  if (dry_run) {
    message("learntorch: dry run, nothing installed.")
    return(invisible(plan))
  }
  if (!reticulate::virtualenv_exists(envname)) {
    reticulate::virtualenv_create(envname, python = python)
    message("learntorch: created virtualenv '", envname, "'.")
  }
  # The dependencies first, so that the pins hold when pip resolves learntorch's own ranges.
  reticulate::virtualenv_install(envname, packages, ignore_installed = FALSE)
  reticulate::virtualenv_install(envname, package, ignore_installed = TRUE)
  plan$python <- reticulate::virtualenv_python(envname)
  message("learntorch: installed ", paste(plan$packages, collapse = ", "), " into ",
          plan$python, ".")
  message("learntorch: new R sessions use it", if (!identical(envname, learntorch_envname()))
    paste0(" once you set options(learntorch.python = \"", plan$python, "\")"),
    if (reticulate::py_available(initialize = FALSE)) "; restart R to use it now", ".")
  invisible(plan)
}

default_package_source <- function() {
  find_repo_root() %||% "learntorch"
}

# reticulate before 1.41 cannot convert numpy 2 arrays or pandas 3 frames (measured with 1.28:
# they stay Python objects), so older reticulate gets older numpy and pandas.
reticulate_pins <- function() {
  if (utils::packageVersion("reticulate") < "1.41") c("numpy<2", "pandas<3") else character()
}

check_r_string <- function(x, name, call) {
  if (!is.character(x) || length(x) != 1 || is.na(x)) {
    abort("`", name, "` must be a single string, not ", describe(x), ".", call = call)
  }
}
