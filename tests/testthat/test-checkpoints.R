skip_if_no_python()

test_that("a saved model loads with the same weights and predictions", {
  lt_seed(1)
  model <- lt_simple_classifier(2, 4, 1)
  lt_fit(model, lt_continuous_xor(100, seed = 1), epochs = 3)
  path <- tempfile(fileext = ".pt")
  on.exit(unlink(path))
  expect_identical(lt_save(model, path, epochs = 3L, note = "xor"), path)
  loaded <- lt_load(path)
  expect_s3_class(loaded, "lt_model")
  expect_identical(weights_of(loaded), weights_of(model))
  points <- rbind(c(0, 0), c(1, 0))
  expect_identical(lt_predict_proba(loaded, points), lt_predict_proba(model, points))
  expect_false(py_value(loaded$training))

  checkpoint <- lt_read_checkpoint(path)
  expect_equal(checkpoint$class, "SimpleClassifier")
  expect_identical(checkpoint$config$num_hidden, 4L)
  expect_identical(checkpoint$metadata, list(epochs = 3L, note = "xor"))
  expect_identical(checkpoint$state_dict, weights_of(model))
  expect_equal(dim(checkpoint$state_dict$linear1.weight), c(4L, 2L))
  expect_named(checkpoint$versions, c("learntorch", "torch", "python"))
})

test_that("R reads Python's checkpoints and Python reads R's", {
  path_r <- tempfile(fileext = ".pt")
  path_py <- tempfile(fileext = ".pt")
  on.exit(unlink(c(path_r, path_py)))
  lt_seed(2)
  model <- lt_mlp(2, hidden = c(5), out_features = 3)
  lt_save(model, path_r)
  ns <- py_eval_lt(paste0(
    "m = lt.load(r'", path_r, "')\n",
    "lt.save(m, r'", path_py, "', source='python')"
  ))
  expect_identical(weights_of(reticulate::py_get_item(ns, "m")), weights_of(model))
  again <- lt_load(path_py, device = "cpu")
  expect_identical(weights_of(again), weights_of(model))
  expect_equal(lt_read_checkpoint(path_py)$metadata$source, "python")
})

test_that("lt_load() loads the weights into a model given as `model`", {
  lt_seed(3)
  model <- lt_simple_classifier(2, 4, 1)
  path <- tempfile(fileext = ".pt")
  on.exit(unlink(path))
  lt_save(model, path)
  target <- lt_simple_classifier(2, 4, 1)
  loaded <- lt_load(path, model = target)
  expect_s3_class(loaded, "lt_model")
  expect_identical(weights_of(loaded), weights_of(model))
  expect_identical(weights_of(target), weights_of(model))
  expect_error(lt_load(path, model = "net"), "`model` must be")
  expect_error(lt_load(path, model = lt_simple_classifier(2, 5, 1)), "shapes differ")
})

test_that("checkpoint errors are short and name the problem", {
  model <- lt_simple_classifier()
  missing <- file.path(tempdir(), "no-such-checkpoint.pt")
  expect_error(lt_load(missing), "no checkpoint at `path`")
  expect_error(lt_read_checkpoint(missing), "no checkpoint at `path`")
  expect_error(lt_load(1), "`path` must be a file path \\(a str or os.PathLike\\), got a number")
  expect_error(lt_save(model, tempfile(), 3), "metadata in `...` must be named")
  expect_error(lt_save(model, file.path(tempdir(), "nowhere", "m.pt")),
               "the folder for `path` does not exist")
  junk <- tempfile(fileext = ".pt")
  writeLines("not a checkpoint", junk)
  on.exit(unlink(junk))
  err <- tryCatch(lt_load(junk), error = identity)
  expect_s3_class(err, "lt_python_error")
  expect_match(conditionMessage(err), "is not a readable checkpoint")
})

test_that("lt_load() refuses non-finite weights unless allow_nonfinite = TRUE", {
  path <- tempfile(fileext = ".pt")
  on.exit(unlink(path))
  py_eval_lt(paste0(
    "m = lt.SimpleClassifier(2, 4, 1)\n",
    "m.linear1.bias.data[0] = float('nan')\n",
    "lt.save(m, r'", path, "')"
  ))
  expect_error(lt_load(path), "NaN or infinite values in \\[linear1.bias\\].*allow_nonfinite")
  # Python's warning reaches R's console through Python's stderr, not as an R warning.
  printed <- reticulate::py_capture_output(model <- lt_load(path, allow_nonfinite = TRUE))
  expect_match(printed, "loaded anyway")
  expect_s3_class(model, "lt_model")
  expect_error(lt_load(path, allow_nonfinite = NA), "`allow_nonfinite` must be TRUE or FALSE")
})
