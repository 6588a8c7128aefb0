# ggplot2 twins of python/learntorch/plotting.py. Each function draws a plain data.frame (the
# tidy frames of ../shared/design.md) and never calls Python, so rpy2 can use them too
# (python/learntorch/ggplot.py). The plot's data is the frame exactly as given: layers filter or
# label it inside their aesthetics, never by rewriting it.

# matplotlib's scatter marker: a 6 pt circle (s = 36 pt^2) with a 1 pt #333333 edge. ggplot2
# draws shape 21 with diameter 0.75 * (size * .pt + stroke * .stroke / 2) points and an edge of
# stroke * .stroke / 2 lwd (1/96 inch).
point_stroke <- 2 * (1 * 96 / 72) / ggplot2::.stroke
point_size <- (6 / 0.75 - point_stroke * ggplot2::.stroke / 2) / ggplot2::.pt
point_edge <- "#333333"

check_frame <- function(frame, name, required) {
  if (!is.data.frame(frame)) {
    stop(sprintf("`%s` must be a data.frame, not %s.", name, class(frame)[[1]]), call. = FALSE)
  }
  missing <- setdiff(required, names(frame))
  if (length(missing) > 0) {
    stop(sprintf(
      "`%s` lacks the column%s %s; it has %s.", name, if (length(missing) > 1) "s" else "",
      paste(missing, collapse = ", "), paste(names(frame), collapse = ", ")
    ), call. = FALSE)
  }
  if (nrow(frame) == 0) {
    stop(sprintf("`%s` has no rows.", name), call. = FALSE)
  }
  invisible(frame)
}

# "Class 0", "Class 1", ... in label order, as plot_samples() labels its legend.
class_label <- function(label) {
  levels <- sort(unique(label))
  factor(label, levels = levels, labels = paste("Class", as.integer(levels)))
}

# Class k is drawn in matplotlib's colour Ck, whatever labels are present.
class_colours <- function(label) {
  levels <- sort(unique(label))
  stats::setNames(mpl_cycle(as.integer(levels)), paste("Class", as.integer(levels)))
}

# The samples as matplotlib's scatter draws them: filled circles with a dark edge.
sample_points <- function(data) {
  ggplot2::geom_point(
    data = data,
    mapping = ggplot2::aes(.data$x1, .data$x2, fill = class_label(.data$label)),
    shape = 21, colour = point_edge, size = point_size, stroke = point_stroke, inherit.aes = FALSE
  )
}

# The probability surface's colour: C0 blended into C1 in RGB, (1 - p) * C0 + p * C1.
blend_colours <- function(prob, from = mpl_colours[["C0"]], to = mpl_colours[["C1"]]) {
  prob <- pmin(pmax(as.numeric(prob), 0), 1)
  a <- grDevices::col2rgb(from)[, 1] / 255
  b <- grDevices::col2rgb(to)[, 1] / 255
  grDevices::rgb((1 - prob) * a[[1]] + prob * b[[1]], (1 - prob) * a[[2]] + prob * b[[2]],
                 (1 - prob) * a[[3]] + prob * b[[3]])
}

# Grid coordinates moved onto an exactly regular grid. decision_grid() computes them in float32,
# whose rounding (1e-7) makes geom_raster() see "uneven intervals"; a grid that is irregular
# beyond rounding is left as it is.
on_grid <- function(values) {
  levels <- sort(unique(values))
  if (length(levels) < 3) return(values)
  regular <- seq(levels[[1]], levels[[length(levels)]], length.out = length(levels))
  if (max(abs(regular - levels)) > 1e-4 * (regular[[2]] - regular[[1]])) return(values)
  regular[match(values, levels)]
}

# matplotlib's legend loc names as ggplot2 (position, justification) inside the panel.
mpl_locations <- list(
  "upper right" = c(1, 1), "upper left" = c(0, 1), "lower left" = c(0, 0),
  "lower right" = c(1, 0), "right" = c(1, 0.5), "center left" = c(0, 0.5),
  "center right" = c(1, 0.5), "lower center" = c(0.5, 0), "upper center" = c(0.5, 1),
  "center" = c(0.5, 0.5)
)

# Where matplotlib's legend(loc = "best") would go: the first of its locations, in its order,
# whose box covers the fewest data points (and line paths). The legend's size relative to the
# panel is estimated from the number of entries and the label lengths for a panel of `panel_pt`
# points, which is about what a 4 x 4 inch figure (5 x 3.5 for curves) gives.
best_location <- function(x, y, xlim, ylim, labels, panel_pt = c(220, 220)) {
  u <- (x - xlim[[1]]) / diff(xlim)
  v <- (y - ylim[[1]]) / diff(ylim)
  pad <- 5 # borderaxespad
  w <- (4 + 20 + 8 + 5.2 * max(nchar(labels)) + 4) / panel_pt[[1]]
  h <- (8 + 15.3 * length(labels) - 5) / panel_pt[[2]]
  pad_x <- pad / panel_pt[[1]]
  pad_y <- pad / panel_pt[[2]]
  badness <- vapply(mpl_locations, function(at) {
    left <- pad_x + at[[1]] * (1 - w - 2 * pad_x)
    bottom <- pad_y + at[[2]] * (1 - h - 2 * pad_y)
    inside <- u >= left & u <= left + w & v >= bottom & v <= bottom + h
    sum(inside, na.rm = TRUE)
  }, numeric(1))
  names(mpl_locations)[which.min(badness)]
}

# ggplot2 theme settings for a legend at `position`: "best" (worked out from the points),
# a matplotlib location ("upper left", ...), or anything ggplot2 takes ("none", "right", c(x, y)).
legend_theme <- function(position, best = "upper right") {
  if (identical(position, "best")) position <- best
  if (is.character(position) && length(position) == 1 && position %in% names(mpl_locations)) {
    at <- mpl_locations[[position]]
    return(ggplot2::theme(legend.position = at, legend.justification = at))
  }
  ggplot2::theme(legend.position = position)
}

# Continuous x and y scales with matplotlib's ticks (`nbins` as a 4 x 4 inch figure gets them).
mpl_scales <- function(x_bins, y_bins) {
  list(
    ggplot2::scale_x_continuous(breaks = breaks_mpl(x_bins), labels = labels_mpl()),
    ggplot2::scale_y_continuous(breaks = breaks_mpl(y_bins), labels = labels_mpl())
  )
}

expanded <- function(values, mult = 0.05) {
  r <- range(values, na.rm = TRUE)
  if (r[[1]] == r[[2]]) r <- r + c(-0.5, 0.5)
  r + c(-1, 1) * mult * diff(r)
}

#' Scatter plot of a dataset's samples (ggplot2 twin of `plot_samples`)
#'
#' Draws the points (`x1`, `x2`) of a samples frame coloured by `label`: class 0 in
#' matplotlib's `C0` blue, class 1 in `C1` orange, with the title, axis labels and legend of the
#' Python `learntorch.plotting.plot_samples()`.
#'
#' @param frame A data.frame with columns `x1`, `x2` and `label`, as `as.data.frame()` of a
#'   learntorch dataset (Python's `TensorDataset.to_frame()`) gives.
#' @param title The plot title.
#' @param legend_position `"best"` (the default: where matplotlib's `loc = "best"` would put
#'   it), a matplotlib location such as `"upper left"`, or any ggplot2 `legend.position`.
#' @return A ggplot object whose data is `frame`, unchanged.
#' @examples
#' frame <- data.frame(
#'   x1 = c(0.05, 0.98, -0.07, 1.02, 0.1, 0.93),
#'   x2 = c(0.02, 1.05, 0.95, -0.04, 1.1, 0.08),
#'   label = c(0L, 0L, 1L, 1L, 1L, 1L)
#' )
#' lt_plot_samples(frame)
#' @export
lt_plot_samples <- function(frame, title = "Dataset samples", legend_position = "best") {
  check_frame(frame, "frame", c("x1", "x2", "label"))
  labels <- names(class_colours(frame$label))
  best <- best_location(frame$x1, frame$x2, expanded(frame$x1), expanded(frame$x2), labels)
  ggplot2::ggplot(frame) +
    sample_points(NULL) +
    ggplot2::scale_fill_manual(values = class_colours(frame$label), name = NULL) +
    mpl_scales(7, 9) +
    ggplot2::labs(title = title, x = quote(italic(x)[1]), y = quote(italic(x)[2])) +
    theme_mpl() +
    legend_theme(legend_position, best)
}

#' Decision boundary of a binary classifier (ggplot2 twin of `plot_decision_boundary`)
#'
#' Draws the predicted probability on a grid as a colour blend from `C0` (probability 0) to
#' `C1` (probability 1), mixed in RGB as `(1 - p) * C0 + p * C1` exactly as the Python version
#' does, with the samples on top.
#'
#' @param grid A data.frame with columns `x1`, `x2` and `prob` on a regular grid, as
#'   `lt_decision_grid()` (Python's `decision_grid()`) gives.
#' @param data Optional samples frame (`x1`, `x2`, `label`) drawn on top.
#' @inheritParams lt_plot_samples
#' @return A ggplot object whose data is `grid`, unchanged (the samples are the second layer's
#'   data).
#' @examples
#' g <- expand.grid(x1 = seq(-0.5, 1.5, length.out = 50), x2 = seq(-0.5, 1.5, length.out = 50))
#' g$prob <- plogis(8 * (abs(g$x1 - g$x2) - 0.5))
#' samples <- data.frame(x1 = c(0, 1, 0, 1), x2 = c(0, 1, 1, 0), label = c(0L, 0L, 1L, 1L))
#' lt_plot_decision_boundary(g, samples)
#' @export
lt_plot_decision_boundary <- function(grid, data = NULL, title = "Decision boundary",
                                      legend_position = "best") {
  check_frame(grid, "grid", c("x1", "x2", "prob"))
  xlim <- range(grid$x1)
  ylim <- range(grid$x2)
  p <- ggplot2::ggplot(grid) +
    ggplot2::geom_raster(
      ggplot2::aes(on_grid(.data$x1), on_grid(.data$x2), fill = blend_colours(.data$prob)),
      show.legend = FALSE
    )
  best <- "upper right"
  if (!is.null(data)) {
    check_frame(data, "data", c("x1", "x2", "label"))
    colours <- class_colours(data$label)
    best <- best_location(data$x1, data$x2, xlim, ylim, names(colours))
    # The surface and the points share one identity fill scale; only the classes get a legend.
    p <- p + ggplot2::geom_point(
      data = data,
      mapping = ggplot2::aes(.data$x1, .data$x2, fill = mpl_cycle(.data$label)),
      shape = 21, colour = point_edge, size = point_size, stroke = point_stroke
    ) +
      ggplot2::scale_fill_identity(guide = "legend", breaks = unname(colours), labels = names(colours))
  } else {
    p <- p + ggplot2::scale_fill_identity()
  }
  p +
    mpl_scales(7, 9) +
    ggplot2::coord_cartesian(xlim = xlim, ylim = ylim, expand = FALSE) +
    ggplot2::labs(title = title, x = quote(italic(x)[1]), y = quote(italic(x)[2])) +
    theme_mpl() +
    legend_theme(legend_position, best)
}

#' Training curves (ggplot2 twin of `plot_history`)
#'
#' One line per split of `metric` against the epoch: `train` in `C0`, `valid` in `C1`, as the
#' Python `plot_history()` draws them.
#'
#' @param frame A history data.frame with columns `epoch`, `split` (`"train"`/`"valid"`),
#'   `metric` and `value`, as `as.data.frame()` of a training history gives.
#' @param metric The metric to draw, `"loss"` or `"accuracy"`.
#' @param title The plot title; `NULL` gives `"Training <metric>"`.
#' @inheritParams lt_plot_samples
#' @return A ggplot object whose data is `frame`, unchanged; the line layer keeps the rows of
#'   `metric`.
#' @examples
#' history <- data.frame(
#'   epoch = rep(1:5, each = 2),
#'   split = "train",
#'   metric = rep(c("loss", "accuracy"), 5),
#'   value = c(0.69, 0.5, 0.6, 0.7, 0.45, 0.85, 0.3, 0.95, 0.2, 0.99)
#' )
#' lt_plot_history(history)
#' lt_plot_history(history, metric = "accuracy")
#' @export
lt_plot_history <- function(frame, metric = "loss", title = NULL, legend_position = "best") {
  check_frame(frame, "frame", c("epoch", "split", "metric", "value"))
  if (!is.character(metric) || length(metric) != 1 || is.na(metric)) {
    stop("`metric` must be a single string such as \"loss\".", call. = FALSE)
  }
  drawn <- function(d) d[d$metric == metric & d$split %in% c("train", "valid"), , drop = FALSE]
  if (!any(frame$metric == metric)) {
    stop(sprintf(
      "`metric` \"%s\" is not in the history; it has %s.", metric,
      paste(sort(unique(frame$metric)), collapse = ", ")
    ), call. = FALSE)
  }
  part <- drawn(frame)
  splits <- intersect(c("train", "valid"), part$split)
  best <- best_location(
    part$epoch, part$value, expanded(part$epoch), expanded(part$value), splits,
    panel_pt = c(300, 185)
  )
  ggplot2::ggplot(frame) +
    ggplot2::geom_line(
      data = drawn,
      mapping = ggplot2::aes(.data$epoch, .data$value, colour = .data$split),
      linewidth = mpl_linewidth(1.5)
    ) +
    ggplot2::scale_colour_manual(
      values = c(train = mpl_colours[["C0"]], valid = mpl_colours[["C1"]]),
      breaks = splits, name = NULL
    ) +
    mpl_scales(9, 9) +
    ggplot2::labs(title = title %||% paste("Training", metric), x = "epoch", y = metric) +
    theme_mpl() +
    legend_theme(legend_position, best)
}

#' Confusion matrix heat map (ggplot2 twin of `plot_confusion`)
#'
#' Counts of (truth, prediction) as a viridis heat map with the count written in each cell
#' (white on dark cells, black on light ones), truth down the rows from the top as matplotlib's
#' `imshow` draws it, and a colour bar titled "count".
#'
#' @param frame A data.frame with columns `truth`, `prediction` and `count`, one row per pair,
#'   as `lt_confusion_matrix()` (Python's `confusion_matrix()`) gives.
#' @param title The plot title.
#' @return A ggplot object whose data is `frame`, unchanged.
#' @examples
#' confusion <- data.frame(truth = c(0, 0, 1, 1), prediction = c(0, 1, 0, 1),
#'                         count = c(240, 10, 6, 244))
#' lt_plot_confusion(confusion)
#' @export
lt_plot_confusion <- function(frame, title = "Confusion matrix") {
  check_frame(frame, "frame", c("truth", "prediction", "count"))
  classes <- sort(unique(c(frame$truth, frame$prediction)))
  limits <- range(classes) + c(-0.5, 0.5)
  spine <- mpl_linewidth(0.8)
  ggplot2::ggplot(frame, ggplot2::aes(.data$prediction, .data$truth)) +
    ggplot2::geom_tile(ggplot2::aes(fill = .data$count), width = 1, height = 1) +
    ggplot2::geom_text(
      ggplot2::aes(
        label = .data$count,
        colour = ifelse(.data$count < max(.data$count) / 2, "white", "black")
      ),
      size = 8 / ggplot2::.pt
    ) +
    ggplot2::scale_colour_identity() +
    ggplot2::scale_fill_viridis_c(
      name = "count", breaks = breaks_mpl(9), labels = labels_mpl(),
      guide = ggplot2::guide_colourbar(
        title.position = "right", title.hjust = 0.5, title.vjust = 0.5,
        title.theme = ggplot2::element_text(angle = 90, size = 10),
        frame.colour = "black", frame.linewidth = spine, ticks.colour = "black",
        ticks.linewidth = spine, barwidth = grid::unit(12, "pt"), barheight = grid::unit(3.6, "in"),
        draw.ulim = FALSE, draw.llim = FALSE
      )
    ) +
    ggplot2::scale_x_continuous(breaks = classes, labels = as.character(classes), limits = limits,
                                expand = c(0, 0)) +
    ggplot2::scale_y_reverse(breaks = classes, labels = as.character(classes), limits = rev(limits),
                             expand = c(0, 0)) +
    ggplot2::coord_fixed() +
    ggplot2::labs(title = title, x = "prediction", y = "truth") +
    theme_mpl() +
    ggplot2::theme(
      legend.position = "right", legend.justification = "center",
      legend.background = ggplot2::element_blank(), legend.margin = ggplot2::margin(),
      legend.box.margin = ggplot2::margin(), legend.box.spacing = grid::unit(14, "pt"),
      legend.text = ggplot2::element_text(margin = ggplot2::margin(l = 3.5)),
      legend.spacing.x = grid::unit(0, "pt")
    )
}

#' Matrix-multiplication benchmark bars (ggplot2 twin of `plot_benchmark`)
#'
#' GFLOP/s per row of a benchmark frame as bars, one per device and size, labelled
#' `"<device>\nn=<n>"` and coloured `C0`, `C1`, ... in row order as the Python version does.
#'
#' @param frame A data.frame with columns `device`, `n`, `seconds` and `gflops`, as
#'   `lt_benchmark_matmul()` (Python's `benchmark_matmul()`) gives; several rows (devices or
#'   sizes) may be bound together.
#' @param title The plot title.
#' @return A ggplot object whose data is `frame`, unchanged.
#' @examples
#' bench <- data.frame(device = c("cpu", "cuda:0"), n = 4096L, seconds = c(0.9, 0.01),
#'                     gflops = c(152.7, 13744))
#' lt_plot_benchmark(bench)
#' @export
lt_plot_benchmark <- function(frame, title = "Matrix multiplication") {
  check_frame(frame, "frame", c("device", "n", "seconds", "gflops"))
  ggplot2::ggplot(frame) +
    ggplot2::geom_col(
      ggplot2::aes(
        bench_label(.data$device, .data$n), .data$gflops,
        fill = mpl_cycle(seq_along(.data$gflops) - 1L)
      ),
      width = 0.8
    ) +
    ggplot2::scale_fill_identity() +
    # matplotlib's 5 % margins around the bars (0.8 wide); none below 0, where bars stick.
    ggplot2::scale_x_discrete(
      expand = ggplot2::expansion(add = 0.4 + 0.05 * (nlevels(bench_label(frame$device, frame$n)) - 0.2))
    ) +
    ggplot2::scale_y_continuous(
      breaks = breaks_mpl(9), labels = labels_mpl(), expand = ggplot2::expansion(mult = c(0, 0.05))
    ) +
    ggplot2::labs(title = title, x = NULL, y = "GFLOP/s") +
    theme_mpl()
}

# Bar labels as plot_benchmark() writes them, in the frame's row order.
bench_label <- function(device, n) {
  label <- paste0(device, "\nn=", n)
  factor(label, levels = unique(label))
}

#' Plot a training history with ggplot2
#'
#' `autoplot()` draws the curves of one metric of a training history (see [lt_plot_history()]);
#' `plot()` draws them and returns the plot invisibly.
#'
#' @param object,x A training history (class `lt_history`), as `lt_fit()` returns; anything
#'   `as.data.frame()` turns into a history frame.
#' @param metric The metric to draw, `"loss"` or `"accuracy"`.
#' @param ... Passed on to [lt_plot_history()] (`title`, `legend_position`).
#' @return A ggplot object (invisibly for `plot()`).
#' @examples
#' history <- structure(
#'   data.frame(epoch = 1:3, split = "train", metric = "loss", value = c(0.7, 0.5, 0.4)),
#'   class = c("lt_history", "data.frame")
#' )
#' ggplot2::autoplot(history)
#' @importFrom ggplot2 autoplot
#' @method autoplot lt_history
#' @export
autoplot.lt_history <- function(object, metric = "loss", ...) {
  lt_plot_history(plain_frame(object), metric = metric, ...)
}

#' @rdname autoplot.lt_history
#' @method plot lt_history
#' @export
plot.lt_history <- function(x, metric = "loss", ...) {
  p <- autoplot.lt_history(x, metric = metric, ...)
  print(p)
  invisible(p)
}

#' Plot a dataset's samples with ggplot2
#'
#' `autoplot()` of a learntorch dataset draws its samples (see [lt_plot_samples()]).
#'
#' @param object A learntorch dataset (class `lt_dataset`); anything `as.data.frame()` turns
#'   into a samples frame with `x1`, `x2` and `label`.
#' @param ... Passed on to [lt_plot_samples()] (`title`, `legend_position`).
#' @return A ggplot object.
#' @examples
#' samples <- structure(
#'   data.frame(x1 = c(0, 1, 0, 1), x2 = c(0, 1, 1, 0), label = c(0L, 0L, 1L, 1L)),
#'   class = c("lt_dataset", "data.frame")
#' )
#' ggplot2::autoplot(samples)
#' @method autoplot lt_dataset
#' @export
autoplot.lt_dataset <- function(object, ...) {
  lt_plot_samples(plain_frame(object), ...)
}

# as.data.frame() of a learntorch object (a Python object), as a plain data.frame; a classed
# data.frame is used as it is.
plain_frame <- function(x) {
  frame <- if (is.data.frame(x)) x else as.data.frame(x)
  class(frame) <- "data.frame"
  frame
}

#' @importFrom ggplot2 .data
NULL

# Re-exported so that `library(learntorch)` alone gives `autoplot(history)`, without the user
# attaching ggplot2 first.
#' @importFrom ggplot2 autoplot
#' @export
ggplot2::autoplot
