# R as R users expect it (issue 11): hardhat blueprints (columns by name), predict() types,
# na.action, dataset methods, model and history summaries, and learntorch objects in the plots.

as_r <- function(x) if (inherits(x, "python.builtin.object")) reticulate::py_to_r(x) else x

skip_if_no_python()

xor_train <- as.data.frame(lt_continuous_xor(400, seed = 1))
xor_test <- as.data.frame(lt_continuous_xor(200, seed = 2))
lt_seed(1)
xor_model <- lt_simple_classifier(2, 4, 1)
lt_fit(xor_model, label ~ x1 + x2, data = xor_train, epochs = 100, batch_size = 32, lr = 0.5)

test_that("new data is matched by column name, in any order, extra columns ignored", {
  p <- predict(xor_model, xor_test)
  expect_gt(mean(p == xor_test$label), 0.9)
  expect_identical(predict(xor_model, xor_test[c("label", "x2", "x1")]), p)
  expect_identical(predict(xor_model, cbind(other = 1, xor_test[c("x2", "x1")])), p)
  expect_identical(lt_predict(xor_model, xor_test[c("x2", "x1")]), p)
  expect_identical(lt_evaluate(xor_model, xor_test[c("label", "x2", "x1")]),
                   lt_evaluate(xor_model, xor_test))
  # a missing column is an error naming it and the function the user called
  err <- tryCatch(predict(xor_model, xor_test["x1"]), error = identity)
  expect_s3_class(err, "lt_argument_error")
  expect_identical(conditionCall(err)[[1]], as.name("predict"))
  expect_match(conditionMessage(err), "`new_data` lacks the column `x2` the model was trained on")
  expect_error(predict(xor_model, transform(xor_test, x2 = NULL, X2 = x2)), "Did you mean `X2`")
  # a column of the wrong type
  expect_error(predict(xor_model, transform(xor_test, x1 = as.character(x1))),
               "`new_data` does not fit the model's training data")
  # an unnamed matrix of the right width is taken by position
  expect_identical(predict(xor_model, unname(as.matrix(xor_test[c("x1", "x2")]))), p)
})

test_that("factor outcomes come back as factors; prob is a tibble of .pred_<level> columns", {
  lt_seed(2)
  m <- lt_mlp(4, hidden = 8, out_features = 3)
  lt_fit(m, Species ~ ., data = iris, epochs = 30, optimizer = "adam", lr = 0.02)
  species <- levels(iris$Species)
  p <- predict(m, iris[5:1])
  expect_s3_class(p, "factor")
  expect_identical(levels(p), species)
  expect_identical(p, predict(m, iris))
  prob <- predict(m, iris, type = "prob")
  expect_s3_class(prob, "tbl_df")
  expect_named(prob, paste0(".pred_", species))
  expect_equal(rowSums(as.matrix(prob)), rep(1, 150), tolerance = 1e-6)
  confusion <- lt_confusion_matrix(m, iris)
  expect_identical(levels(confusion$truth), species)
  # an unknown level is an error, not a silent NA
  odd <- iris[1:3, ]
  odd$Species <- factor(c("setosa", "tulip", "setosa"))
  expect_error(lt_evaluate(m, odd), "Novel levels.*tulip")
  # the blueprint survives lt_save() / lt_load(): still by name
  path <- withr::local_tempfile(fileext = ".pt")
  lt_save(m, path)
  again <- lt_load(path)
  expect_identical(predict(again, iris[c(4, 3, 2, 1)]), p)
  expect_length(lt_read_checkpoint(path)$metadata, 0)
})

test_that("factor inputs become indicator columns; regression predicts numbers", {
  lt_seed(3)
  reg <- lt_linear_regression(4)
  lt_fit(reg, Sepal.Length ~ Petal.Length + Species, data = iris, epochs = 30, lr = 0.05)
  values <- predict(reg, iris)
  expect_type(values, "double")
  expect_length(values, 150)
  expect_identical(predict(reg, iris[c("Species", "Petal.Length")]), values)
  expect_error(predict(reg, iris, type = "class"), "needs a classifier")
  coefs <- coef(reg)
  expect_named(coefs, c("(Intercept)", "Petal.Length", "Speciessetosa", "Speciesversicolor",
                        "Speciesvirginica"))
  # two targets: a tibble with one .pred_<target> column each
  crops <- as.data.frame(lt_crop_yields())
  two <- lt_linear_regression(3, 2)
  lt_fit(two, cbind(apples, oranges) ~ temperature + rainfall + humidity, data = crops, epochs = 2, lr = 1e-5)
  out <- predict(two, crops)
  expect_named(out, c(".pred_apples", ".pred_oranges"))
})

test_that("na.action: omit and exclude drop rows, fail names the columns", {
  holes <- xor_test
  holes$x1[c(2, 5)] <- NA
  p <- predict(xor_model, holes)  # na.exclude: NA where an input is missing
  expect_length(p, 200)
  expect_true(all(is.na(p[c(2, 5)])))
  expect_identical(p[-c(2, 5)], predict(xor_model, xor_test[-c(2, 5), ]))
  expect_length(predict(xor_model, holes, na.action = na.omit), 198)
  expect_error(predict(xor_model, holes, na.action = na.fail),
               "`new_data` has missing values \\(NA\\) in `x1` \\(2 rows\\)")
  expect_error(predict(xor_model, holes, na.action = "drop"), "`na.action` must be na.omit")
  expect_length(lt_predict_proba(xor_model, holes), 200)
  # training: omitted by default (getOption("na.action")); na.fail stops before Python
  model <- lt_simple_classifier(2, 4, 1)
  train <- xor_train
  train$label[3] <- NA
  lt_fit(model, label ~ x1 + x2, data = train, epochs = 1)
  expect_equal(nobs(model), 399L)
  expect_error(lt_fit(model, label ~ ., data = train, epochs = 1, na.action = na.fail),
               "`data` has missing values \\(NA\\) in `label` \\(1 row\\)")
  expect_equal(lt_evaluate(xor_model, holes)$loss, lt_evaluate(xor_model, xor_test[-c(2, 5), ])$loss)
})

test_that("validation data goes through the training data's blueprint", {
  model <- lt_simple_classifier(2, 4, 1)
  h <- lt_fit(model, label ~ x1 + x2, data = xor_train, valid = xor_test[c("label", "x2", "x1")],
              epochs = 2)
  expect_true("valid" %in% as.data.frame(h)$split)
  expect_error(lt_fit(model, label ~ x1 + x2, data = xor_train, valid = xor_test["x1"], epochs = 1),
               "`valid` lacks the columns `x2`, `label` of the training data")
})

test_that("a matrix and a vector make a blueprint too; a dataset makes none", {
  x <- as.matrix(xor_train[c("x1", "x2")])
  m <- lt_simple_classifier(2, 4, 1)
  lt_fit(m, x = x, y = factor(xor_train$label, labels = c("no", "yes")), epochs = 2)
  expect_identical(levels(predict(m, xor_test)), c("no", "yes"))
  expect_named(predict(m, xor_test, type = "prob"), c(".pred_no", ".pred_yes"))
  m <- lt_simple_classifier(2, 4, 1)
  lt_fit(m, lt_continuous_xor(100, seed = 3), epochs = 1)
  expect_null(learntorch:::model_blueprint(m))
  expect_length(predict(m, xor_test[c("x2", "label", "x1")]), 200)  # Python matches the names
})

test_that("callbacks with the wrong arguments are refused when lt_fit() starts", {
  calls <- 0
  cb <- function(epoch) calls <<- calls + 1
  expect_error(lt_fit(lt_simple_classifier(), lt_continuous_xor(20, seed = 1), epochs = 2,
                      callbacks = list(cb)),
               "`callbacks\\[\\[1\\]\\]` must be a function\\(epoch, logs\\); it is a function\\(epoch\\)")
  expect_equal(calls, 0)
  expect_error(lt_fit(lt_simple_classifier(), lt_continuous_xor(20, seed = 1), epochs = 2,
                      callbacks = list(function(epoch, logs, extra) NULL)), "must be a function\\(epoch, logs\\)")
})

test_that("progress: R's own cli bar when asked, none under testthat by default", {
  expect_false(learntorch:::as_progress("auto"))
  expect_true(learntorch:::as_progress(TRUE))
  expect_identical(learntorch:::as_progress("yes"), "yes")  # Python's to refuse
  seen <- character()
  h <- withCallingHandlers(
    lt_fit(lt_simple_classifier(), lt_continuous_xor(20, seed = 1), epochs = 2, progress = TRUE),
    cliMessage = function(m) seen <<- c(seen, conditionMessage(m))
  )
  expect_equal(as_r(h$epochs), 2L)
})

test_that("datasets index from 1 and have dim(), head(), tail(), [[ and as.matrix()", {
  ds <- lt_continuous_xor(10, seed = 4)
  frame <- as.data.frame(ds)
  expect_identical(dim(ds), c(10L, 3L))
  expect_identical(nrow(ds), 10L)
  expect_identical(length(ds), 10L)
  expect_identical(head(ds, 3), frame[1:3, ])
  expect_equal(tail(ds, 2), frame[9:10, ])
  expect_identical(as.data.frame(ds[c(1, 3)]), frame[c(1, 3), ], ignore_attr = TRUE)
  expect_equal(as.data.frame(ds[-1]), frame[-1, ], ignore_attr = TRUE)
  expect_identical(ds[1:4, "label"], frame$label[1:4])
  first <- ds[[1]]
  expect_equal(first$x, c(x1 = frame$x1[[1]], x2 = frame$x2[[1]]), tolerance = 1e-6)
  expect_identical(first$y, frame$label[[1]])
  expect_error(ds[[11]], "`i` must be one sample number from 1 to 10")
  expect_error(ds[11:12], "beyond 10")
  expect_identical(colnames(as.matrix(ds)), c("x1", "x2"))
  named <- lt_tensor_dataset(as.matrix(iris[1:4]), iris$Species)
  expect_identical(named[[51]]$y, factor("versicolor", levels = levels(iris$Species)))
  # batches without Python's iterators
  batches <- lt_batches(ds, batch_size = 4, shuffle = FALSE)
  one <- lt_first_batch(batches)
  expect_equal(dim(one$x), c(4L, 2L))
  expect_equal(one$x, unname(as.matrix(frame[1:4, c("x1", "x2")])), tolerance = 1e-6)
  expect_length(as.list(batches), 3L)
  expect_identical(lt_first_batch(ds, batch_size = 2)$y, frame$label[1:2])
})

test_that("models have summary(), lt_parameters(), coef(), nobs(), tidy(), glance(), format()", {
  s <- summary(xor_model)
  expect_s3_class(s, "lt_model_summary")
  expect_identical(s$layers$output_shape, c("(N, 4)", "(N, 4)", "(N, 1)"))
  expect_equal(s$parameters, 17)
  expect_output(print(s), "Formula: label ~ x1 \\+ x2")
  params <- lt_parameters(xor_model)
  expect_named(params, c("linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias"))
  expect_equal(dim(params$linear1.weight), c(4L, 2L))
  expect_equal(nobs(xor_model), 400L)
  expect_match(format(xor_model), "^<lt_model> SimpleClassifier \\(17 parameters, binary\\)$")
  expect_error(coef(xor_model), "coef\\(\\) is defined for models of one linear layer")
  expect_named(tidy(xor_model), c("term", "size", "mean", "sd", "min", "max"))
  expect_identical(glance(xor_model)$nobs, 400L)
  logistic <- lt_logistic_regression(2)
  lt_fit(logistic, label ~ x2 + x1, data = xor_train, epochs = 2)
  expect_named(coef(logistic), c("(Intercept)", "x2", "x1"))
  expect_identical(tidy(logistic)$term, c("(Intercept)", "x2", "x1"))
  expect_match(lt_torch_version(), "^2\\.")
})

test_that("histories have summary(), tidy() and glance()", {
  parts <- lt_train_val_split(lt_continuous_xor(200, seed = 5), seed = 1)
  h <- lt_fit(lt_simple_classifier(), parts$train, valid = parts$valid, epochs = 4)
  s <- summary(h)
  expect_equal(s$epochs, 4)
  expect_setequal(paste(s$metrics$split, s$metrics$metric),
                  c("train loss", "train accuracy", "valid loss", "valid accuracy"))
  expect_output(print(s), "4 epochs")
  expect_identical(as.data.frame(tidy(h)), as.data.frame(h))
  g <- glance(h)
  expect_identical(g$epochs, 4L)
  expect_false(g$stopped_early)
})

test_that("saveRDS() of a model gives a clear error on use, pointing to lt_save()", {
  path <- withr::local_tempfile(fileext = ".rds")
  saveRDS(xor_model, path)
  dead <- readRDS(path)
  expect_output(print(dead), "restored from an R session file")
  expect_error(predict(dead, xor_test), "was restored from an R session file.*lt_save")
  expect_error(lt_fit(dead, xor_train, epochs = 1), "lt_save\\(model, path\\)")
})

test_that("the plots take learntorch objects: a model and data, a dataset, a history", {
  p <- lt_plot_decision_boundary(xor_model, xor_test)
  expect_s3_class(p, "ggplot")
  expect_named(p$data, c("x1", "x2", "prob"))
  expect_identical(p$layers[[2]]$data$label, xor_test$label)
  lt_seed(4)
  petals <- lt_mlp(2, hidden = 8, out_features = 3)
  lt_fit(petals, Species ~ Petal.Width + Petal.Length, data = iris, epochs = 5, optimizer = "adam")
  p <- lt_plot_decision_boundary(petals, iris)
  expect_identical(p$labels$x, "Petal.Width")
  expect_identical(p$layers[[2]]$data$label, iris$Species)
  expect_identical(p$layers[[2]]$data$x1, iris$Petal.Width)
  expect_s3_class(lt_plot_confusion(petals, iris), "ggplot")
  expect_s3_class(lt_plot_samples(lt_continuous_xor(20, seed = 1)), "ggplot")
  h <- lt_fit(lt_simple_classifier(), lt_continuous_xor(20, seed = 1), epochs = 2)
  expect_s3_class(lt_plot_history(h), "ggplot")
  expect_s3_class(lt_plot_metrics(h), "ggplot")
  images <- lt_plot_images(lt_digits()[1:4])
  expect_s3_class(images, "ggplot")
  expect_setequal(unique(images$data$image), 0:3)
})
