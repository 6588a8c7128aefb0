# Checked exercises: the checks are Python's (learntorch.exercises). Here each learner's R
# function is wrapped so Python can call it: arrays arrive as R arrays (1-d ones as vectors),
# tensors and models stay torch objects, and what the function returns goes back as numpy
# arrays, numbers or the torch objects themselves. An R error becomes a message, not a crash.

#' Checked exercises
#'
#' Write a function, hand it to its check, and read what is right or what is wrong. Each
#' `lt_check_*()` runs your function on several inputs, edge cases included (huge logits, empty
#' batches, float64, leftover gradients), compares with a reference it never shows, and prints
#' "Correct" or what failed: on which input, expected against got, and a hint. These are the
#' checks of Python's `learntorch.exercises`, so both languages get the same verdicts.
#' `lt_exercises()` lists them and `lt_exercise()` prints one task.
#'
#' What your function receives and returns, by exercise:
#'
#' | check | your function | gets | returns |
#' |---|---|---|---|
#' | `lt_check_channels_first` | `function(images)` | N x H x W x C array | N x C x H x W array |
#' | `lt_check_pairwise_distances` | `function(a, b)` | N x D and M x D matrices | N x M distances |
#' | `lt_check_autograd_gradient` | `function(w, x)` | torch tensors | the gradient of sigmoid(w . x), a tensor |
#' | `lt_check_reproducible_noise` | `function(n, seed)` | two whole numbers | a float32 tensor of n normal draws |
#' | `lt_check_bernoulli_nll` | `function(logits, targets)` | two vectors | the mean negative log-likelihood |
#' | `lt_check_minibatches` | `function(x, y, batch_size, shuffle)` | matrix, vector, number, flag | a list of `list(x = , y = )` |
#' | `lt_check_train_step` | `function(model, batch, lr)` | a torch model, `list(x = , y = )` of tensors, a number | the loss before the step |
#' | `lt_check_moons_model` | `function()` | nothing | a torch model (e.g. from [lt_mlp()]) |
#' | `lt_check_stable_softmax` | `function(logits)` | N x C matrix | N x C probabilities |
#' | `lt_check_cross_entropy` | `function(logits, targets)` | N x C matrix, classes 1..C | the mean cross-entropy |
#' | `lt_check_accuracy` | `function(logits, targets)` | N x C matrix, classes 1..C | the share predicted right |
#'
#' Checks that Python runs with autograd (a `requires_grad` input) are skipped for the
#' exercises that take R arrays, since R arrays carry no gradients.
#'
#' @param fn Your function (see the table).
#' @param name The name of an exercise, as listed by `lt_exercises()`.
#' @return `lt_check_*()`: `TRUE` or `FALSE`, invisibly, after printing the verdict.
#'   `lt_exercises()`: a data.frame with columns `name`, `lesson`, `title`, `arrays`.
#'   `lt_exercise()`: the task text, invisibly, after printing it.
#' @name exercises
#' @examplesIf lt_python_available()
#' lt_exercises()
#' lt_exercise("stable_softmax")
#' naive <- function(logits) exp(logits) / rowSums(exp(logits))
#' lt_check_stable_softmax(naive)
NULL

#' @rdname exercises
#' @export
lt_exercises <- function() {
  frame <- py_try(lt_exercise_module()$list_exercises())
  frame_to_df(frame)
}

#' @rdname exercises
#' @export
lt_exercise <- function(name) {
  name <- as_string(name, "name")
  text <- reticulate::py_to_r(py_try(lt_exercise_module()$task(name)))
  cat(text, "\n", sep = "")
  invisible(text)
}

#' @rdname exercises
#' @export
lt_check_channels_first <- function(fn) run_check("channels_first", fn)

#' @rdname exercises
#' @export
lt_check_pairwise_distances <- function(fn) run_check("pairwise_distances", fn)

#' @rdname exercises
#' @export
lt_check_autograd_gradient <- function(fn) run_check("autograd_gradient", fn)

#' @rdname exercises
#' @export
lt_check_reproducible_noise <- function(fn) {
  # R has a global random stream of its own: set.seed() inside the function resets it for the
  # whole session, the mistake this exercise is about. Python cannot see it, so R watches it.
  touched <- FALSE
  watched <- function(n, seed) {
    before <- r_random_state()
    out <- fn(n, seed)
    if (!identical(before, r_random_state())) touched <<- TRUE
    out
  }
  passed <- run_check("reproducible_noise", watched, quiet_if_passed = TRUE)
  if (passed && touched) {
    cat("Not yet (reproducible_noise): calling your function changed R's random stream (.Random.seed).\n",
        "  hint:     set.seed() inside a function resets the random numbers of the whole session; draw ",
        "from a torch.Generator of your own\n", sep = "")
    return(invisible(FALSE))
  }
  if (passed) cat(.lt$last_check, "\n", sep = "")
  invisible(passed)
}

#' @rdname exercises
#' @export
lt_check_bernoulli_nll <- function(fn) run_check("bernoulli_nll", fn)

#' @rdname exercises
#' @export
lt_check_minibatches <- function(fn) run_check("minibatches", fn)

#' @rdname exercises
#' @export
lt_check_train_step <- function(fn) {
  # Python passes the batch as a pair (x, y); R users read it as batch$x and batch$y.
  run_check("train_step", fn, adapt = function(args) {
    args[[2]] <- list(x = args[[2]][[1]], y = args[[2]][[2]])
    args
  })
}

#' @rdname exercises
#' @export
lt_check_moons_model <- function(fn) run_check("moons_model", fn)

#' @rdname exercises
#' @export
lt_check_stable_softmax <- function(fn) run_check("stable_softmax", fn)

#' @rdname exercises
#' @export
lt_check_cross_entropy <- function(fn) run_check("cross_entropy", fn, first_class = 1L)

#' @rdname exercises
#' @export
lt_check_accuracy <- function(fn) run_check("accuracy", fn, first_class = 1L)

# ---- the bridge ----------------------------------------------------------------------------------

lt_exercise_module <- function() {
  lt_py()
  if (is.null(.lt$exercises)) .lt$exercises <- reticulate::import("learntorch.exercises", convert = FALSE)
  .lt$exercises
}

r_random_state <- function() get0(".Random.seed", envir = globalenv(), inherits = FALSE)

# Run Python's check_<name> on `fn`; print the verdict (unless passed and `quiet_if_passed`).
# `...` are the check's options: first_class = 1L numbers classes from 1, as R's columns do.
run_check <- function(name, fn, ..., adapt = identity, quiet_if_passed = FALSE, call = sys.call(-1)) {
  if (!is.function(fn)) {
    abort("`fn` must be your function itself (its name, without calling it), not ", describe(fn), ".",
          call = call)
  }
  ex <- lt_exercise_module()
  learner_error <- ex$LearnerError
  wrapped <- function(...) {
    args <- adapt(lapply(list(...), r_arg))
    tryCatch(r_value(do.call(fn, args)), error = function(e) {
      learner_error(clean_python_message(conditionMessage(e)))
    })
  }
  exercise <- reticulate::py_get_item(ex$EXERCISES, name)
  arrays <- reticulate::py_to_r(exercise$arrays)
  check <- reticulate::py_get_attr(ex, paste0("check_", name))
  options <- c(list(check, wrapped), if (arrays) list(arrays = TRUE), list(...))
  result <- py_try(do.call(reticulate::py_call, options), call = call)
  passed <- reticulate::py_to_r(result$passed)
  .lt$last_check <- reticulate::py_to_r(result$message)
  if (!(passed && quiet_if_passed)) cat(.lt$last_check, "\n", sep = "")
  invisible(passed)
}

# An argument from Python as the learner's function gets it: numpy arrays as R arrays (1-d ones
# as plain vectors), tuples as lists, numbers as numbers; tensors and models stay torch objects.
r_arg <- function(x) {
  if (!inherits(x, "python.builtin.object")) return(x)
  value <- reticulate::py_to_r(x)
  if (is.list(value)) return(lapply(value, r_arg))
  if (is.array(value) && length(dim(value)) == 1L) value <- as.vector(value)
  value
}

# What the learner's function returned, for Python: numbers and arrays as numpy arrays that
# keep their dimensions (a one-row matrix stays a matrix), a single number as a number, lists
# as Python lists (names dropped: list(x = , y = ) is a pair), torch objects as they are.
r_value <- function(x, top = TRUE) {
  if (inherits(x, "python.builtin.object") || is.null(x)) return(x)
  if (is.list(x)) return(lapply(unname(x), r_value, top = FALSE))
  if (is.numeric(x) || is.logical(x)) {
    if (top && is.null(dim(x)) && length(x) == 1L) return(as.double(x))
    return(reticulate::np_array(if (is.logical(x)) x + 0 else x))
  }
  x
}
