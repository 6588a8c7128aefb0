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
  expect_error(lt_evaluate(model, test, loss = 3), "`loss` must be a name, a torch loss or a callable, got a number")
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
  expect_identical(predict(model, frame, type = "prob")$.pred_1, proba)
  expect_identical(lt_predict(model, test, threshold = 0.9), as.integer(proba > 0.9))
  # The range is Python's rule (strictly between 0 and 1), with Python's message
  expect_error(lt_predict(model, test, threshold = 1),
               "`threshold` must be a number strictly between 0 and 1")
  expect_error(lt_predict(model, test, threshold = "high"), "`threshold` must be a number strictly between 0 and 1, got \"high\"")
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
  expect_error(lt_decision_grid(model, resolution = 1), "`resolution` must be an integer >= 2")
  expect_error(lt_decision_grid(model, resolution = 2.5), "`resolution` must be an integer >= 2, got 2.5")
  expect_error(lt_decision_grid(model, task = "bogus"), "`task` must be one of")
  # With data, the grid covers the data's range (and a margin)
  around <- lt_decision_grid(model, data = test, resolution = 5)
  frame <- as.data.frame(test)
  expect_lt(min(around$x1), min(frame$x1))
  expect_gt(max(around$x2), max(frame$x2))
  expect_identical(lt_decision_grid(model, data = frame, resolution = 5), around)
  # A multi-class model: the predicted class and its probability; regression: values
  multi <- lt_decision_grid(lt_softmax_regression(2, 3), resolution = 4)
  expect_named(multi, c("x1", "x2", "class", "prob"))
  expect_type(multi$class, "integer")
  expect_named(lt_decision_grid(lt_linear_regression(2), resolution = 4), c("x1", "x2", "value"))
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
  expect_type(confusion$truth, "integer")
  expect_identical(lt_confusion_matrix(model, as.data.frame(test)), confusion)
  expect_error(lt_confusion_matrix(lt_linear_regression(2), test), "needs a classifier")
  expect_error(lt_confusion_matrix("m", test), "`model` must be a learntorch model")
})

# A model built from torch modules through reticulate, trained on iris's factor labels.
torch <- reticulate::import("torch")
nn <- torch$nn
species <- levels(iris$Species)

test_that("a 3-class torch model fitted on a factor predicts that factor", {
  lt_seed(3)
  m <- nn$Sequential(nn$Linear(4L, 16L), nn$ReLU(), nn$Linear(16L, 3L))
  weighted <- nn$CrossEntropyLoss(weight = torch$tensor(c(1, 2, 1)))
  history <- lt_fit(m, Species ~ ., data = iris, loss = weighted, epochs = 60,
                    optimizer = "adam", lr = 0.01)
  expect_equal(py_value(history$params)$task, "multiclass")
  expect_equal(py_value(history$params)$loss, "CrossEntropyLoss")  # the object, untouched
  expect_identical(unlist(py_value(m$learntorch_spec$classes)), species)

  predicted <- lt_predict(m, iris)
  expect_s3_class(predicted, "factor")
  expect_identical(levels(predicted), species)
  expect_gt(mean(predicted == iris$Species), 0.9)
  expect_identical(predict(learntorch:::new_model(m), iris), predicted)

  proba <- lt_predict_proba(m, iris)
  expect_equal(dim(proba), c(150L, 3L))
  expect_identical(colnames(proba), species)
  expect_identical(factor(species[max.col(proba, ties.method = "first")], levels = species),
                   predicted)

  confusion <- lt_confusion_matrix(m, iris, y = "Species")
  expect_equal(nrow(confusion), 9L)
  expect_identical(confusion$truth, factor(rep(species, each = 3), levels = species))
  expect_identical(confusion$prediction, factor(rep(species, 3), levels = species))
  expect_equal(sum(confusion$count), 150L)

  metrics <- lt_evaluate(m, iris, y = "Species")
  expect_named(metrics, c("loss", "accuracy"))
  expect_equal(metrics$accuracy, mean(predicted == iris$Species))
  expect_error(lt_evaluate(m, iris, y = "Species", task = "bogus"), "`task` must be one of")
  # A label the model does not know is Python's error, naming it
  odd <- transform(iris[1:3, ], Species = factor(c("setosa", "tulip", "setosa")))
  expect_error(lt_evaluate(m, odd, y = "Species"), "the label \"tulip\"")
  expect_error(lt_evaluate(m, odd), "`data` does not fit the model's training data.*tulip")
})

test_that("levels keep their order, even when one class is never predicted", {
  lt_seed(4)
  reversed <- factor(iris$Species, levels = rev(species))
  m <- nn$Sequential(nn$Linear(4L, 3L))
  lt_fit(m, data = data.frame(iris[1:4], label = reversed), epochs = 1, lr = 0.001)
  expect_identical(unlist(py_value(m$learntorch_spec$classes)), rev(species))
  predicted <- lt_predict(m, iris[1:2, 1:4])
  expect_identical(levels(predicted), rev(species))
  expect_identical(colnames(lt_predict_proba(m, iris[1:2, 1:4])), rev(species))
  confusion <- lt_confusion_matrix(m, data.frame(iris[1:4], label = reversed))
  expect_identical(levels(confusion$truth), rev(species))
  # character labels: the sorted names (a refit keeps the model's classes, so a fresh model)
  chr <- nn$Sequential(nn$Linear(4L, 3L))
  lt_fit(chr, x = as.matrix(iris[1:4]), y = as.character(reversed), epochs = 1, lr = 0.001)
  expect_identical(levels(lt_predict(chr, as.matrix(iris[1:2, 1:4]))), sort(species))
  # logicals come back as logicals
  binary <- nn$Sequential(nn$Linear(4L, 1L))
  lt_fit(binary, x = as.matrix(iris[1:4]), y = iris$Species == "setosa", epochs = 1)
  expect_type(lt_predict(binary, as.matrix(iris[1:4])), "logical")
  expect_type(lt_predict_proba(binary, as.matrix(iris[1:4])), "double")
})

test_that("a 2-feature 3-class grid names its classes; a torch regression model predicts values", {
  lt_seed(5)
  m <- nn$Sequential(nn$Linear(2L, 8L), nn$ReLU(), nn$Linear(8L, 3L))
  lt_fit(m, Species ~ Petal.Length + Petal.Width, data = iris, epochs = 30,
         optimizer = "adam", lr = 0.05)
  grid <- lt_decision_grid(m, data = iris, resolution = 10)
  expect_named(grid, c("x1", "x2", "class", "prob"))
  expect_equal(nrow(grid), 100L)
  expect_identical(levels(grid$class), species)
  expect_true(all(grid$prob > 1 / 3 - 1e-6 & grid$prob <= 1))
  expect_equal(range(grid$x1), range(iris$Petal.Length) + c(-1, 1) * 0.1 * diff(range(iris$Petal.Length)),
               tolerance = 1e-5)

  reg <- nn$Sequential(nn$Linear(3L, 1L))
  history <- lt_fit(reg, Sepal.Length ~ Sepal.Width + Petal.Length + Petal.Width, data = iris,
                    epochs = 5, lr = 0.01)
  expect_equal(py_value(history$params)$task, "regression")
  values <- lt_predict(reg, iris)
  expect_type(values, "double")
  expect_length(values, 150L)
  expect_named(lt_evaluate(reg, iris, y = "Sepal.Length", x = c("Sepal.Width", "Petal.Length",
                                                                "Petal.Width")), "loss")
})

test_that("`task` is Python's to check, and its error comes back naming it", {
  m <- nn$Sequential(nn$Linear(4L, 3L))
  err <- tryCatch(lt_fit(m, Species ~ ., data = iris, epochs = 1, task = "bogus"),
                  error = identity)
  expect_s3_class(err, "lt_python_error")
  expect_match(conditionMessage(err), "^`task` must be one of c\\(\"binary\", \"multiclass\", \"regression\"\\)")
  expect_match(deparse(conditionCall(err))[1], "^lt_fit\\(")
  expect_error(lt_predict(m, iris[1:4], task = "bogus"), "`task` must be one of")
  expect_error(lt_predict_proba(m, iris[1:4], task = 3), "`task` must be one of .*, got 3")
})
