test_that("an R callback sees each epoch's logs and stops training by returning TRUE", {
  skip_if_no_python()
  seen <- list()
  cb <- lt_callback(on_epoch_end = function(epoch, logs) {
    seen[[epoch]] <<- logs
    epoch >= 3
  })
  h <- lt_fit(lt_simple_classifier(2, 4, 1), lt_continuous_xor(100, seed = 1), epochs = 10,
              callbacks = list(cb))
  expect_length(seen, 3)
  expect_setequal(names(seen[[1]]), c("train_loss", "train_accuracy", "lr"))
  frame <- as.data.frame(h)
  expect_equal(max(frame$epoch), 3)
})

test_that("a batch callback stops after the current step, and wrong arity is refused up front", {
  skip_if_no_python()
  batches <- 0
  cb <- lt_callback(on_batch_end = function(batch, logs) {
    batches <<- batches + 1
    batch == 2
  })
  h <- lt_fit(lt_simple_classifier(2, 4, 1), lt_continuous_xor(200, seed = 1), epochs = 3,
              batch_size = 20, callbacks = list(cb))
  expect_equal(batches, 2)
  expect_error(lt_callback(on_epoch_end = function(x) TRUE),
               "`on_epoch_end` must be a function\\(epoch, logs\\); it is a function\\(x\\)")
  expect_error(lt_callback(on_fit_end = function(logs, extra) TRUE), "must be a function\\(logs\\)")
  expect_s3_class(lt_callback(on_epoch_end = function(...) TRUE), "lt_callback")
  expect_error(lt_callback(on_fit_end = 3), "`on_fit_end` must be a function")
})

test_that("a checkpoint callback lets a stopped run resume to the same weights", {
  skip_if_no_python()
  dir <- tempfile("resume")
  dir.create(dir)
  on.exit(unlink(dir, recursive = TRUE), add = TRUE)
  run <- function(path, resume = NULL, stop_after = NULL) {
    stop <- if (!is.null(stop_after)) list(function(epoch, logs) epoch == stop_after) else list()
    lt_seed(3)
    model <- lt_mlp(2, hidden = 8, out_features = 1)
    h <- lt_fit(model, lt_two_moons(120, noise = 0.2, seed = 1), epochs = 6, batch_size = 32,
                optimizer = "adam", lr = 0.01, valid_fraction = 0.25, metrics = c("accuracy", "f1"),
                scheduler = lt_scheduler("step", step_size = 2, gamma = 0.5), seed = 2,
                callbacks = c(list(lt_model_checkpoint(path)), stop), resume = resume)
    list(model = model, history = as.data.frame(h))
  }
  whole <- run(file.path(dir, "whole.pt"))
  run(file.path(dir, "part.pt"), stop_after = 3)
  resumed <- run(file.path(dir, "part.pt"), resume = file.path(dir, "part.pt"))
  x <- as.data.frame(lt_two_moons(50, seed = 9))
  expect_identical(lt_predict_proba(whole$model, x), lt_predict_proba(resumed$model, x))
  expect_equal(resumed$history, whole$history)
  lr <- whole$history$value[whole$history$metric == "lr"]
  expect_equal(lr, c(0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025))
  expect_error(lt_fit(lt_mlp(2, hidden = 8, out_features = 1), lt_two_moons(20, seed = 1),
                      epochs = 1, resume = file.path(dir, "nope.pt")), "resume|no checkpoint")
})

test_that("metrics and a validation share reach the history, and autoplot facets them", {
  skip_if_no_python()
  h <- lt_fit(lt_simple_classifier(2, 4, 1), lt_continuous_xor(200, seed = 1), epochs = 3,
              valid_fraction = 0.2, metrics = c("accuracy", "auc"), optimizer = lt_optimizer("sgd", momentum = 0.9),
              scheduler = "cosine", clip_grad_norm = 1)
  frame <- as.data.frame(h)
  expect_setequal(unique(frame$metric), c("loss", "accuracy", "auc", "lr"))
  expect_setequal(unique(frame$split), c("train", "valid"))
  p <- autoplot(h)
  built <- ggplot2::ggplot_build(p)
  expect_equal(levels(built$layout$layout$metric), c("loss", "accuracy", "auc", "lr"))
  expect_s3_class(autoplot(h, metric = "auc"), "ggplot")
  expect_error(lt_fit(lt_simple_classifier(2, 4, 1), lt_continuous_xor(50, seed = 1), epochs = 1,
                      metrics = "r2"), "`metrics`")
})

test_that("live = TRUE redraws the ggplot2 twin in the active device, ending with the history figure", {
  skip_if_no_python()
  path <- tempfile(fileext = ".pdf")
  on.exit(unlink(path), add = TRUE)
  grDevices::pdf(path)
  h <- lt_fit(lt_simple_classifier(2, 4, 1), lt_continuous_xor(100, seed = 1), epochs = 3,
              live = TRUE)
  expect_s3_class(h, "lt_history")
  grDevices::dev.off()
  pages <- length(grep("/Type /Page\\b", readLines(path, warn = FALSE), value = TRUE))
  expect_gte(pages, 2)  # epochs 2 and 3 (a curve needs two epochs), then the final frame
  rows <- history_rows(2L, list(train_loss = 0.5, valid_loss = 0.6, lr = 0.1))
  expect_equal(rows$split, c("train", "valid", "train"))
  expect_equal(rows$metric, c("loss", "loss", "lr"))
})
