# The ggplot2 twins (R/plots.R): plain data.frames in, ggplots out, no Python.

xor_frame <- function(n = 40) {
  set.seed(1)
  corner <- matrix(sample(0:1, 2 * n, replace = TRUE), ncol = 2)
  data.frame(
    x1 = corner[, 1] + stats::rnorm(n, sd = 0.1),
    x2 = corner[, 2] + stats::rnorm(n, sd = 0.1),
    label = as.integer(rowSums(corner) == 1)
  )
}

grid_frame <- function(resolution = 30) {
  # x1 varies fastest, as decision_grid() gives it
  g <- expand.grid(
    x1 = seq(-0.5, 1.5, length.out = resolution),
    x2 = seq(-0.5, 1.5, length.out = resolution)
  )
  g$prob <- stats::plogis(8 * (abs(g$x1 - g$x2) - 0.5))
  g
}

history_frame <- function() {
  epochs <- 1:6
  rbind(
    data.frame(epoch = epochs, split = "train", metric = "loss", value = exp(-epochs / 3)),
    data.frame(epoch = epochs, split = "train", metric = "accuracy", value = 1 - exp(-epochs)),
    data.frame(epoch = epochs, split = "valid", metric = "loss", value = exp(-epochs / 3) + 0.05),
    data.frame(epoch = epochs, split = "valid", metric = "accuracy", value = 0.9 - exp(-epochs))
  )
}

layer_geoms <- function(p) vapply(p$layers, function(l) class(l$geom)[[1]], character(1))

render_png <- function(p, width = 4, height = 4) {
  path <- tempfile(fileext = ".png")
  on.exit(unlink(path))
  ggplot2::ggsave(path, p, width = width, height = height, dpi = 50)
  file.size(path)
}

C0 <- "#1f77b4"
C1 <- "#ff7f0e"

test_that("lt_plot_samples draws the frame as C0/C1 points", {
  frame <- xor_frame()
  p <- lt_plot_samples(frame)
  expect_s3_class(p, "ggplot")
  expect_identical(layer_geoms(p), "GeomPoint")
  expect_identical(p$data, frame)
  built <- ggplot2::ggplot_build(p)
  d <- built$data[[1]]
  expect_identical(d$x, frame$x1)
  expect_identical(d$y, frame$x2)
  expect_identical(d$fill, ifelse(frame$label == 0, C0, C1))
  expect_true(all(d$colour == "#333333"))
  expect_true(all(d$shape == 21))
  expect_identical(built$plot$scales$get_scales("fill")$get_labels(), c("Class 0", "Class 1"))
  expect_identical(p$labels$title, "Dataset samples")
  expect_identical(p$labels$x, quote(italic(x)[1]))
  expect_identical(p$labels$y, quote(italic(x)[2]))
  expect_gt(render_png(p), 0)
})

test_that("lt_plot_samples colours class k with matplotlib's Ck", {
  frame <- data.frame(x1 = 1:3, x2 = 1:3, label = c(2L, 1L, 2L))
  d <- ggplot2::layer_data(lt_plot_samples(frame))
  expect_identical(d$fill, unname(mpl_colours[c("C2", "C1", "C2")]))
})

test_that("the legend goes where matplotlib's loc = 'best' would put it", {
  # points crowd the upper right: the legend leaves it
  frame <- data.frame(x1 = c(0, 0.9, 1, 0.95, 1, 0.92), x2 = c(0, 0.9, 1, 0.95, 0.92, 1), label = 0L)
  p <- lt_plot_samples(frame)
  expect_false(identical(p$theme$legend.position, c(1, 1)))
  # the first empty location in matplotlib's order wins: the upper right when empty
  frame <- data.frame(x1 = c(0, 0.1, 1), x2 = c(0, 0.1, 0), label = c(0L, 1L, 1L))
  expect_identical(lt_plot_samples(frame)$theme$legend.position, c(1, 1))
  # an explicit matplotlib location, or a ggplot2 one
  p <- lt_plot_samples(frame, legend_position = "lower left")
  expect_identical(p$theme$legend.position, c(0, 0))
  p <- lt_plot_samples(frame, legend_position = "none")
  expect_identical(p$theme$legend.position, "none")
})

test_that("lt_plot_samples names the missing columns", {
  frame <- xor_frame()
  expect_error(lt_plot_samples(frame["x1"]), "lacks the columns x2, label; it has x1")
  expect_error(lt_plot_samples(frame[c("x1", "x2")]), "lacks the column label")
  expect_error(lt_plot_samples(as.matrix(frame)), "must be a data.frame")
  expect_error(lt_plot_samples(frame[0, ]), "no rows")
})

test_that("lt_plot_decision_boundary blends C0 into C1 under the points", {
  grid <- grid_frame()
  samples <- xor_frame()
  p <- lt_plot_decision_boundary(grid, samples)
  expect_identical(layer_geoms(p), c("GeomRaster", "GeomPoint"))
  expect_identical(p$data, grid)
  expect_identical(p$layers[[2]]$data, samples)
  built <- ggplot2::ggplot_build(p)
  surface <- built$data[[1]]
  expect_equal(surface$x, grid$x1)
  expect_equal(surface$y, grid$x2)
  # (1 - p) * C0 + p * C1 in RGB
  c0 <- grDevices::col2rgb(C0)[, 1] / 255
  c1 <- grDevices::col2rgb(C1)[, 1] / 255
  expected <- grDevices::rgb(t(outer(c0, 1 - grid$prob) + outer(c1, grid$prob)))
  expect_identical(surface$fill, expected)
  expect_identical(learntorch:::blend_colours(c(0, 1, 0.5)),
                   c(toupper(C0), toupper(C1), grDevices::rgb(t((c0 + c1) / 2))))
  points <- built$data[[2]]
  expect_identical(points$x, samples$x1)
  expect_identical(points$fill, ifelse(samples$label == 0, C0, C1))
  expect_identical(built$plot$scales$get_scales("fill")$get_labels(), c("Class 0", "Class 1"))
  # the axes end where the grid ends
  ranges <- built$layout$panel_params[[1]]
  expect_equal(ranges$x.range, c(-0.5, 1.5))
  expect_equal(ranges$y.range, c(-0.5, 1.5))
  expect_identical(p$labels$title, "Decision boundary")
  expect_no_warning(render_png(p))
})

test_that("lt_plot_decision_boundary draws the surface alone, and a float32 grid without warnings", {
  grid <- grid_frame()
  # float32 rounding of each grid line, as torch.linspace gives it
  noise <- stats::runif(30, -1e-7, 1e-7)
  grid$x1 <- grid$x1 + noise[match(grid$x1, unique(grid$x1))]
  expect_warning(render_png(ggplot2::ggplot(grid, ggplot2::aes(x1, x2)) + ggplot2::geom_raster()), "uneven")
  p <- lt_plot_decision_boundary(grid)
  expect_identical(layer_geoms(p), "GeomRaster")
  expect_identical(p$data, grid)
  expect_no_warning(render_png(p))
  expect_error(lt_plot_decision_boundary(grid[c("x1", "x2")]), "`grid` lacks the column prob")
  expect_error(lt_plot_decision_boundary(grid, data.frame(x1 = 1)), "`data` lacks the columns x2, label")
})

test_that("lt_plot_history draws train in C0 and valid in C1", {
  frame <- history_frame()
  p <- lt_plot_history(frame)
  expect_identical(layer_geoms(p), "GeomLine")
  expect_identical(p$data, frame)
  built <- ggplot2::ggplot_build(p)
  d <- built$data[[1]]
  loss <- frame[frame$metric == "loss", ]
  expect_identical(nrow(d), nrow(loss))
  expect_setequal(paste(d$x, d$y), paste(loss$epoch, loss$value))
  expect_identical(unique(d$colour), c(C0, C1))
  expect_identical(d$colour, ifelse(loss$split[order(loss$split, loss$epoch)] == "train", C0, C1))
  expect_identical(built$plot$scales$get_scales("colour")$get_labels(), c("train", "valid"))
  expect_identical(p$labels$title, "Training loss")
  expect_identical(p$labels$x, "epoch")
  expect_identical(p$labels$y, "loss")
  p <- lt_plot_history(frame, metric = "accuracy", title = "Accuracy")
  expect_identical(p$labels$title, "Accuracy")
  expect_identical(p$labels$y, "accuracy")
  # rows of the metric, train then valid, each by epoch (as history_frame() lists them)
  expect_identical(ggplot2::layer_data(p)$y, frame$value[frame$metric == "accuracy"])
  expect_gt(render_png(p, 5, 3.5), 0)
})

test_that("lt_plot_history without a validation split has one line", {
  frame <- history_frame()
  frame <- frame[frame$split == "train", ]
  built <- ggplot2::ggplot_build(lt_plot_history(frame))
  expect_identical(unique(built$data[[1]]$colour), C0)
  expect_identical(built$plot$scales$get_scales("colour")$get_labels(), "train")
})

test_that("lt_plot_history explains a wrong metric or frame", {
  frame <- history_frame()
  expect_error(lt_plot_history(frame, metric = "f1"), "`metric` \"f1\" is not in the history; it has accuracy, loss")
  expect_error(lt_plot_history(frame, metric = 1), "single string")
  expect_error(lt_plot_history(frame[c("epoch", "value")]), "lacks the columns split, metric")
})

test_that("lt_plot_confusion writes each count on a viridis tile", {
  frame <- data.frame(truth = c(0L, 0L, 1L, 1L), prediction = c(0L, 1L, 0L, 1L), count = c(40L, 2L, 5L, 53L))
  p <- lt_plot_confusion(frame)
  expect_identical(layer_geoms(p), c("GeomTile", "GeomText"))
  expect_identical(p$data, frame)
  built <- ggplot2::ggplot_build(p)
  expect_identical(built$data[[1]]$x, as.numeric(frame$prediction))
  expect_identical(built$data[[1]]$fill[which.max(frame$count)], "#FDE725") # viridis' top
  expect_identical(built$data[[1]]$fill[which.min(frame$count)], "#440154") # and bottom
  expect_identical(built$data[[2]]$label, frame$count)
  # white on dark tiles (below half the largest count), black on light ones
  expect_identical(built$data[[2]]$colour, c("black", "white", "white", "black"))
  expect_identical(p$labels$title, "Confusion matrix")
  expect_identical(p$labels$x, "prediction")
  expect_identical(p$labels$y, "truth")
  expect_identical(p$labels$fill, "count")
  expect_gt(render_png(p, 5, 4.5), 0)
  expect_error(lt_plot_confusion(frame[c("truth", "count")]), "lacks the column prediction")
})

test_that("lt_plot_benchmark draws one bar per row, coloured C0, C1, ...", {
  frame <- data.frame(device = c("cpu", "cuda:0"), n = c(256L, 256L), seconds = c(0.01, 0.001),
                      gflops = c(3.4, 33.5))
  p <- lt_plot_benchmark(frame)
  expect_identical(layer_geoms(p), "GeomCol")
  expect_identical(p$data, frame)
  built <- ggplot2::ggplot_build(p)
  expect_identical(built$data[[1]]$y, frame$gflops)
  expect_identical(built$data[[1]]$fill, c(C0, C1))
  expect_identical(built$layout$panel_params[[1]]$x$get_labels(), c("cpu\nn=256", "cuda:0\nn=256"))
  expect_identical(built$layout$panel_params[[1]]$y.range[[1]], 0) # bars stand on the axis
  expect_identical(p$labels$title, "Matrix multiplication")
  expect_identical(p$labels$y, "GFLOP/s")
  expect_gt(render_png(p, 5, 3.5), 0)
  expect_error(lt_plot_benchmark(frame[c("device", "n")]), "lacks the columns seconds, gflops")
})

test_that("autoplot() and plot() draw histories and datasets through as.data.frame()", {
  history <- structure(history_frame(), class = c("lt_history", "data.frame"))
  p <- ggplot2::autoplot(history, metric = "accuracy")
  expect_s3_class(p, "ggplot")
  expect_identical(p$labels$title, "Training accuracy")
  expect_identical(class(p$data), "data.frame")
  path <- tempfile(fileext = ".png")
  grDevices::png(path)
  out <- withVisible(plot(history))
  grDevices::dev.off()
  unlink(path)
  expect_false(out$visible)
  expect_s3_class(out$value, "ggplot")
  dataset <- structure(xor_frame(), class = c("lt_dataset", "data.frame"))
  p <- ggplot2::autoplot(dataset, title = "XOR")
  expect_identical(p$labels$title, "XOR")
  expect_identical(p$data, xor_frame())
})

test_that("the twins use theme_mpl()", {
  p <- lt_plot_samples(xor_frame())
  expect_s3_class(p$theme$panel.grid, "element_blank")
  expect_identical(p$theme$plot.title$hjust, 0.5)
})

test_that("autoplot() is available after library(learntorch) alone", {
  # Users call autoplot(history) without attaching ggplot2 themselves.
  expect_true("autoplot" %in% getNamespaceExports("learntorch"))
  expect_identical(learntorch::autoplot, ggplot2::autoplot)
})
