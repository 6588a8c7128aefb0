# Python-backed tests skip only where Python may be missing (CRAN-like runs). In CI, or with
# LEARNTORCH_REQUIRE_PYTHON=1, a missing Python is an error, so a broken setup cannot pass as
# a run of skips.

python_required <- function() {
  tolower(Sys.getenv("CI")) %in% c("true", "1") ||
    tolower(Sys.getenv("LEARNTORCH_REQUIRE_PYTHON")) %in% c("true", "1")
}

skip_if_no_python <- function() {
  if (learntorch::lt_python_available()) {
    return(invisible(TRUE))
  }
  if (python_required()) {
    stop("Python with the learntorch module is required here (CI or ",
         "LEARNTORCH_REQUIRE_PYTHON=1) but is not available. Set RETICULATE_PYTHON.",
         call. = FALSE)
  }
  testthat::skip("Python with the learntorch module is not available")
}

# Run Python code in a fresh namespace holding `lt` (learntorch), `torch` and `np`; returns
# the namespace (a Python dict, unconverted): take its values with reticulate::py_get_item().
py_eval_lt <- function(code) {
  reticulate::py_run_string(
    paste("import learntorch as lt, torch, numpy as np", code, sep = "\n"),
    local = TRUE, convert = FALSE
  )
}

# A pandas frame from Python, as learntorch's R side converts it.
py_frame <- function(frame) learntorch:::frame_to_df(frame)

py_value <- function(x) if (inherits(x, "python.builtin.object")) reticulate::py_to_r(x) else x

# A model's weights as a named list of R arrays.
weights_of <- function(model) lapply(py_value(model$state_dict()), learntorch:::tensor_to_r)
