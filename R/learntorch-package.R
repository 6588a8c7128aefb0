#' learntorch: neural networks with PyTorch, from R
#'
#' The R face of the learntorch Python package. Python (through reticulate) computes
#' everything: data, models, training, evaluation, checkpoints; R converts the arguments once,
#' returns data.frames and draws the figures with ggplot2.
#'
#' Every Python function has an `lt_` twin with the same arguments: `lt.fit()` is [lt_fit()],
#' `lt.continuous_xor()` is [lt_continuous_xor()], `lt.SimpleClassifier` is
#' [lt_simple_classifier()]. Python is started on the first call that needs it; see
#' [install_learntorch()] for how learntorch finds it.
#'
#' @section Options:
#' * `learntorch.python`: the Python executable to use (also the `LEARNTORCH_PYTHON`
#'   environment variable).
#' * `learntorch.envname`: the virtualenv [install_learntorch()] made, if not "r-learntorch".
#'
#' @keywords internal
"_PACKAGE"
