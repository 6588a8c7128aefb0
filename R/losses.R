# Losses on R numbers: each converts its inputs to tensors, calls the Python loss and returns
# the mean loss as one R number.

#' Losses
#'
#' The Bernoulli negative log-likelihood written the three ways the course teaches (they agree
#' to 1e-6), mean squared error and multi-class cross-entropy. Each returns the mean over the
#' samples, computed by torch in single precision, as Python's `learntorch.losses` does.
#'
#' @param logits Raw model outputs: a numeric vector for a Bernoulli loss, an N x C matrix
#'   for cross-entropy.
#' @param targets Labels: 0/1 (or a two-level factor) for a Bernoulli loss; class labels
#'   0..C-1 or a factor for cross-entropy; numbers for `lt_mse()`. Labels that are names are
#'   encoded by Python (a factor in level order, other names sorted).
#' @param predictions Predicted values (vector or matrix).
#' @return A single number.
#' @name losses
#' @family losses
#' @examplesIf lt_python_available()
#' logits <- c(-2, 0.5, 3)
#' y <- c(0, 1, 1)
#' lt_bernoulli_nll_manual(logits, y)
#' lt_bernoulli_nll_bce(logits, y)
#' lt_mse(c(1, 2, 3), c(1, 2, 4))
#' lt_cross_entropy(rbind(c(2, 0, 0), c(0, 2, 0)), c(0, 1))
NULL

#' @rdname losses
#' @export
lt_bernoulli_nll_manual <- function(logits, targets) {
  call_loss("bernoulli_nll_manual", logits, targets)
}

#' @rdname losses
#' @export
lt_bernoulli_nll_distribution <- function(logits, targets) {
  call_loss("bernoulli_nll_distribution", logits, targets)
}

#' @rdname losses
#' @export
lt_bernoulli_nll_bce <- function(logits, targets) {
  call_loss("bernoulli_nll_bce", logits, targets)
}

#' @rdname losses
#' @export
lt_mse <- function(predictions, targets) {
  call_loss("mse", predictions, targets, first = "predictions")
}

#' @rdname losses
#' @export
lt_cross_entropy <- function(logits, targets) {
  if (is.null(dim(logits))) {
    abort("`logits` must be an N x C matrix for cross-entropy, not ", describe(logits), ".")
  }
  call_loss("cross_entropy", logits, targets, target_dtype = "int64")
}

call_loss <- function(loss, first_value, targets, first = "logits", target_dtype = "float",
                      call = sys.call(-1)) {
  input <- as_tensor(first_value, first, call = call)
  target <- as_tensor(as_labels(targets, "targets", call = call), "targets", dtype = target_dtype,
                      call = call)
  lt <- lt_raw()
  value <- py_try(reticulate::py_call(reticulate::py_get_attr(lt$losses, loss), input, target),
                  call = call)
  reticulate::py_to_r(value$item())
}
