skip_if_no_python()

test_that("the same seed gives the same XOR numbers in R and Python", {
  ns <- py_eval_lt(paste(
    "a = lt.continuous_xor(100, std=0.2, seed=42).to_frame()",
    "lt.seed_everything(7)",
    "b = lt.continuous_xor(50).to_frame()",
    sep = "\n"
  ))
  r_a <- as.data.frame(lt_continuous_xor(100, std = 0.2, seed = 42))
  expect_identical(r_a, py_frame(reticulate::py_get_item(ns, "a")))
  expect_named(r_a, c("x1", "x2", "label"))
  expect_type(r_a$label, "integer")
  lt_seed(7)
  expect_identical(as.data.frame(lt_continuous_xor(50)), py_frame(reticulate::py_get_item(ns, "b")))
  corners <- as.data.frame(lt_continuous_xor(40, std = 0, seed = 1))
  expect_equal(corners$label, as.integer(xor(corners$x1 == 1, corners$x2 == 1)))
})

test_that("moons, regression data and crop yields match Python", {
  ns <- py_eval_lt(paste(
    "m = lt.two_moons(64, noise=0.05, seed=3).to_frame()",
    "r = lt.linear_regression_data(30, weights=[1.5, -2.0, 0.5], bias=1.0, noise=0.1, seed=5).to_frame()",
    "c = lt.crop_yields().to_frame()",
    sep = "\n"
  ))
  expect_identical(as.data.frame(lt_two_moons(64, noise = 0.05, seed = 3)),
                   py_frame(reticulate::py_get_item(ns, "m")))
  reg <- lt_linear_regression_data(30, weights = c(1.5, -2, 0.5), bias = 1, noise = 0.1, seed = 5)
  expect_identical(as.data.frame(reg), py_frame(reticulate::py_get_item(ns, "r")))
  expect_named(as.data.frame(reg), c("x1", "x2", "x3", "target"))
  crops <- as.data.frame(lt_crop_yields())
  expect_identical(crops, py_frame(reticulate::py_get_item(ns, "c")))
  expect_equal(crops$apples, c(56, 81, 119, 22, 103))
})

test_that("datasets print, have a length and a tidy frame", {
  d <- lt_continuous_xor(20, seed = 1)
  expect_s3_class(d, "lt_dataset")
  expect_equal(length(d), 20L)
  expect_output(print(d), "<lt_dataset> TensorDataset\\(n=20")
  expect_equal(nrow(as.data.frame(d)), 20L)
})

test_that("R converts data arguments' types; Python checks their ranges", {
  expect_error(lt_continuous_xor(-5), "`size` must be a positive integer, got -5")
  expect_error(lt_continuous_xor(10, std = -1), "`std` must be a non-negative number, got -1$")
  expect_error(lt_continuous_xor(10, seed = "a"), "`seed` must be a whole number or NULL, got \"a\"")
  expect_error(lt_two_moons("10"), "`size`")
  expect_error(lt_linear_regression_data(10, weights = "a"), "`weights` must be a tensor")
  err <- tryCatch(lt_train_val_split(lt_continuous_xor(10, seed = 1), fraction = 1),
                  error = identity)
  expect_s3_class(err, "lt_python_error")
  expect_match(conditionMessage(err), "`fraction` must be a number strictly between 0 and 1")
  expect_error(lt_train_val_split(lt_continuous_xor(10, seed = 1), fraction = "a"),
               "`fraction` must be a number strictly between 0 and 1, got \"a\"")
})

test_that("lt_from_frame() keeps a factor's levels, in their order, as the classes", {
  df <- data.frame(a = c(1, 2, 3, 4), b = c(0.5, 0, 1, 2),
                   y = factor(c("lo", "hi", "hi", "mid"), levels = c("lo", "mid", "hi")))
  ds <- lt_from_frame(df, x = c("a", "b"), y = "y")
  expect_equal(unlist(py_value(ds$classes)), c("lo", "mid", "hi"))
  expect_identical(learntorch:::tensor_to_r(ds$y), c(0L, 2L, 2L, 1L))  # codes, made by Python
  frame <- as.data.frame(ds)
  expect_identical(frame$label, df$y)  # back as the same factor
  expect_equal(frame$a, df$a)
  expect_equal(py_value(ds$task), "classification")
  chr <- lt_from_frame(transform(df, y = as.character(y)), x = "a", y = "y")
  expect_identical(as.data.frame(chr)$label, factor(as.character(df$y)))  # names sorted
  reg <- lt_from_frame(df, x = "a", y = "b")
  expect_equal(py_value(reg$task), "regression")
  expect_named(as.data.frame(reg), c("a", "b"))
  # The checks are Python's, with its messages
  expect_error(lt_from_frame(df, x = "zz", y = "y"), "columns not found in `frame`: c\\(\"zz\"\\)")
  expect_error(lt_from_frame(df, x = "y", y = "a"), "input columns c\\(\"y\"\\) are not numeric")
  expect_error(lt_from_frame(df, x = "a", y = "y", task = "bogus"), "`task` must be")
  expect_error(lt_from_frame(transform(df, y = replace(y, 2, NA)), x = "a", y = "y"),
               "missing values")
  expect_error(lt_from_frame(as.matrix(df), x = "a", y = "y"), "`frame` must be a data.frame")
})

test_that("lt_tensor_dataset() takes matrices, keeps column names and passes Python's checks", {
  ds <- lt_tensor_dataset(as.matrix(iris[1:4]), iris$Species)
  frame <- as.data.frame(ds)
  expect_named(frame, c(names(iris)[1:4], "label"))
  expect_identical(frame$label, iris$Species)
  expect_equal(py_value(ds$num_classes), 3L)
  err <- tryCatch(lt_tensor_dataset(matrix(1:4, 2), c(0.5, 1), task = "classification"),
                  error = identity)
  expect_s3_class(err, "lt_python_error")
  expect_match(conditionMessage(err), "`y` holds non-integer values")
  # `classes` names integer labels, or fixes the names and their order
  named <- lt_tensor_dataset(matrix(1:6, 3), c(0L, 1L, 1L), classes = c("no", "yes"))
  expect_identical(as.data.frame(named)$label, factor(c("no", "yes", "yes")))
  fixed <- lt_tensor_dataset(matrix(1:6, 3), c("b", "a", "b"), classes = c("b", "a", "c"))
  expect_identical(as.data.frame(fixed)$label, factor(c("b", "a", "b"), levels = c("b", "a", "c")))
  expect_error(lt_tensor_dataset(matrix(1:6, 3), c("b", "a", "z"), classes = c("a", "b")),
               "the label \"z\"")
  flags <- lt_tensor_dataset(matrix(1:4, 2), c(TRUE, FALSE))
  expect_equal(unlist(py_value(flags$classes)), c(FALSE, TRUE))
})

test_that("train/valid split matches Python's and batches cover the data", {
  d <- lt_continuous_xor(100, seed = 1)
  parts <- lt_train_val_split(d, fraction = 0.2, seed = 3)
  expect_named(parts, c("train", "valid"))
  expect_equal(c(length(parts$train), length(parts$valid)), c(80L, 20L))
  ns <- py_eval_lt(paste(
    "tr, va = lt.train_val_split(lt.continuous_xor(100, seed=1), fraction=0.2, seed=3)",
    "va = va.to_frame()",
    sep = "\n"
  ))
  expect_identical(as.data.frame(parts$valid), py_frame(reticulate::py_get_item(ns, "va")))

  b <- lt_batches(d, batch_size = 32, seed = 0)
  expect_s3_class(b, "lt_batches")
  expect_equal(length(b), 4L)
  expect_output(print(b), "4 batches of up to 32 rows, shuffled")
  sizes <- unlist(reticulate::iterate(b, function(batch) py_value(batch[[1]]$shape[[0]])))
  expect_equal(sizes, c(32, 32, 32, 4))
  expect_equal(length(lt_batches(d, 32, drop_last = TRUE)), 3L)
  expect_error(lt_batches(d, 0), "`batch_size` must be a positive integer, got 0")
  expect_error(lt_batches(d, 10, shuffle = "yes"), "`shuffle` must be TRUE or FALSE, got \"yes\"")
})
