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
  device <- as_string_or_object(device, "device")
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
  lt <- lt_raw()
  # Python checks the seed (a whole number in [0, 2^32)) before R's generator is touched.
  py_try(lt$seed_everything(as_whole(seed, "seed"), deterministic = as_flag(deterministic)))
  # set.seed() takes a 32-bit integer: fold the upper half onto the negatives.
  set.seed(if (seed > .Machine$integer.max) seed - 2^32 else seed)
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
  device <- as_string_or_object(device, "device")
  repeats <- as_count(repeats, "repeats")
  lt <- lt_raw()
  frame_to_df(py_try(lt$benchmark_matmul(n = n, device = device, repeats = repeats,
                                         dtype = as_string(dtype))))
}
