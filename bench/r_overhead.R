# What calling learntorch from R costs over calling it from Python.
# 1. lt_fit() from R versus lt.fit() from Python on the tutorial's XOR configuration
#    (SimpleClassifier 2-4-1, 2500 points, batch 128, 100 epochs, SGD lr 0.1), in interleaved
#    rounds so that drifts in machine load hit both sides; medians; target ratio <= 1.05.
# 2. A 200 x 200 decision grid as an R data.frame; target < 0.2 s.
# Run from the repo root: `make bench`, or Rscript bench/r_overhead.R [rounds].
suppressPackageStartupMessages(library(learntorch))
rounds <- as.integer(commandArgs(trailingOnly = TRUE)[1])
if (is.na(rounds)) rounds <- 7L
stopifnot(lt_python_available())

train <- lt_continuous_xor(2500, seed = 42)
reticulate::py_run_string(paste(
  "import time, learntorch as lt",
  "_train = lt.continuous_xor(2500, seed=42)",
  "def _python_fit():",
  "    lt.seed_everything(0)",
  "    model = lt.SimpleClassifier(2, 4, 1)",
  "    start = time.perf_counter()",
  "    lt.fit(model, _train, epochs=100, batch_size=128, lr=0.1, progress=False)",
  "    return time.perf_counter() - start",
  sep = "\n"
))
python_fit <- reticulate::py_eval("_python_fit")

r_fit <- function() {
  lt_seed(0)
  model <- lt_simple_classifier(2, 4, 1)
  start <- proc.time()[["elapsed"]]
  lt_fit(model, train, epochs = 100, batch_size = 128, lr = 0.1, progress = FALSE)
  proc.time()[["elapsed"]] - start
}

# One untimed round each warms up torch's kernels and reticulate's call paths.
invisible(c(r_fit(), python_fit()))
times <- t(vapply(seq_len(rounds), function(i) {
  if (i %% 2 == 1) c(r = r_fit(), python = python_fit()) else rev(c(python = python_fit(), r = r_fit()))
}, numeric(2)))
r_median <- stats::median(times[, "r"])
py_median <- stats::median(times[, "python"])
ratio <- r_median / py_median
cat(sprintf("fit, XOR tutorial config, %d rounds: R %.3f s, Python %.3f s (medians), ratio %.3fx (target <= 1.05x)\n",
            rounds, r_median, py_median, ratio))

# The grid: Python computes it; what R adds is the conversion of the pandas frame.
lt_seed(0)
model <- lt_simple_classifier(2, 4, 1)
invisible(lt_decision_grid(model))
grid_total <- stats::median(vapply(1:5, function(i) {
  system.time(lt_decision_grid(model, resolution = 200))[["elapsed"]]
}, numeric(1)))
frame <- learntorch:::lt_raw()$decision_grid(model, resolution = 200L)
convert <- stats::median(vapply(1:5, function(i) {
  system.time(grid <- learntorch:::frame_to_df(frame))[["elapsed"]]
}, numeric(1)))
stopifnot(nrow(learntorch:::frame_to_df(frame)) == 40000)
cat(sprintf("decision grid 200 x 200: lt_decision_grid() %.3f s in all, of which pandas -> data.frame %.4f s (target < 0.2 s)\n",
            grid_total, convert))
ok <- ratio <= 1.05 && grid_total < 0.2
cat(if (ok) "r_overhead: within targets\n" else "r_overhead: OVER TARGET\n")
