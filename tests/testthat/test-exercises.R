# The checked exercises from R: each lt_check_*() passes a right R answer and fails a typical
# wrong one with the hint meant for it. The checks themselves are Python's (test_exercises.py
# tests them in depth); here the R side: arguments arrive as R values, results go back, R
# errors become messages, and the verdict prints and returns TRUE/FALSE invisibly.

check_output <- function(expr) {
  printed <- utils::capture.output(value <- withVisible(expr))
  list(passed = value$value, visible = value$visible, text = paste(printed, collapse = "\n"))
}

expect_pass <- function(expr) {
  out <- check_output(expr)
  expect_true(out$passed, label = out$text)
  expect_false(out$visible)
  expect_match(out$text, "^Correct \\(")
}

expect_hint <- function(expr, ...) {
  out <- check_output(expr)
  expect_false(out$passed, label = out$text)
  expect_match(out$text, "^Not yet \\(")
  for (words in c(...)) expect_match(out$text, words, fixed = TRUE)
}

torch_module <- function() reticulate::import("torch")

test_that("lt_exercises() lists every exercise and lt_exercise() prints a task", {
  skip_if_no_python()
  table <- lt_exercises()
  expect_s3_class(table, "data.frame")
  expect_identical(names(table), c("name", "lesson", "title", "arrays"))
  expect_gte(nrow(table), 8)
  for (name in table$name) {
    expect_true(exists(paste0("lt_check_", name), envir = asNamespace("learntorch")), label = name)
  }
  printed <- utils::capture.output(text <- lt_exercise("stable_softmax"))
  expect_match(text, "softmax")
  expect_match(paste(printed, collapse = "\n"), "1000")
  expect_error(lt_exercise("nope"), "no exercise named")
  expect_error(lt_check_accuracy(0.5), "`fn` must be your function itself")
})

test_that("R errors in the learner's function become a message", {
  skip_if_no_python()
  expect_hint(lt_check_stable_softmax(function(logits) stop("not written yet")),
              "stopped with an error: not written yet", "input:")
  expect_hint(lt_check_stable_softmax(function(logits) undefined_thing + 1),
              "object 'undefined_thing' not found")
})

test_that("channels_first: aperm passes, dim<- fails with the reshape hint", {
  skip_if_no_python()
  expect_pass(lt_check_channels_first(function(images) aperm(images, c(1, 4, 2, 3))))
  expect_hint(lt_check_channels_first(function(images) array(images, dim = dim(images)[c(1, 4, 2, 3)])),
              "wrong values", "in memory order")
  expect_hint(lt_check_channels_first(function(images) aperm(images, c(1, 4, 3, 2))),
              "shape (2, 3, 5, 4)", "wrong order")
})

test_that("pairwise_distances: broadcasting passes, squared distances fail", {
  skip_if_no_python()
  expect_pass(lt_check_pairwise_distances(function(a, b) {
    sqrt(pmax(outer(rowSums(a^2), rowSums(b^2), "+") - 2 * a %*% t(b), 0))
  }))
  expect_hint(lt_check_pairwise_distances(function(a, b) outer(rowSums(a^2), rowSums(b^2), "+") - 2 * a %*% t(b)),
              "squared distances")
  expect_hint(lt_check_pairwise_distances(function(a, b) t(sqrt(pmax(outer(rowSums(a^2), rowSums(b^2), "+") -
                                                                   2 * a %*% t(b), 0)))),
              "shape (5, 3)", "swapped")
})

test_that("autograd_gradient: a fresh leaf passes, reusing w accumulates", {
  skip_if_no_python()
  torch <- torch_module()
  expect_pass(lt_check_autograd_gradient(function(w, x) {
    w <- w$detach()$clone()$requires_grad_(TRUE)
    torch$sigmoid(w$dot(x))$backward()
    w$grad
  }))
  expect_hint(lt_check_autograd_gradient(function(w, x) {
    w$requires_grad_(TRUE)
    torch$sigmoid(w$dot(x))$backward()
    w$grad
  }), "left from an earlier backward", "backward() adds to .grad")
  expect_hint(lt_check_autograd_gradient(function(w, x) {
    torch$sigmoid(w$dot(x))$backward()
    w$grad
  }), "does not require grad", "copy of w that requires gradients")
})

test_that("reproducible_noise: a generator passes; torch's or R's global seed fails", {
  skip_if_no_python()
  torch <- torch_module()
  expect_pass(lt_check_reproducible_noise(function(n, seed) {
    torch$randn(n, generator = torch$Generator()$manual_seed(seed))
  }))
  expect_hint(lt_check_reproducible_noise(function(n, seed) {
    torch$manual_seed(seed)
    torch$randn(n)
  }), "global random stream", "torch.Generator")
  expect_hint(lt_check_reproducible_noise(function(n, seed) {
    set.seed(seed)
    torch$tensor(as.array(rnorm(n)), dtype = torch$float32)
  }), "R's random stream", "set.seed()")
})

test_that("bernoulli_nll: log-probabilities pass, log(1 - plogis) fails on huge logits", {
  skip_if_no_python()
  expect_pass(lt_check_bernoulli_nll(function(logits, targets) {
    -mean(targets * plogis(logits, log.p = TRUE) + (1 - targets) * plogis(-logits, log.p = TRUE))
  }))
  expect_hint(lt_check_bernoulli_nll(function(logits, targets) {
    -mean(targets * log(plogis(logits)) + (1 - targets) * log(1 - plogis(logits)))
  }), "huge logits on the", "log(0) = -inf", "log-sigmoid")
  expect_hint(lt_check_bernoulli_nll(function(logits, targets) {
    -sum(targets * plogis(logits, log.p = TRUE) + (1 - targets) * plogis(-logits, log.p = TRUE))
  }), "8 times too large")
})

test_that("minibatches: split() passes; dropping drop = FALSE or the last batch fails", {
  skip_if_no_python()
  batches <- function(drop) {
    function(x, y, batch_size, shuffle) {
      idx <- if (shuffle) sample(nrow(x)) else seq_len(nrow(x))
      groups <- split(idx, ceiling(seq_along(idx) / batch_size))
      lapply(groups, function(i) list(x = x[i, , drop = drop], y = y[i]))
    }
  }
  expect_pass(lt_check_minibatches(batches(drop = FALSE)))
  expect_hint(lt_check_minibatches(batches(drop = TRUE)), "one row is still a matrix", "drop = FALSE")
  expect_hint(lt_check_minibatches(function(x, y, batch_size, shuffle) {
    starts <- seq(1, nrow(x) - batch_size + 1, by = batch_size)
    if (nrow(x) < batch_size) starts <- integer()
    lapply(starts, function(s) list(x = x[s:(s + batch_size - 1), , drop = FALSE], y = y[s:(s + batch_size - 1)]))
  }), "last, smaller batch is missing")
})

test_that("train_step: zeroing first passes, leftover gradients fail", {
  skip_if_no_python()
  torch <- torch_module()
  step <- function(zero) {
    function(model, batch, lr) {
      loss <- model(batch$x)$sub(batch$y)$pow(2L)$mean()
      if (zero) model$zero_grad()
      loss$backward()
      with(torch$no_grad(), {
        for (p in reticulate::iterate(model$parameters())) p$sub_(p$grad$mul(lr))
      })
      loss$item()
    }
  }
  expect_pass(lt_check_train_step(step(zero = TRUE)))
  expect_hint(lt_check_train_step(step(zero = FALSE)), "leftover gradients", "clear the old gradients")
  expect_hint(lt_check_train_step(function(model, batch, lr) {
    loss <- model(batch$x)$sub(batch$y)$pow(2L)$mean()
    model$zero_grad()
    loss$backward()
    for (p in reticulate::iterate(model$parameters())) p$sub_(p$grad$mul(lr))
    loss$item()
  }), "torch.no_grad()")
})

test_that("moons_model: an MLP reaches the target, logistic regression does not", {
  skip_if_no_python()
  expect_pass(lt_check_moons_model(function() lt_mlp(2, hidden = c(32, 32), out_features = 1)))
  expect_hint(lt_check_moons_model(function() lt_logistic_regression(2)), "below the target", "straight boundary")
})

test_that("stable_softmax: subtracting each row's max passes, the textbook formula fails", {
  skip_if_no_python()
  expect_pass(lt_check_stable_softmax(function(logits) {
    e <- exp(logits - apply(logits, 1, max))
    e / rowSums(e)
  }))
  expect_hint(lt_check_stable_softmax(function(logits) exp(logits) / rowSums(exp(logits))),
              "huge logits", "nan", "subtracted from every logit")
  expect_hint(lt_check_stable_softmax(function(logits) exp(logits - max(logits)) / rowSums(exp(logits - max(logits)))),
              "each row needs its own")
})

test_that("cross_entropy: log-sum-exp passes; classes are numbered from 1 in R", {
  skip_if_no_python()
  ce <- function(shift) {
    function(logits, targets) {
      m <- apply(logits, 1, max)
      lse <- m + log(rowSums(exp(logits - m)))
      -mean(logits[cbind(seq_along(targets), targets + shift)] - lse)
    }
  }
  expect_pass(lt_check_cross_entropy(ce(0)))
  expect_hint(lt_check_cross_entropy(function(logits, targets) {
    p <- exp(logits) / rowSums(exp(logits))
    -mean(log(p[cbind(seq_along(targets), targets)]))
  }), "huge logits", "log-softmax")
  out <- check_output(lt_check_cross_entropy(ce(1)))  # as if the classes counted from 0
  expect_false(out$passed)
})

test_that("accuracy: max.col passes, counting fails", {
  skip_if_no_python()
  expect_pass(lt_check_accuracy(function(logits, targets) mean(max.col(logits, ties.method = "first") == targets)))
  expect_hint(lt_check_accuracy(function(logits, targets) sum(max.col(logits) == targets)),
              "number of rows predicted right")
  expect_hint(lt_check_accuracy(function(logits, targets) mean(max.col(logits) - 1 == targets)),
              "targets = array of shape (10,): [3, 3, 3, 1")
})

test_that("lt_check_* have Python's argument names, less the options R sets itself", {
  skip_if_no_python()
  inspect <- reticulate::import("inspect")
  builtins <- reticulate::import_builtins()
  ex <- reticulate::import("learntorch.exercises")
  for (name in lt_exercises()$name) {
    python <- unlist(builtins$list(inspect$signature(ex[[paste0("check_", name)]])$parameters))
    r <- names(formals(get(paste0("lt_check_", name), envir = asNamespace("learntorch"))))
    expect_identical(r, setdiff(python, c("arrays", "first_class")), label = name)
  }
})
