skip_if_no_python()

test_that("constructors build the Python classes with whole-number arguments", {
  m <- lt_simple_classifier(2, 4, 1)
  expect_s3_class(m, "lt_model")
  expect_s3_class(m, "learntorch.models.SimpleClassifier")
  expect_identical(py_value(m$config),
                   list(num_inputs = 2L, num_hidden = 4L, num_outputs = 1L, activation = "tanh"))
  expect_equal(py_value(m$task), "binary")
  expect_equal(py_value(lt_linear_regression(3, 2)$config), list(in_features = 3L, out_features = 2L))
  expect_equal(py_value(lt_linear_regression(3)$task), "regression")
  expect_equal(py_value(lt_logistic_regression(5)$config), list(in_features = 5L))
  expect_equal(py_value(lt_softmax_regression(64, 10)$task), "multiclass")
  mlp <- lt_mlp(2, hidden = c(8, 16), out_features = 3, activation = "gelu")
  expect_identical(py_value(mlp$config)$hidden, c(8L, 16L))
  expect_equal(py_value(mlp$task), "multiclass")
  expect_equal(py_value(lt_mlp(4, 8, task = "regression")$task), "regression")
  cnn <- lt_conv_net(in_channels = 1, num_classes = 10, image_size = 8, width = 8)
  expect_equal(py_value(cnn$config)$image_size, 8L)
})

test_that("the same seed gives the same initial weights in R and Python", {
  ns <- py_eval_lt("torch.manual_seed(3); m = lt.SimpleClassifier(2, 4, 1)")
  lt_seed(3)
  m <- lt_simple_classifier(2, 4, 1)
  expect_identical(weights_of(m), weights_of(reticulate::py_get_item(ns, "m")))
})

test_that("model arguments are checked and Python errors name the argument", {
  expect_error(lt_simple_classifier(num_hidden = 0), "`num_hidden` must be a positive integer, got 0")
  expect_error(lt_simple_classifier(num_inputs = "2"), "`num_inputs` must be a positive integer, got \"2\"")
  expect_error(lt_mlp(2, hidden = c(8, -1)), "`hidden` must be a positive integer, got -1")
  expect_error(lt_conv_net(width = 1.5), "`width` must be a positive integer, got 1.5")
  err <- tryCatch(lt_simple_classifier(activation = "tanhh"), error = identity)
  expect_match(conditionMessage(err), "Did you mean \"tanh\"\\?$")
  err <- tryCatch(lt_simple_classifier(activation = "swishy"), error = identity)
  expect_s3_class(err, "lt_python_error")
  expect_match(conditionMessage(err), "^`activation` must be one of")
  expect_error(lt_mlp(2, task = "ranking"), "`task` must be \"classification\" or \"regression\", got \"ranking\"")
  expect_error(lt_conv_net(image_size = 2), "`image_size` must be at least 4")
})

test_that("models print their class, size and layers", {
  expect_output(print(lt_simple_classifier(2, 4, 1)),
                "<lt_model> SimpleClassifier \\(17 parameters, binary\\)")
  expect_output(print(lt_linear_regression(3)), "Linear\\(in_features=3")
})

test_that("predict() gives labels or probabilities from data.frames and matrices", {
  lt_seed(1)
  m <- lt_simple_classifier(2, 4, 1)
  df <- data.frame(x1 = c(0, 1, 0.5), x2 = c(1, 1, 0), label = c(1L, 0L, 1L))
  prob <- predict(m, df, type = "prob")
  expect_s3_class(prob, "tbl_df")
  expect_named(prob, c(".pred_0", ".pred_1"))
  expect_equal(prob$.pred_0 + prob$.pred_1, rep(1, 3))
  expect_identical(prob$.pred_1, lt_predict_proba(m, df))
  expect_identical(predict(m, df), as.integer(prob$.pred_1 > 0.5))
  expect_identical(predict(m, as.matrix(df[1:2])), predict(m, df))
  expect_identical(predict(m, df, threshold = 0.99), as.integer(prob$.pred_1 > 0.99))
  expect_identical(predict(m, newdata = df), predict(m, df))  # stats' argument name works too
  expect_error(predict(m, df, typ = "prob"), "Did you mean `type`")
  expect_error(predict(m, df, type = "numeric"), "needs a regression model")
})
