# Devices, seeding and the matmul benchmark.

#' Devices
#'
#' `lt_default_device()` names the best device here (CUDA, then Apple's MPS, else the CPU);
#' `lt_resolve_device()` checks that a requested device exists; `lt_device_info()` describes
#' every device.
#'
#' @param device "auto", "cpu", "cuda", "cuda:N" or "mps".
#' @return `lt_default_device()`, `lt_resolve_device()`: a device name such as "cpu".
#'   `lt_device_info()`: a data.frame with columns device, name, memory_gb, capability, one
#'   row per device (the CPU last).
#' @family devices
#' @export
#' @examplesIf lt_python_available()
#' lt_default_device()
#' lt_device_info()
lt_default_device <- function() {
  lt <- lt_raw()
  reticulate::py_to_r(lt_raw_builtins()$str(py_try(lt$default_device())))
}

#' @rdname lt_default_device
#' @export
lt_resolve_device <- function(device = "auto") {
  device <- as_string_or_object(device, "device", null_ok = TRUE)
  lt <- lt_raw()
  reticulate::py_to_r(lt_raw_builtins()$str(py_try(lt$resolve_device(device))))
}

#' @rdname lt_default_device
#' @export
lt_device_info <- function() {
  lt <- lt_raw()
  frame_to_df(py_try(lt$device_info()))
}

#' Seed every random number generator
#'
#' Seeds R's generator ([set.seed()]) and, through Python's `learntorch.seed_everything()`,
#' Python's `random`, numpy and torch (CPU and every GPU), so that one call makes a session
#' reproducible in both languages.
#'
#' @param seed A whole number in \[0, 2^32).
#' @param deterministic Also make cuDNN choose deterministic algorithms?
#' @return `seed`, invisibly.
#' @family devices
#' @export
#' @examplesIf lt_python_available()
#' lt_seed(42)
#' a <- as.data.frame(lt_continuous_xor(3))
#' lt_seed(42)
#' b <- as.data.frame(lt_continuous_xor(3))
#' identical(a, b)
lt_seed <- function(seed, deterministic = TRUE) {
  seed_py <- as_count(seed, "seed", min = 0)
  if (seed >= 2^32) {
    abort("`seed` must be a whole number below 2^32, not ", format(seed), ".")
  }
  deterministic <- as_flag(deterministic, "deterministic")
  # set.seed() takes a 32-bit integer: fold the upper half onto the negatives.
  set.seed(if (seed > .Machine$integer.max) seed - 2^32 else seed)
  lt <- lt_raw()
  py_try(lt$seed_everything(seed_py, deterministic = deterministic))
  invisible(seed)
}

#' Time a matrix multiplication
#'
#' The median time of an `n` x `n` matmul on a device, timed correctly on a GPU (after a
#' warm-up, with CUDA events and a synchronisation).
#'
#' @param n Matrix side.
#' @param device "auto", "cpu", "cuda", ...
#' @param repeats Timed repetitions; the median is reported.
#' @param dtype "float32", "float64", "float16" or "bfloat16".
#' @return A data.frame with one row: device, n, seconds, gflops.
#' @family devices
#' @export
#' @examplesIf lt_python_available()
#' lt_benchmark_matmul(n = 200, device = "cpu", repeats = 3)
lt_benchmark_matmul <- function(n = 5000, device = "auto", repeats = 5, dtype = "float32") {
  n <- as_count(n, "n")
  device <- as_string_or_object(device, "device", null_ok = TRUE)
  repeats <- as_count(repeats, "repeats")
  dtype <- as_choice(dtype, "dtype", c("float32", "float64", "float16", "bfloat16"))
  lt <- lt_raw()
  torch_dtype <- reticulate::py_get_attr(lt_torch(), dtype)
  frame_to_df(py_try(lt$benchmark_matmul(n = n, device = device, repeats = repeats,
                                         dtype = torch_dtype)))
}
