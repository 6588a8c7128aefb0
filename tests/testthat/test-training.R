skip_if_no_python()

test_that("the same seed gives the same weights and history in R as in Python", {
  ns <- py_eval_lt(paste(
    "lt.seed_everything(42)",
    "train = lt.continuous_xor(300)",
    "model = lt.SimpleClassifier(2, 4, 1)",
    "h = lt.fit(model, train, epochs=15, batch_size=32, lr=0.1, progress=False)",
    "frame = h.to_frame()",
    sep = "\n"
  ))
  lt_seed(42)
  train <- lt_continuous_xor(300)
  model <- lt_simple_classifier(2, 4, 1)
  history <- lt_fit(model, train, epochs = 15, batch_size = 32, lr = 0.1)
  expect_s3_class(history, "lt_history")
  expect_identical(weights_of(model), weights_of(reticulate::py_get_item(ns, "model")))
  expect_identical(as.data.frame(history), py_frame(reticulate::py_get_item(ns, "frame")))
})

test_that("history frames are tidy and histories print", {
  lt_seed(1)
  model <- lt_simple_classifier(2, 4, 1)
  parts <- lt_train_val_split(lt_continuous_xor(200), seed = 1)
  history <- lt_fit(model, parts$train, epochs = 3, valid = parts$valid, seed = 2)
  frame <- as.data.frame(history)
  expect_named(frame, c("epoch", "split", "metric", "value"))
  expect_type(frame$epoch, "integer")
  expect_equal(nrow(frame), 3 * 5)  # train/valid loss and accuracy, and the learning rate
  expect_setequal(unique(frame$split), c("train", "valid"))
  expect_setequal(unique(frame$metric), c("loss", "accuracy", "lr"))
  expect_output(print(history), "<lt_history> History\\(3 epochs: train_loss=")
  expect_false(py_value(history$params)$epochs != 3L)
})

test_that("a formula, column names, a dataset and matrices train the same model", {
  df <- as.data.frame(lt_continuous_xor(120, seed = 4))
  df$label <- as.numeric(df$label)  # R users often hold 0/1 labels as doubles
  fit_with <- function(...) {
    lt_seed(5)
    model <- lt_simple_classifier(2, 4, 1)
    lt_fit(model, epochs = 4, batch_size = 16, seed = 6, ...)
    weights_of(model)
  }
  by_formula <- fit_with(train = label ~ x1 + x2, data = df)
  expect_identical(fit_with(data = df, x = c("x1", "x2"), y = "label"), by_formula)
  expect_identical(fit_with(train = label ~ ., data = df), by_formula)
  expect_identical(fit_with(train = lt_from_frame(df, c("x1", "x2"), "label",
                                                  task = "classification")), by_formula)
  expect_identical(fit_with(train = df), by_formula)
  expect_identical(fit_with(x = as.matrix(df[1:2]), y = as.integer(df$label)), by_formula)
})

test_that("a regression model reads R data as values", {
  reg <- as.data.frame(lt_linear_regression_data(200, seed = 1))
  lt_seed(2)
  model <- lt_linear_regression(2)
  history <- lt_fit(model, target ~ x1 + x2, data = reg, epochs = 30, batch_size = 20,
                    valid = reg)
  expect_equal(py_value(history$params)$loss, "mse")
  frame <- as.data.frame(history)
  expect_setequal(unique(frame$metric), c("loss", "lr"))
  weights <- weights_of(model)
  expect_equal(as.vector(weights$linear.weight), c(2, -3.4), tolerance = 0.01)
})

test_that("plain R functions are callbacks: they see epoch and logs, TRUE stops", {
  seen <- list()
  watcher <- function(epoch, logs) {
    seen[[length(seen) + 1]] <<- list(epoch = epoch, logs = logs)
    NULL
  }
  stopper <- function(epoch, logs) epoch >= 3
  model <- lt_simple_classifier(2, 4, 1)
  history <- lt_fit(model, lt_continuous_xor(64, seed = 1), epochs = 10,
                    callbacks = list(watcher, stopper))
  expect_equal(py_value(history$epochs), 3L)
  expect_true(py_value(history$stopped_early))
  expect_output(print(history), "stopped by a callback")
  expect_identical(seen[[2]]$epoch, 2L)
  expect_named(seen[[1]]$logs, c("train_loss", "train_accuracy", "lr"))
  expect_type(seen[[1]]$logs$train_loss, "double")
  # a single function is accepted too
  h <- lt_fit(model, lt_continuous_xor(64, seed = 1), epochs = 5, callbacks = stopper)
  expect_equal(py_value(h$epochs), 3L)
  err <- tryCatch(
    lt_fit(model, lt_continuous_xor(64, seed = 1), epochs = 2,
           callbacks = list(function(epoch, logs) stop("callback broke"))),
    error = identity
  )
  expect_match(conditionMessage(err), "callback broke")
})

test_that("early stopping and best weights work from R", {
  parts <- lt_train_val_split(lt_continuous_xor(300, seed = 1), seed = 2)
  lt_seed(3)
  model <- lt_simple_classifier(2, 4, 1)
  stopper <- lt_early_stopping(monitor = "train_loss", patience = 1, min_delta = 10)
  expect_s3_class(stopper, "lt_callback")
  expect_output(print(stopper), "EarlyStopping monitoring train_loss \\(min\\)")
  history <- lt_fit(model, parts$train, epochs = 20, valid = parts$valid, callbacks = list(stopper))
  expect_equal(py_value(history$epochs), 2L)
  expect_match(py_value(history$stop_reason), "early stopping")

  keeper <- lt_keep_best_weights(monitor = "valid_accuracy")
  history <- lt_fit(model, parts$train, epochs = 5, valid = parts$valid, callbacks = list(keeper))
  expect_true(py_value(history$params)$best_epoch %in% 1:5)
  expect_error(lt_early_stopping(patience = 0), "`patience` must be a positive integer, got 0")
  expect_error(lt_early_stopping(monitor = "val_loss"), "Did you mean \"valid_loss\"")
  expect_error(lt_fit(model, parts$train, epochs = 2, callbacks = list(lt_keep_best_weights())),
               "lt_keep_best_weights\\(\\) cannot monitor \"valid_loss\"")
})

test_that("lt_fit() converts its arguments' types in R and reports Python's checks", {
  model <- lt_simple_classifier(2, 4, 1)
  d <- lt_continuous_xor(32, seed = 1)
  # Types: R cannot convert these; values of the wrong type are Python's to refuse
  expect_error(lt_fit(model, d, epochs = 1, callbacks = list(1)), "`callbacks\\[\\[1\\]\\]` must be")
  expect_error(lt_fit(model, d, epochs = 1, callbacks = list(function(epoch) NULL)),
               "`callbacks\\[\\[1\\]\\]` must be a function\\(epoch, logs\\)")
  expect_error(lt_fit("model", d, epochs = 1), "`model` must be a learntorch model")
  expect_error(lt_fit(model, label ~ x1, epochs = 1), "a formula for `train` needs a data.frame")
  expect_error(lt_fit(model, label ~ x1 + x3, data = as.data.frame(d), epochs = 1),
               "the formula names `x3`, not columns of `data`")
  # Partial matching is off: a misspelt argument is an error with the right name
  expect_error(lt_fit(model, d, epoch = 1), "`lt_fit\\(\\)` has no argument `epoch`.*Did you mean `epochs`")
  expect_error(lt_fit(model, d, 1), "takes `epochs` and the other arguments after `train` by name")
  # hardhat's formulas: transformations of columns work
  one <- lt_simple_classifier(1, 4, 1)
  lt_fit(one, label ~ I(x1 * x2), data = as.data.frame(d), epochs = 1)
  expect_length(predict(one, as.data.frame(d)), 32L)
  # Rules: Python's, with its messages naming the argument
  python_error <- function(expr, pattern) {
    err <- tryCatch(expr, error = identity)
    expect_s3_class(err, "lt_python_error")
    expect_match(conditionMessage(err), pattern)
  }
  python_error(lt_fit(model, d, epochs = -1), "^`epochs` must be a non-negative integer, got -1")
  python_error(lt_fit(model, d, epochs = "100"), "^`epochs` must be a non-negative integer, got \"100\"")
  python_error(lt_fit(model, d, epochs = 1, lr = "fast"), "^`lr` must be a positive number, got \"fast\"")
  python_error(lt_fit(model, d, epochs = 1, task = c("binary", "regression")),
               "^`task` must be one of .*got c\\(\"binary\", \"regression\"\\)")
  python_error(lt_fit(model, d, epochs = 1, batch_size = 0), "^`batch_size` must be a positive integer")
  python_error(lt_fit(model, d, epochs = 1, progress = "yes"),
               "^`progress` must be TRUE, FALSE or \"auto\", got \"yes\"")
  python_error(lt_fit(model, d, epochs = 1, lr = 0), "^`lr` must be a positive number")
  python_error(lt_fit(model, d, epochs = 1, weight_decay = -1), "^`weight_decay` must be a non-negative")
  python_error(lt_fit(model, d, epochs = 1, task = "bogus"), "^`task` must be one of")
  python_error(lt_fit(lt_simple_classifier(3, 4, 1), d, epochs = 1),
               "SimpleClassifier expects inputs.* 3 features per row")
  python_error(lt_fit(model, d, epochs = 1, loss = "hinge"), "^`loss` must be one of")
  python_error(lt_fit(model, as.data.frame(d), epochs = 1, y = "nope"), "`y` are not in `train`")
  expect_silent(lt_fit(model, d, epochs = 0))
})

test_that("lt_fit() passes task, loss objects, output and loader settings to Python", {
  torch <- reticulate::import("torch")
  nn <- torch$nn
  d <- as.data.frame(lt_continuous_xor(64, seed = 1))
  # task = "regression" reads 0/1 as values; a loss object is used as it is
  model <- nn$Sequential(nn$Linear(2L, 1L))
  history <- lt_fit(model, label ~ x1 + x2, data = d, epochs = 2, task = "regression")
  expect_equal(py_value(history$params)$task, "regression")
  expect_type(lt_predict(model, d), "double")
  history <- lt_fit(nn$Sequential(nn$Linear(2L, 1L)), label ~ ., data = d, epochs = 1,
                    loss = nn$BCEWithLogitsLoss(pos_weight = torch$tensor(2)))
  expect_equal(py_value(history$params)$loss, "BCEWithLogitsLoss")
  # a torch Dataset goes through a DataLoader, with `loader` settings (whole numbers as ints)
  tds <- torch$utils$data$TensorDataset(torch$randn(20L, 2L), torch$randint(0L, 2L, list(20L)))
  history <- lt_fit(nn$Sequential(nn$Linear(2L, 1L)), tds, epochs = 1, task = "binary",
                    loader = list(batch_size = 5, drop_last = TRUE))
  expect_equal(py_value(history$epochs), 1L)
  # a model returning a tuple: `output` picks its predictions (0-based, as in Python)
  ns <- py_eval_lt(paste(
    "class Two(torch.nn.Module):",
    "    def __init__(self):",
    "        import torch  # a class body in a local namespace does not see its globals",
    "        super().__init__()",
    "        self.lin = torch.nn.Linear(2, 1)",
    "    def forward(self, x):",
    "        return self.lin(x), x",
    "two = Two()",
    sep = "\n"
  ))
  two <- reticulate::py_get_item(ns, "two")
  expect_error(lt_fit(two, label ~ ., data = d, epochs = 1), "`output=`")
  history <- lt_fit(two, label ~ ., data = d, epochs = 1, output = 0)
  expect_length(lt_predict(two, d), 64L)
  # metrics, valid_fraction, accumulate, precision: converted to Python's types and passed on
  model <- lt_simple_classifier(2, 4, 1)
  history <- lt_fit(model, label ~ ., data = d, epochs = 2, metrics = "f1", valid_fraction = 0.25,
                    accumulate = 2, precision = 32, clip_grad_norm = 1, seed = 1)
  expect_true(all(c("f1", "loss") %in% as.data.frame(history)$metric))
  expect_setequal(unique(as.data.frame(history)$split), c("train", "valid"))
  expect_named(lt_evaluate(model, d, metrics = c("accuracy", "auc")), c("loss", "accuracy", "auc"))
  expect_error(lt_fit(model, d, epochs = 1, metrics = "nope"), "`metrics`")
})

test_that("a diverging run raises TrainingDiverged as a short R error", {
  reg <- lt_linear_regression_data(64, seed = 1)
  big <- lt_tensor_dataset(matrix(rnorm(128, sd = 1e18), 64), rnorm(64) * 1e18)
  err <- tryCatch(lt_fit(lt_linear_regression(2), big, epochs = 3, lr = 10), error = identity)
  expect_s3_class(err, "lt_python_error")
  expect_equal(err$python_type, "TrainingDiverged")
  expect_match(conditionMessage(err), "^training loss became")
})

test_that("lt_make_optimizer() builds a torch optimizer lt_fit() accepts", {
  model <- lt_simple_classifier(2, 4, 1)
  opt <- lt_make_optimizer(model, "sgd", lr = 0.05, momentum = 0.9)
  expect_s3_class(opt, "torch.optim.sgd.SGD")
  history <- lt_fit(model, lt_continuous_xor(64, seed = 1), epochs = 2, optimizer = opt)
  expect_equal(py_value(history$params)$lr, 0.05)
  expect_error(lt_make_optimizer(model, "lion"), "`optimizer` must be one of")
})
