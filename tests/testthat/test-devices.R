skip_if_no_python()

test_that("lt_seed() seeds R, Python, numpy and torch in one call", {
  lt_seed(123)
  r_draw <- runif(3)
  py_draws <- py_value(reticulate::py_eval(
    "(__import__('random').random(), float(__import__('numpy').random.rand()), __import__('torch').rand(1).item())"
  ))
  data_a <- as.data.frame(lt_continuous_xor(5))
  lt_seed(123)
  expect_identical(runif(3), r_draw)
  expect_identical(
    py_value(reticulate::py_eval(
      "(__import__('random').random(), float(__import__('numpy').random.rand()), __import__('torch').rand(1).item())"
    )),
    py_draws
  )
  expect_identical(as.data.frame(lt_continuous_xor(5)), data_a)
  expect_invisible(lt_seed(1))
  expect_equal(lt_seed(2^32 - 1), 2^32 - 1)
  expect_error(lt_seed(-1), "`seed` must be an integer in \\[0, 2\\*\\*32\\), got -1")
  expect_error(lt_seed(2^32), "`seed` must be an integer in \\[0, 2\\*\\*32\\), got 4294967296")
  expect_error(lt_seed("42"), "`seed` must be an integer in .*, got \"42\"")
})

test_that("device helpers return names and frames", {
  expect_true(lt_default_device() %in% c("cpu", "cuda", "mps"))
  expect_equal(lt_resolve_device("cpu"), "cpu")
  expect_equal(lt_resolve_device(), lt_default_device())
  info <- lt_device_info()
  expect_s3_class(info, "data.frame")
  expect_named(info, c("device", "name", "memory_gb", "capability"))
  expect_equal(tail(info$device, 1), "cpu")
  expect_type(info$memory_gb, "double")
  if (lt_default_device() == "cpu") {
    expect_error(lt_resolve_device("cuda"), "no CUDA GPU is available")
  }
  expect_error(lt_resolve_device("tpu"), "`device` must be")
})

test_that("lt_benchmark_matmul() returns one timed row", {
  bench <- lt_benchmark_matmul(n = 64, device = "cpu", repeats = 2)
  expect_named(bench, c("device", "n", "seconds", "gflops"))
  expect_identical(bench$n, 64L)
  expect_gt(bench$seconds, 0)
  expect_equal(bench$gflops, 2 * 64^3 / bench$seconds / 1e9)
  expect_equal(lt_benchmark_matmul(32, device = "cpu", repeats = 1, dtype = "float64")$n, 32L)
  expect_error(lt_benchmark_matmul(n = 0), "`n` must be a positive integer, got 0")
  expect_error(lt_benchmark_matmul(dtype = "flot32"), "`dtype` must be one of c\\(\"float32\"")
})
