# vdiffr snapshots of every ggplot2 twin, drawn from fixed frames (no Python): a change in how a
# figure looks fails here, with the old and new SVG side by side (testthat::snapshot_review()).
# The SVGs are in _snaps/snapshots/; accept an intended change with testthat::snapshot_accept().

skip_if_not_installed("vdiffr")

snapshot_xor <- function(n = 40) {
  set.seed(11)
  corner <- matrix(sample(0:1, 2 * n, replace = TRUE), ncol = 2)
  data.frame(x1 = corner[, 1] + stats::rnorm(n, sd = 0.1), x2 = corner[, 2] + stats::rnorm(n, sd = 0.1),
             label = as.integer(rowSums(corner) == 1))
}

snapshot_grid <- function(resolution = 25) {
  g <- expand.grid(x1 = seq(-0.5, 1.5, length.out = resolution), x2 = seq(-0.5, 1.5, length.out = resolution))
  g$prob <- stats::plogis(8 * (abs(g$x1 - g$x2) - 0.5))
  g
}

snapshot_history <- function() {
  epochs <- 1:8
  rbind(
    data.frame(epoch = epochs, split = "train", metric = "loss", value = exp(-epochs / 3)),
    data.frame(epoch = epochs, split = "valid", metric = "loss", value = exp(-epochs / 3) + 0.05),
    data.frame(epoch = epochs, split = "train", metric = "accuracy", value = 1 - exp(-epochs)),
    data.frame(epoch = epochs, split = "valid", metric = "accuracy", value = 0.9 - exp(-epochs)),
    data.frame(epoch = epochs, split = "train", metric = "lr", value = 0.1 * 0.5^(epochs %/% 3))
  )
}

test_that("samples: class codes, factor levels and a regression target", {
  vdiffr::expect_doppelganger("samples-codes", lt_plot_samples(snapshot_xor()))
  flowers <- iris[seq(1, 150, by = 3), ]
  names(flowers)[[5]] <- "label"
  flowers$label <- factor(flowers$label, levels = c("virginica", "setosa", "versicolor"))
  vdiffr::expect_doppelganger("samples-factor",
                              lt_plot_samples(flowers, x = "Petal.Length", y = "Petal.Width"))
  reg <- data.frame(x1 = seq(-1, 1, length.out = 30), x2 = sin(1:30))
  reg$target <- reg$x1 - reg$x2
  vdiffr::expect_doppelganger("samples-target", lt_plot_samples(reg))
})

test_that("decision boundaries: binary, binary in viridis, multiclass, regression", {
  grid <- snapshot_grid()
  vdiffr::expect_doppelganger("boundary-binary", lt_plot_decision_boundary(grid, snapshot_xor()))
  vdiffr::expect_doppelganger("boundary-binary-viridis",
                              lt_plot_decision_boundary(grid, snapshot_xor()) + ggplot2::scale_fill_viridis_c())
  three <- grid[c("x1", "x2")]
  three$class <- cut(three$x1, c(-Inf, 0.2, 0.8, Inf), labels = c("left", "middle", "right"))
  three$prob <- 1 - 0.6 * (three$x2 + 0.5) / 2
  vdiffr::expect_doppelganger("boundary-multiclass", lt_plot_decision_boundary(three))
  surface <- grid[c("x1", "x2")]
  surface$value <- surface$x1 - surface$x2
  points <- data.frame(x1 = c(0, 1, 0.5), x2 = c(1, 0, 0.5), target = c(-1, 1, 0))
  vdiffr::expect_doppelganger("boundary-regression", lt_plot_decision_boundary(surface, points))
})

test_that("training curves: one metric, every metric", {
  vdiffr::expect_doppelganger("history-loss", lt_plot_history(snapshot_history()))
  vdiffr::expect_doppelganger("history-accuracy", lt_plot_history(snapshot_history(), metric = "accuracy"))
  vdiffr::expect_doppelganger("metrics", lt_plot_metrics(snapshot_history()))
})

test_that("confusion matrix and benchmark bars", {
  animals <- expand.grid(truth = c("cat", "dog", "bird"), prediction = c("cat", "dog", "bird"))
  animals$count <- c(30L, 2L, 1L, 3L, 25L, 0L, 1L, 1L, 40L)
  vdiffr::expect_doppelganger("confusion", lt_plot_confusion(animals))
  bench <- data.frame(device = c("cpu", "cuda:0"), n = 4096L, seconds = c(0.9, 0.01),
                      gflops = c(152.7, 13744))
  vdiffr::expect_doppelganger("benchmark", lt_plot_benchmark(bench))
})

test_that("image grids: labels, and predictions with a misclassified image", {
  frame <- expand.grid(col = 0:7, row = 0:7, image = 0:3)
  frame$intensity <- ((frame$row * 3 + frame$col * (frame$image + 1)) %% 9) / 8
  frame$label <- frame$image
  vdiffr::expect_doppelganger("images-labels", lt_plot_images(frame[names(frame) != "prediction"], ncol = 4))
  frame$prediction <- c(0L, 1L, 3L, 3L)[frame$image + 1]
  vdiffr::expect_doppelganger("images-predictions", lt_plot_images(frame, ncol = 4))
})
