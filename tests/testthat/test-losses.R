skip_if_no_python()

logits <- c(-3, -0.5, 0, 0.5, 3, 50, -50)
targets <- c(0, 1, 1, 0, 1, 1, 0)
# -mean log Bernoulli(y | sigmoid(s)), computed in R in double precision
bernoulli_nll <- function(s, y) -mean(ifelse(y == 1, plogis(s, log.p = TRUE),
                                              plogis(-s, log.p = TRUE)))

test_that("the three Bernoulli losses agree with each other and with R's formula", {
  expected <- bernoulli_nll(logits, targets)
  for (loss in list(lt_bernoulli_nll_manual, lt_bernoulli_nll_distribution, lt_bernoulli_nll_bce)) {
    value <- loss(logits, targets)
    expect_type(value, "double")
    expect_length(value, 1)
    expect_equal(value, expected, tolerance = 1e-6)
  }
  expect_equal(lt_bernoulli_nll_bce(logits, factor(targets)), expected, tolerance = 1e-6)
  expect_equal(lt_bernoulli_nll_bce(logits, targets == 1), expected, tolerance = 1e-6)
})

test_that("losses equal Python's numbers", {
  ns <- py_eval_lt(paste(
    "s = torch.tensor([-3, -0.5, 0, 0.5, 3, 50, -50]); y = torch.tensor([0., 1, 1, 0, 1, 1, 0])",
    "bce = lt.bernoulli_nll_bce(s, y).item()",
    "ce = lt.cross_entropy(torch.tensor([[2., 0, 1], [0, 2, 0]]), torch.tensor([2, 1])).item()",
    sep = "\n"
  ))
  expect_identical(lt_bernoulli_nll_bce(logits, targets), py_value(reticulate::py_get_item(ns, "bce")))
  expect_identical(lt_cross_entropy(rbind(c(2, 0, 1), c(0, 2, 0)), c(2, 1)),
                   py_value(reticulate::py_get_item(ns, "ce")))
})

test_that("mse and cross-entropy match their definitions", {
  expect_equal(lt_mse(c(1, 2, 3), c(1, 2, 4)), 1 / 3, tolerance = 1e-6)
  expect_equal(lt_mse(matrix(1:4, 2), matrix(c(1, 2, 3, 6), 2)), 1, tolerance = 1e-6)
  z <- rbind(c(2, 0, 1), c(0, 2, 0), c(1, 1, 1))
  y <- c(2, 1, 0)
  manual <- -mean(log(exp(z[cbind(1:3, y + 1)]) / rowSums(exp(z))))
  expect_equal(lt_cross_entropy(z, y), manual, tolerance = 1e-6)
  expect_equal(lt_cross_entropy(z, factor(c("c", "b", "a"))), manual, tolerance = 1e-6)
})

test_that("loss inputs are checked with messages naming the argument", {
  err <- tryCatch(lt_bernoulli_nll_manual(c(0, 1), c(0, 2)), error = identity)
  expect_s3_class(err, "lt_python_error")
  expect_match(conditionMessage(err), "Bernoulli loss needs labels in \\{0, 1\\}; `targets` holds 2")
  expect_error(lt_bernoulli_nll_bce(c(0, 1, 2), c(0, 1)), "`logits` has 3 values but `targets` has 2")
  expect_error(lt_mse("a", 1), "`predictions` must be numeric")
  expect_error(lt_bernoulli_nll_bce(c(0, NA), c(0, 1)), "`logits` contains missing values")
  expect_error(lt_cross_entropy(c(1, 2), 1), "`logits` must be an N x C matrix")
})
