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
  expect_error(lt_plot_samples(frame["x1"]), "lacks the column label \\(classification\\) or target")
  expect_error(lt_plot_samples(frame[c("x1", "x2")]), "lacks the column label")
  expect_error(lt_plot_samples(as.matrix(frame)), "must be a data.frame")
  expect_error(lt_plot_samples(frame[0, ]), "no rows")
})

test_that("lt_plot_decision_boundary blends C0 into C1 under the points", {
  grid <- grid_frame()
  samples <- xor_frame()
  p <- lt_plot_decision_boundary(grid, samples)
  expect_identical(layer_geoms(p), c("GeomRaster", "GeomPoint", "GeomPoint"))
  expect_identical(p$data, grid)
  expect_identical(p$layers[[2]]$data, samples)
  built <- ggplot2::ggplot_build(p)
  surface <- built$data[[1]]
  expect_equal(surface$x, grid$x1)
  expect_equal(surface$y, grid$x2)
  # (1 - p) * C0 + p * C1 in RGB, by the default continuous fill scale
  c0 <- grDevices::col2rgb(C0)[, 1] / 255
  c1 <- grDevices::col2rgb(C1)[, 1] / 255
  expected <- grDevices::rgb(t(outer(c0, 1 - grid$prob) + outer(c1, grid$prob)))
  expect_identical(surface$fill, expected)
  expect_identical(learntorch:::blend_colours(c(0, 1, 0.5)),
                   c(toupper(C0), toupper(C1), grDevices::rgb(t((c0 + c1) / 2))))
  expect_identical(p$labels$fill, "P(class 1)")
  # the samples: a circle in the class colour under a #333333 ring, on the colour scale
  points <- built$data[[2]]
  expect_identical(points$x, samples$x1)
  expect_identical(points$colour, ifelse(samples$label == 0, C0, C1))
  expect_true(all(built$data[[3]]$colour == "#333333"))
  expect_identical(built$plot$scales$get_scales("colour")$get_labels(), c("Class 0", "Class 1"))
  # any continuous fill scale replaces the blend, titled P(<class>)
  viridis <- ggplot2::ggplot_build(p + ggplot2::scale_fill_viridis_c())
  expect_false(identical(viridis$data[[1]]$fill, expected))
  expect_identical(viridis$plot$scales$get_scales("fill")$make_title(viridis$plot$labels$fill), "P(class 1)")
  expect_no_warning(render_png(p + ggplot2::scale_fill_viridis_c()))
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
  expect_error(lt_plot_decision_boundary(grid[c("x1", "x2")]), "`grid` lacks the columns of a decision grid")
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


# ---- every task's frames, built by hand ----------------------------------------------------------

C2 <- "#2ca02c"

# Class a (x1 < 0), b (0 <= x1 < 1), c (x1 >= 1); prob falls from 1 to 1/3 along x2.
three_class_grid <- function(levels = NULL) {
  g <- expand.grid(x1 = seq(-1, 2, length.out = 12), x2 = seq(0, 1, length.out = 5))
  g$class <- ifelse(g$x1 < 0, "a", ifelse(g$x1 < 1, "b", "c"))
  if (!is.null(levels)) g$class <- factor(g$class, levels = levels)
  g$prob <- 1 - (2 / 3) * g$x2
  g
}

four_features <- function() {
  set.seed(2)
  frame <- as.data.frame(matrix(stats::rnorm(36), ncol = 4,
                                dimnames = list(NULL, c("sepal_length", "sepal_width", "petal_length", "petal_width"))))
  frame$label <- rep(c("c", "a", "b"), 3)
  frame
}

fill_labels <- function(built) built$plot$scales$get_scales("fill")$get_labels()

test_that("a multiclass grid fills each cell with its class colour, faded by prob", {
  grid <- three_class_grid()
  p <- lt_plot_decision_boundary(grid)
  expect_identical(layer_geoms(p), "GeomRaster")
  expect_identical(p$data, grid)
  built <- ggplot2::ggplot_build(p)
  d <- built$data[[1]]
  colours <- c(a = C0, b = C1, c = C2)
  expect_identical(d$fill, unname(colours[grid$class]))
  # alpha over the white panel is Python's blend to white: 1 at prob 1, 0 at prob 1/3
  expect_equal(d$alpha, 1 - grid$x2)
  expect_identical(fill_labels(built), c("a", "b", "c"))
  expect_true(p$layers[[1]]$show.legend) # the regions are the legend keys without samples
  expect_no_warning(render_png(p))
})

test_that("a multiclass grid keeps the factor's level order, shared with the samples", {
  grid <- three_class_grid(levels = c("c", "a", "b"))
  samples <- data.frame(x1 = c(-0.5, 0.5, 1.5), x2 = 0.5, label = factor(c("a", "b", "c"), levels = c("c", "a", "b")))
  p <- lt_plot_decision_boundary(grid, samples)
  expect_identical(layer_geoms(p), c("GeomRaster", "GeomPoint"))
  expect_identical(p$layers[[2]]$data, samples)
  expect_false(p$layers[[1]]$show.legend) # the points are the legend keys
  built <- ggplot2::ggplot_build(p)
  expect_identical(unique(built$data[[1]]$fill[grid$class == "c"]), C0)
  expect_identical(unique(built$data[[1]]$fill[grid$class == "a"]), C1)
  expect_identical(built$data[[2]]$fill, c(C1, C2, C0))
  expect_identical(fill_labels(built), c("c", "a", "b"))
  expect_no_warning(render_png(p))
})

test_that("multiclass codes are Class k in Ck, and every class is in the legend", {
  grid <- expand.grid(x1 = 0:2, x2 = 0:1)
  grid$class <- grid$x1
  grid$prob <- 1
  built <- ggplot2::ggplot_build(lt_plot_decision_boundary(grid, data.frame(x1 = 0.1, x2 = 0.5, label = 1L)))
  expect_identical(built$data[[1]]$fill, c(C0, C1, C2, C0, C1, C2))
  expect_identical(built$data[[2]]$fill, C1)
  expect_identical(fill_labels(built), c("Class 0", "Class 1", "Class 2"))
})

test_that("a regression grid is a viridis surface whose colour bar the targets share", {
  grid <- expand.grid(x1 = seq(-1, 1, length.out = 9), x2 = seq(0, 2, length.out = 5))
  grid$value <- grid$x1 + grid$x2
  samples <- data.frame(x1 = c(0, 0.5), x2 = c(1, 0.5), target = c(-3, 1))
  p <- lt_plot_decision_boundary(grid, samples)
  expect_identical(layer_geoms(p), c("GeomRaster", "GeomPoint"))
  built <- ggplot2::ggplot_build(p)
  scale <- built$plot$scales$get_scales("fill")
  expect_s3_class(scale, "ScaleContinuous")
  expect_identical(scale$name, "prediction")
  expect_equal(scale$get_limits(), c(-3, 3))
  expect_s3_class(scale$guide, "colorbar")
  surface <- built$data[[1]]
  expect_identical(surface$fill[grid$value == 3], "#FDE725") # viridis' top
  # a target equal to a predicted value has that cell's colour
  expect_identical(built$data[[2]]$fill[[2]], surface$fill[grid$x1 == 0 & grid$x2 == 1])
  expect_identical(built$data[[2]]$fill[[1]], "#440154")
  expect_identical(p$theme$legend.position, "right")
  expect_no_warning(render_png(p, 4.8, 4))
  expect_error(lt_plot_decision_boundary(grid, data.frame(x1 = 0, x2 = 0, label = 1L)), "`data` lacks the column target")
  expect_error(lt_plot_decision_boundary(three_class_grid(), data.frame(x1 = 0, x2 = 0, target = 1)),
               "`data` lacks the column label")
})

test_that("a binary grid's samples with named labels are named, in C0 and C1", {
  grid <- expand.grid(x1 = c(0, 1), x2 = c(0, 1))
  grid$prob <- grid$x1
  built <- ggplot2::ggplot_build(
    lt_plot_decision_boundary(grid, data.frame(x1 = c(0.1, 0.9), x2 = 0.5, label = c("yes", "no")))
  )
  expect_identical(built$data[[2]]$colour, c(C1, C0))
  expect_identical(built$plot$scales$get_scales("colour")$get_labels(), c("no", "yes"))
  expect_identical(built$plot$labels$fill, "P(yes)")
})

test_that("lt_plot_samples names string labels in sorted order and draws the chosen columns", {
  frame <- four_features()
  p <- lt_plot_samples(frame)
  expect_identical(p$data, frame)
  built <- ggplot2::ggplot_build(p)
  d <- built$data[[1]]
  expect_identical(d$x, frame$sepal_length)
  expect_identical(d$y, frame$sepal_width)
  expect_identical(d$fill, unname(c(a = C0, b = C1, c = C2)[frame$label]))
  expect_identical(fill_labels(built), c("a", "b", "c"))
  expect_identical(p$labels$x, "sepal_length")
  expect_identical(p$labels$y, "sepal_width")
  p <- lt_plot_samples(frame, x = "petal_width", y = "sepal_length")
  d <- ggplot2::layer_data(p)
  expect_identical(d$x, frame$petal_width)
  expect_identical(d$y, frame$sepal_length)
  expect_identical(p$labels$x, "petal_width")
  expect_identical(p$labels$y, "sepal_length")
  expect_gt(render_png(p), 0)
})

test_that("lt_plot_samples names the argument of an unknown column", {
  frame <- four_features()
  expect_error(lt_plot_samples(frame, x = "nope"), "`x` \"nope\" is not a feature column of `data`; it has sepal_length")
  expect_error(lt_plot_samples(frame, y = "label"), "`y` \"label\" is not a feature column")
  expect_error(lt_plot_samples(frame, x = "sepal_length", y = 3), "`y` 3 is not a feature column")
  expect_error(lt_plot_samples(data.frame(x1 = 0, label = 0L)), "`data` needs two feature columns")
})

test_that("lt_plot_samples follows a factor's levels, logicals and strings in C-locale order", {
  frame <- data.frame(x1 = 1:3, x2 = 1:3)
  frame$label <- factor(c("virginica", "setosa", "virginica"), levels = c("virginica", "setosa"))
  built <- ggplot2::ggplot_build(lt_plot_samples(frame))
  expect_identical(built$data[[1]]$fill, c(C0, C1, C0))
  expect_identical(fill_labels(built), c("virginica", "setosa"))
  frame$label <- c(TRUE, FALSE, TRUE)
  expect_identical(fill_labels(ggplot2::ggplot_build(lt_plot_samples(frame))), c("FALSE", "TRUE"))
  frame$label <- c("b", "B", "a") # Python's sort: capitals first
  expect_identical(fill_labels(ggplot2::ggplot_build(lt_plot_samples(frame))), c("B", "a", "b"))
  frame$label <- c(1, 0, 1) # whole numbers are class codes
  expect_identical(fill_labels(ggplot2::ggplot_build(lt_plot_samples(frame))), c("Class 0", "Class 1"))
})

test_that("lt_plot_samples of a regression frame is viridis with a colour bar", {
  frame <- data.frame(x1 = c(0, 1, 2), x2 = c(1, 0, 2), target = c(0.5, -1, 3))
  p <- lt_plot_samples(frame)
  built <- ggplot2::ggplot_build(p)
  scale <- built$plot$scales$get_scales("fill")
  expect_s3_class(scale, "ScaleContinuous")
  expect_identical(scale$name, "target")
  expect_s3_class(scale$guide, "colorbar")
  expect_identical(built$data[[1]]$fill[c(3, 2)], c("#FDE725", "#440154"))
  expect_identical(p$labels$x, quote(italic(x)[1]))
  expect_no_warning(render_png(p, 4.8, 4))
})

test_that("lt_plot_confusion names the classes in class order", {
  pairs <- expand.grid(truth = c("dog", "cat", "bird"), prediction = c("dog", "cat", "bird"),
                       stringsAsFactors = FALSE)
  pairs$count <- seq_len(9)
  built <- ggplot2::ggplot_build(lt_plot_confusion(pairs))
  ranges <- built$layout$panel_params[[1]]
  expect_identical(ranges$x$get_labels(), c("bird", "cat", "dog"))
  expect_identical(ranges$y$get_labels(), c("bird", "cat", "dog"))
  expect_equal(built$data[[1]]$x, match(pairs$prediction, c("bird", "cat", "dog")) - 1)
  expect_equal(built$data[[1]]$y, -(match(pairs$truth, c("bird", "cat", "dog")) - 1)) # reversed
  pairs$truth <- factor(pairs$truth, levels = c("dog", "cat", "bird"))
  pairs$prediction <- factor(pairs$prediction, levels = c("dog", "cat", "bird"))
  built <- ggplot2::ggplot_build(lt_plot_confusion(pairs))
  expect_identical(built$layout$panel_params[[1]]$x$get_labels(), c("dog", "cat", "bird"))
  expect_gt(render_png(lt_plot_confusion(pairs), 5, 4.5), 0)
})

test_that("the drawing functions have their Python twins' argument names and defaults", {
  skip_if_no_python()
  # plain loops: py_run_string(local = TRUE) hides local names from comprehensions
  ns <- py_eval_lt(paste(
    "import inspect",
    "sig = {}",
    "for n in ['plot_samples', 'plot_decision_boundary', 'plot_history', 'plot_confusion', 'plot_benchmark']:",
    "    sig[n] = []",
    "    for p in inspect.signature(getattr(lt.plotting, n)).parameters.values():",
    "        if p.name != 'ax':  # Python only: the Axes to draw on",
    "            sig[n].append([p.name, p.default if isinstance(p.default, (str, type(None))) else '<other>'])",
    sep = "\n"
  ))
  signatures <- reticulate::py_to_r(reticulate::py_get_item(ns, "sig"))
  for (name in names(signatures)) {
    r_formals <- formals(get(paste0("lt_", name), envir = asNamespace("learntorch")))
    # R only: ggplot2 has no loc = "best"; lt_plot_confusion(model, data) computes the counts
    r_formals <- r_formals[!names(r_formals) %in% c("legend_position", if (name == "plot_confusion") "data")]
    python <- signatures[[name]]
    expect_identical(names(r_formals), vapply(python, `[[`, character(1), 1), label = name)
    for (arg in python[-1]) { # defaults after the frame
      expect_identical(eval(r_formals[[arg[[1]]]]), arg[[2]], label = paste(name, arg[[1]]))
    }
  }
})
