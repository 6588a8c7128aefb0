skip_if_no_python()

# One trained XOR model shared by the tests below, and its twin in Python.
ns <- py_eval_lt(paste(
  "lt.seed_everything(0)",
  "model = lt.SimpleClassifier(2, 4, 1)",
  "lt.fit(model, lt.continuous_xor(400, seed=1), epochs=30, batch_size=32, lr=0.5, progress=False)",
  "test = lt.continuous_xor(200, seed=2)",
  "metrics = lt.evaluate(model, test)",
  "proba = lt.predict_proba(model, test)",
  "labels = lt.predict(model, test)",
  "grid = lt.decision_grid(model, resolution=25)",
  "confusion = lt.confusion_matrix(model, test)",
  sep = "\n"
))
py_model <- reticulate::py_get_item(ns, "model")
lt_seed(0)
model <- lt_simple_classifier(2, 4, 1)
lt_fit(model, lt_continuous_xor(400, seed = 1), epochs = 30, batch_size = 32, lr = 0.5)
test <- lt_continuous_xor(200, seed = 2)

test_that("lt_evaluate() returns Python's numbers as a named list", {
  metrics <- lt_evaluate(model, test)
  expect_named(metrics, c("loss", "accuracy"))
  expect_identical(metrics, py_value(reticulate::py_get_item(ns, "metrics")))
  expect_gt(metrics$accuracy, 0.9)
  frame <- as.data.frame(test)
  expect_identical(lt_evaluate(model, frame), metrics)
  expect_identical(lt_evaluate(model, frame, x = c("x1", "x2"), y = "label"), metrics)
  expect_named(lt_evaluate(model, test, loss = "mse"), c("loss", "accuracy"))
  expect_error(lt_evaluate(model, test, loss = 3), "`loss` must be a single string")
})

test_that("predictions equal Python's for datasets, data.frames and matrices", {
  proba <- lt_predict_proba(model, test)
  expect_type(proba, "double")
  expect_identical(proba, learntorch:::array_to_r(reticulate::py_get_item(ns, "proba")))
  labels <- lt_predict(model, test)
  expect_type(labels, "integer")
  expect_identical(labels, learntorch:::array_to_r(reticulate::py_get_item(ns, "labels")))
  frame <- as.data.frame(test)
  expect_identical(lt_predict(model, frame), labels)
  expect_identical(lt_predict_proba(model, as.matrix(frame[c("x1", "x2")])), proba)
  expect_identical(predict(model, frame, type = "prob"), proba)
  expect_identical(lt_predict(model, test, threshold = 0.9), as.integer(proba > 0.9))
  expect_error(lt_predict(model, test, threshold = 2), "`threshold` must be a number between 0 and 1")
  expect_error(lt_predict(model, frame$x1), "expects inputs")
})

test_that("multi-class and regression models predict matrices and values", {
  lt_seed(1)
  softmax <- lt_softmax_regression(4, 3)
  proba <- lt_predict_proba(softmax, iris[1:4])
  expect_equal(dim(proba), c(150L, 3L))
  expect_equal(rowSums(proba), rep(1, 150), tolerance = 1e-6)
  expect_identical(lt_predict(softmax, iris[1:4]), max.col(proba, ties.method = "first") - 1L)
  reg <- lt_linear_regression(2)
  values <- lt_predict(reg, matrix(c(0, 1, 0, 1), 2))
  expect_type(values, "double")
  expect_length(values, 2)
  expect_error(lt_predict_proba(reg, matrix(0, 1, 2)), "is a regression model")
})

test_that("lt_decision_grid() is Python's frame as a data.frame", {
  grid <- lt_decision_grid(model, resolution = 25)
  expect_named(grid, c("x1", "x2", "prob"))
  expect_equal(nrow(grid), 625L)
  expect_identical(grid, py_frame(reticulate::py_get_item(ns, "grid")))
  expect_equal(grid$x1[1:2], c(-0.5, -0.5 + 2 / 24), tolerance = 1e-6)
  expect_error(lt_decision_grid(model, xlim = c(1, 0)), "`xlim` must be two finite numbers")
  expect_error(lt_decision_grid(model, resolution = 1), "`resolution` must be a whole number >= 2")
  expect_error(lt_decision_grid(lt_softmax_regression(2, 3)), "needs a binary classifier")
})

test_that("a 200 x 200 grid becomes a data.frame quickly", {
  skip_on_cran()
  elapsed <- system.time(grid <- lt_decision_grid(model))[["elapsed"]]
  expect_equal(nrow(grid), 40000L)
  expect_lt(elapsed, 2)  # the benchmark in bench/ holds the 0.2 s target
})

test_that("lt_confusion_matrix() counts every (truth, prediction) pair", {
  confusion <- lt_confusion_matrix(model, test)
  expect_named(confusion, c("truth", "prediction", "count"))
  expect_identical(confusion, py_frame(reticulate::py_get_item(ns, "confusion")))
  expect_equal(sum(confusion$count), 200L)
  expect_equal(nrow(lt_confusion_matrix(model, test, num_classes = 3)), 9L)
  expect_error(lt_confusion_matrix(model, test, num_classes = 0), "`num_classes`")
  expect_error(lt_confusion_matrix("m", test), "`model` must be a learntorch model")
})
