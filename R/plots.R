# ggplot2 twins of python/learntorch/plotting.py. Each function draws a plain data.frame (the
# tidy frames of ../shared/design.md) and never calls Python, so rpy2 can use them too
# (python/learntorch/ggplot.py). The plot's data is the frame exactly as given: layers filter or
# label it inside their aesthetics, never by rewriting it.
#
# Classes, as in Python: labels that are whole numbers >= 0 (codes) are "Class k" in matplotlib's
# colour Ck whatever codes are present; other labels (factor, character, logical, other numbers)
# are named by their value and coloured C0, C1, ... in class order: a factor's levels first, then
# the remaining values sorted (strings in the C locale, as Python sorts them).

# matplotlib's scatter marker: a 6 pt circle (s = 36 pt^2) with a 1 pt #333333 edge. ggplot2
# draws shape 21 with diameter 0.75 * (size * .pt + stroke * .stroke / 2) points and an edge of
# stroke * .stroke / 2 lwd (1/96 inch).
point_stroke <- 2 * (1 * 96 / 72) / ggplot2::.stroke
point_size <- (6 / 0.75 - point_stroke * ggplot2::.stroke / 2) / ggplot2::.pt
point_edge <- "#333333"

outcomes <- c("label", "target") # a samples frame's classification / regression column

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

# A learntorch object (a Python-backed dataset or history) as its tidy frame, through its
# as.data.frame() method; anything else is returned as it is, for check_frame() to judge.
lt_frame <- function(x) {
  if (is.data.frame(x)) return(x)
  framed <- vapply(class(x), function(cls) {
    startsWith(cls, "lt_") && !is.null(utils::getS3method("as.data.frame", cls, optional = TRUE))
  }, logical(1))
  if (any(framed)) plain_frame(x) else x
}

# ---- samples frames: which columns to draw ------------------------------------------------------

# "label" (classification) or "target" (regression): the column the points are coloured by.
outcome_column <- function(frame, name) {
  found <- intersect(outcomes, names(frame))
  if (length(found) == 0) {
    stop(sprintf(
      "`%s` lacks the column label (classification) or target (regression); it has %s.",
      name, paste(names(frame), collapse = ", ")
    ), call. = FALSE)
  }
  found[[1]]
}

# The two feature columns to draw: `x` and `y`, by default the first two that are not outcomes.
choose_xy <- function(frame, x, y) {
  features <- setdiff(names(frame), outcomes)
  chosen <- list(x = x, y = y)
  for (arg in names(chosen)) {
    column <- chosen[[arg]]
    if (!is.null(column) && !(is.character(column) && length(column) == 1 && column %in% features)) {
      stop(sprintf(
        "`%s` %s is not a feature column of `data`; it has %s.", arg,
        paste(deparse(column), collapse = ""), paste(features, collapse = ", ")
      ), call. = FALSE)
    }
  }
  if ((is.null(x) || is.null(y)) && length(features) < 2) {
    stop(sprintf("`data` needs two feature columns to draw; it has %s.",
                 paste(features, collapse = ", ")), call. = FALSE)
  }
  c(x %||% features[[1]], y %||% features[[2]])
}

# x1, x2, ... as plotmath (italic x, subscript n), as matplotlib's $x_1$; other names as they are.
axis_title <- function(column) {
  if (!grepl("^x[0-9]+$", column)) return(column)
  bquote(italic(x)[.(as.numeric(substring(column, 2)))])
}

# ---- classes: order, names and colours -----------------------------------------------------------

is_code <- function(x) {
  x <- x[!is.na(x)]
  is.numeric(x) && all(x >= 0 & x == round(x))
}

# The classes of the given columns (NULLs skipped) in class order: `keys` (numbers for codes,
# strings otherwise), their legend `names` and `colours`.
class_scheme <- function(...) {
  columns <- Filter(Negate(is.null), list(...))
  if (all(vapply(columns, is_code, logical(1)))) {
    keys <- sort(unique(unlist(columns)))
    return(list(keys = keys, names = paste("Class", keys), colours = mpl_cycle(keys)))
  }
  levels <- unique(unlist(lapply(columns, function(x) if (is.factor(x)) levels(x))))
  plain <- unlist(lapply(Filter(Negate(is.factor), columns), function(x) unique(x[!is.na(x)])))
  rest <- if (is.numeric(plain) || is.logical(plain)) {
    as.character(sort(unique(plain)))
  } else {
    sort(unique(as.character(plain)), method = "radix")
  }
  keys <- c(levels, setdiff(rest, levels))
  list(keys = keys, names = keys, colours = mpl_cycle(seq_along(keys) - 1L))
}

# Each label's position (1-based) in the class order.
class_index <- function(label, classes) {
  if (is.numeric(classes$keys)) match(as.numeric(label), classes$keys) else match(as.character(label), classes$keys)
}

class_name <- function(label, classes) {
  factor(classes$names[class_index(label, classes)], levels = classes$names)
}

# A discrete fill scale naming every class in class order, each in its colour.
class_fill_scale <- function(classes) {
  ggplot2::scale_fill_manual(
    values = stats::setNames(classes$colours, classes$names), limits = classes$names, name = NULL
  )
}

# ---- points -----------------------------------------------------------------------------------------

# The samples as matplotlib's scatter draws them: filled circles with a dark edge, filled by
# class (`classes`) or, without classes, by the regression target.
sample_points <- function(data, xy = c("x1", "x2"), classes = NULL) {
  x <- xy[[1]]
  y <- xy[[2]]
  mapping <- if (is.null(classes)) {
    ggplot2::aes(.data[[x]], .data[[y]], fill = .data$target)
  } else {
    ggplot2::aes(.data[[x]], .data[[y]], fill = class_name(.data$label, classes))
  }
  ggplot2::geom_point(
    data = data, mapping = mapping, shape = 21, colour = point_edge, size = point_size,
    stroke = point_stroke, inherit.aes = FALSE
  )
}

# matplotlib's colour bar beside the panel: a 12 pt wide bar `height` tall with black ticks and
# frame, its title turned to read upwards on its right. ggplot2 cannot size it to the panel, so
# `height` is about the panel's height at the figure size the Python twin uses.
colourbar_guide <- function(height) {
  spine <- mpl_linewidth(0.8)
  ggplot2::guide_colourbar(
    title.position = "right", title.hjust = 0.5, title.vjust = 0.5,
    title.theme = ggplot2::element_text(angle = 90, size = 10),
    frame.colour = "black", frame.linewidth = spine, ticks.colour = "black",
    ticks.linewidth = spine, barwidth = grid::unit(12, "pt"), barheight = height,
    draw.ulim = FALSE, draw.llim = FALSE
  )
}

# A continuous viridis fill named `name`, with matplotlib's ticks, drawn as a colour bar.
viridis_fill <- function(name, limits = NULL, height = grid::unit(2.9, "in")) {
  ggplot2::scale_fill_viridis_c(
    name = name, limits = limits, breaks = breaks_mpl(9), labels = labels_mpl(),
    guide = colourbar_guide(height)
  )
}

# The colour bar outside the panel on the right, unframed, as matplotlib places it; "best"
# means there, any other position is used as legend_theme() reads it.
colourbar_theme <- function(position = "best") {
  if (!identical(position, "best")) return(legend_theme(position))
  ggplot2::theme(
    legend.position = "right", legend.justification = "center",
    legend.background = ggplot2::element_blank(), legend.margin = ggplot2::margin(),
    legend.box.margin = ggplot2::margin(), legend.box.spacing = grid::unit(14, "pt"),
    legend.text = ggplot2::element_text(margin = ggplot2::margin(l = 3.5)),
    legend.spacing.x = grid::unit(0, "pt")
  )
}

# ---- decision grids -------------------------------------------------------------------------------

# Which of the three decision grids `grid` is, told apart by its columns.
grid_form <- function(grid) {
  has <- function(columns) all(columns %in% names(grid))
  if (has(c("x1", "x2"))) {
    if (has(c("class", "prob"))) return("multiclass")
    if (has("prob")) return("binary")
    if (has("value")) return("regression")
  }
  stop(sprintf(
    "`grid` lacks the columns of a decision grid: x1, x2 and prob (binary), class and prob %s; it has %s.",
    "(multiclass) or value (regression)", paste(names(grid), collapse = ", ")
  ), call. = FALSE)
}

# The probability surface's colour: C0 blended into C1 in RGB, (1 - p) * C0 + p * C1.
blend_colours <- function(prob, from = mpl_colours[["C0"]], to = mpl_colours[["C1"]]) {
  prob <- pmin(pmax(as.numeric(prob), 0), 1)
  a <- grDevices::col2rgb(from)[, 1] / 255
  b <- grDevices::col2rgb(to)[, 1] / 255
  grDevices::rgb((1 - prob) * a[[1]] + prob * b[[1]], (1 - prob) * a[[2]] + prob * b[[2]],
                 (1 - prob) * a[[3]] + prob * b[[3]])
}

# How strongly a multiclass cell shows its class's colour: 0 at prob 1/K (a coin toss among K
# classes), 1 at prob 1. Drawn as alpha over the white panel, it is Python's blend to white.
class_strength <- function(prob, classes) {
  chance <- 1 / max(length(classes$keys), 2)
  pmin(pmax((as.numeric(prob) - chance) / (1 - chance), 0), 1)
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
#' Draws two feature columns of a samples frame as points, coloured by `label` (one colour per
#' class with a legend of the class names) or by `target` (a continuous viridis scale with a
#' colour bar), with the title, axis labels and legend of the Python
#' `learntorch.plotting.plot_samples()`. Class codes 0, 1, ... are "Class 0", "Class 1", ... in
#' matplotlib's `C0`, `C1`, ...; other labels (a factor, strings, logicals) are named by their
#' value and coloured `C0`, `C1`, ... in class order: a factor's levels, else sorted.
#'
#' @param data A data.frame of feature columns and `label` (classification) or `target`
#'   (regression), as `as.data.frame()` of a learntorch dataset (Python's
#'   `TensorDataset.to_frame()`) gives; a learntorch dataset is turned into one.
#' @param x,y The names of the two feature columns to draw; `NULL` takes the first and second
#'   columns that are not `label`/`target`.
#' @param title The plot title.
#' @param legend_position `"best"` (the default: where matplotlib's `loc = "best"` would put
#'   it, or for a colour bar, to the right of the panel), a matplotlib location such as
#'   `"upper left"`, or any ggplot2 `legend.position`.
#' @return A ggplot object whose data is `data`, unchanged.
#' @examples
#' frame <- data.frame(
#'   x1 = c(0.05, 0.98, -0.07, 1.02, 0.1, 0.93),
#'   x2 = c(0.02, 1.05, 0.95, -0.04, 1.1, 0.08),
#'   label = c(0L, 0L, 1L, 1L, 1L, 1L)
#' )
#' lt_plot_samples(frame)
#' flowers <- iris
#' names(flowers)[[5]] <- "label" # a factor: its levels are the class order
#' lt_plot_samples(flowers, x = "Petal.Length", y = "Petal.Width")
#' @export
lt_plot_samples <- function(data, x = NULL, y = NULL, title = "Dataset samples",
                            legend_position = "best") {
  data <- lt_frame(data)
  check_frame(data, "data", character())
  outcome <- outcome_column(data, "data")
  xy <- choose_xy(data, x, y)
  p <- ggplot2::ggplot(data) +
    mpl_scales(7, 9) +
    ggplot2::labs(title = title, x = axis_title(xy[[1]]), y = axis_title(xy[[2]])) +
    theme_mpl()
  if (outcome == "target") {
    return(p + sample_points(NULL, xy) + viridis_fill("target") + colourbar_theme(legend_position))
  }
  classes <- class_scheme(data$label)
  px <- data[[xy[[1]]]]
  py <- data[[xy[[2]]]]
  best <- best_location(px, py, expanded(px), expanded(py), classes$names)
  p + sample_points(NULL, xy, classes) + class_fill_scale(classes) + legend_theme(legend_position, best)
}

#' Decision boundary of a model over two inputs (ggplot2 twin of `plot_decision_boundary`)
#'
#' Draws a decision grid with the samples on top, in one of three forms told apart by the
#' grid's columns, exactly as the Python version does:
#' * binary (`x1`, `x2`, `prob`): the probability of the positive class as a colour blend from
#'   `C0` (0) to `C1` (1), mixed in RGB as `(1 - p) * C0 + p * C1`;
#' * multiclass (`x1`, `x2`, `class`, `prob`): each cell in its predicted class's colour, faded
#'   towards white as the class's probability falls from 1 to 1/K (drawn as alpha over the
#'   white panel), with a legend of the classes;
#' * regression (`x1`, `x2`, `value`): the prediction on a viridis scale with a colour bar,
#'   the samples filled by their `target` on the same scale.
#'
#' @param grid A data.frame in one of the forms above, on a regular grid, as
#'   `lt_decision_grid()` (Python's `decision_grid()`) gives; or a learntorch model of two
#'   inputs, whose grid over `data` is computed with [lt_decision_grid()].
#' @param data Optional samples frame drawn on top: `x1`, `x2` and `label` (classification) or
#'   `target` (regression), or a learntorch dataset. With a model as `grid`, any data the model
#'   takes (a data.frame with its columns, by name): the axes then name its two input columns.
#' @inheritParams lt_plot_samples
#' @return A ggplot object whose data is `grid`, unchanged (the samples are the second layer's
#'   data).
#' @examples
#' g <- expand.grid(x1 = seq(-0.5, 1.5, length.out = 50), x2 = seq(-0.5, 1.5, length.out = 50))
#' g$prob <- plogis(8 * (abs(g$x1 - g$x2) - 0.5))
#' samples <- data.frame(x1 = c(0, 1, 0, 1), x2 = c(0, 1, 1, 0), label = c(0L, 0L, 1L, 1L))
#' lt_plot_decision_boundary(g, samples)
#' three <- g[c("x1", "x2")]
#' three$class <- cut(three$x1, c(-Inf, 0.2, 0.8, Inf), labels = c("left", "middle", "right"))
#' three$prob <- 1 - 0.6 * three$x2 / 1.5 # the predicted class's probability
#' lt_plot_decision_boundary(three)
#' surface <- g[c("x1", "x2")]
#' surface$value <- surface$x1 + surface$x2
#' lt_plot_decision_boundary(surface)
#' @export
lt_plot_decision_boundary <- function(grid, data = NULL, title = "Decision boundary",
                                      legend_position = "best") {
  axes <- list(x = quote(italic(x)[1]), y = quote(italic(x)[2]))
  if (inherits(grid, "torch.nn.modules.module.Module")) {
    # A model: its decision grid over `data` (Python computes it), and the samples of `data` by
    # the model's two input columns, named on the axes.
    model <- grid
    grid <- lt_decision_grid(model, data = data)
    if (!is.null(data)) {
      data <- boundary_samples(model, data)
      features <- attr(data, "features")
      if (!identical(features, c("x1", "x2"))) axes <- list(x = features[[1]], y = features[[2]])
    }
  }
  grid <- lt_frame(grid)
  check_frame(grid, "grid", character())
  form <- grid_form(grid)
  if (!is.null(data)) {
    data <- lt_frame(data)
    check_frame(data, "data", c("x1", "x2", if (form == "regression") "target" else "label"))
  }
  drawn <- switch(form,
    binary = binary_layers(grid, data, legend_position),
    multiclass = multiclass_layers(grid, data, legend_position),
    regression = regression_layers(grid, data, legend_position)
  )
  ggplot2::ggplot(grid) +
    drawn$layers +
    mpl_scales(7, 9) +
    ggplot2::coord_cartesian(xlim = range(grid$x1), ylim = range(grid$x2), expand = FALSE) +
    ggplot2::labs(title = title, x = axes$x, y = axes$y) +
    theme_mpl() +
    drawn$theme
}

# The samples a model's decision grid is drawn under: x1, x2 (its two input columns, through
# its blueprint when it has one) and label or target; NULL when `data` has no outcome to show.
boundary_samples <- function(model, data) {
  outcome <- if (model_task(model) == "regression") "target" else "label"
  if (inherits(data, "python.builtin.object")) data <- plain_frame(data)
  blueprint <- model_blueprint(model)
  if (!is.null(blueprint) && is.data.frame(data)) {
    targets <- names(blueprint$ptypes$outcomes)
    with_outcome <- all(targets %in% names(data))
    keep <- stats::complete.cases(data[intersect(c(names(blueprint$ptypes$predictors), targets),
                                                 names(data))])
    forged <- hardhat_call(hardhat::forge(data[keep, , drop = FALSE], blueprint,
                                          outcomes = with_outcome), "data", sys.call(-1))
    if (!with_outcome || ncol(forged$predictors) != 2) return(NULL)
    frame <- data.frame(x1 = forged$predictors[[1]], x2 = forged$predictors[[2]])
    frame[[outcome]] <- forged$outcomes[[1]]
    attr(frame, "features") <- names(forged$predictors)
    return(frame)
  }
  spec <- model_spec_r(model)
  features <- unlist(spec$feature_names)
  if (!all(features %in% names(data)) || length(features) != 2) {
    features <- utils::head(setdiff(names(data), outcomes), 2)
  }
  if (length(features) != 2 || !outcome %in% names(data)) return(NULL)
  frame <- data.frame(x1 = data[[features[[1]]]], x2 = data[[features[[2]]]])
  frame[[outcome]] <- data[[outcome]]
  attr(frame, "features") <- features
  frame
}

# Where the legend of classes goes for "best": away from the samples, if any.
classes_legend <- function(grid, data, classes, position) {
  best <- if (is.null(data)) "upper right" else {
    best_location(data$x1, data$x2, range(grid$x1), range(grid$x2), classes$names)
  }
  legend_theme(position, best)
}

# Each form's layers and scales (`layers`), and the legend theme that goes after theme_mpl()
# (`theme`). The binary surface maps the probability to a continuous fill (matplotlib's C0 -> C1
# blend by default, any continuous fill scale can replace it); the samples are coloured by class
# on their own scale, so only the classes get a legend.
binary_layers <- function(grid, data, legend_position) {
  surface <- ggplot2::geom_raster(
    ggplot2::aes(on_grid(.data$x1), on_grid(.data$x2), fill = boundary_prob(.data$prob))
  )
  classes <- if (!is.null(data)) class_scheme(data$label)
  positive <- if (!is.null(classes) && !is.numeric(classes$keys) && length(classes$names) >= 2) {
    classes$names[[2]]
  } else {
    "class 1"
  }
  title <- ggplot2::labs(fill = paste0("P(", positive, ")"))
  # A replacement fill scale shows its legend with that title.
  shown <- ggplot2::theme(legend.title = ggplot2::element_text(size = 10, hjust = 0))
  if (is.null(data)) {
    return(list(layers = list(surface, title), theme = list(legend_theme(legend_position), shown)))
  }
  list(layers = list(surface, class_points(data, classes), title),
       theme = list(classes_legend(grid, data, classes, legend_position), shown))
}

# The probability, marked so that ggplot2 picks scale_fill_mpl_boundary() as its default scale
# (through scale_type()): a default scale, which `+ scale_fill_viridis_c()` replaces quietly.
boundary_prob <- function(x) structure(as.numeric(x), class = c("lt_boundary_prob", "numeric"))

#' @importFrom ggplot2 scale_type
#' @method scale_type lt_boundary_prob
#' @export
scale_type.lt_boundary_prob <- function(x) "mpl_boundary"

# The samples by class on the colour scale (leaving fill to the surface), drawn as matplotlib's
# scatter: a solid circle in the class colour under a #333333 ring, the same size as shape 21.
class_points <- function(data, classes) {
  list(
    ggplot2::geom_point(
      data = data, mapping = ggplot2::aes(.data$x1, .data$x2, colour = class_name(.data$label, classes)),
      shape = 19, size = point_size, stroke = point_stroke, inherit.aes = FALSE
    ),
    ggplot2::geom_point(
      data = data, mapping = ggplot2::aes(.data$x1, .data$x2), shape = 1, colour = point_edge,
      size = point_size, stroke = point_stroke, inherit.aes = FALSE
    ),
    ggplot2::scale_colour_manual(
      values = stats::setNames(classes$colours, classes$names), limits = classes$names, name = NULL,
      guide = ggplot2::guide_legend(override.aes = list(shape = 21, fill = classes$colours,
                                                        colour = point_edge))
    )
  )
}

#' The decision boundary's fill scale: matplotlib's blend of C0 into C1
#'
#' The default fill scale of a binary [lt_plot_decision_boundary()]: the probability `p` of the
#' second class drawn as `(1 - p) * C0 + p * C1`, mixed in RGB exactly as the matplotlib twin
#' mixes it. Add any other continuous fill scale to the plot to replace it, for example
#' `+ ggplot2::scale_fill_viridis_c()`; the legend is then titled "P(<class>)".
#'
#' @param name The legend title; by default the plot's `fill` label, "P(<class>)".
#' @param guide `"none"` (matplotlib's figure has no colour bar), or `"colourbar"`.
#' @param ... Passed on to [ggplot2::continuous_scale()].
#' @return A ggplot2 scale.
#' @export
#' @examples
#' g <- expand.grid(x1 = seq(0, 1, length.out = 30), x2 = seq(0, 1, length.out = 30))
#' g$prob <- g$x1 * g$x2
#' lt_plot_decision_boundary(g) + scale_fill_mpl_boundary(guide = "colourbar")
#' lt_plot_decision_boundary(g) + ggplot2::scale_fill_viridis_c()
scale_fill_mpl_boundary <- function(name = ggplot2::waiver(), guide = "none", ...) {
  ggplot2::continuous_scale(
    "fill", "mpl_boundary", palette = function(x) blend_colours(x), name = name,
    limits = c(0, 1), oob = function(x, range = c(0, 1), ...) pmin(pmax(x, range[[1]]), range[[2]]),
    guide = guide, ...
  )
}

# The grid's and the samples' labels together fix the class order, so both share colours. The
# legend keys are the points where there are samples, else the regions.
multiclass_layers <- function(grid, data, legend_position) {
  classes <- class_scheme(grid$class, data$label)
  surface <- ggplot2::geom_raster(
    ggplot2::aes(on_grid(.data$x1), on_grid(.data$x2), fill = class_name(.data$class, classes),
                 alpha = class_strength(.data$prob, classes)),
    show.legend = is.null(data)
  )
  points <- if (!is.null(data)) sample_points(data, classes = classes)
  list(layers = list(surface, points, class_fill_scale(classes), ggplot2::scale_alpha_identity()),
       theme = classes_legend(grid, data, classes, legend_position))
}

# The prediction and the samples' targets on one viridis scale, shown as a colour bar.
regression_layers <- function(grid, data, legend_position) {
  surface <- ggplot2::geom_raster(ggplot2::aes(on_grid(.data$x1), on_grid(.data$x2), fill = .data$value))
  points <- if (!is.null(data)) sample_points(data)
  limits <- range(c(grid$value, data$target), na.rm = TRUE)
  list(layers = list(surface, points, viridis_fill("prediction", limits)),
       theme = colourbar_theme(legend_position))
}

#' Training curves (ggplot2 twin of `plot_history`)
#'
#' One line per split of `metric` against the epoch: `train` in `C0`, `valid` in `C1`, as the
#' Python `plot_history()` draws them.
#'
#' @param history A history data.frame with columns `epoch`, `split` (`"train"`/`"valid"`),
#'   `metric` and `value`, as `as.data.frame()` of a training history gives; a learntorch
#'   history is turned into one.
#' @param metric The metric to draw, `"loss"` or `"accuracy"`.
#' @param title The plot title; `NULL` gives `"Training <metric>"`.
#' @inheritParams lt_plot_samples
#' @return A ggplot object whose data is `history`, unchanged; the line layer keeps the rows
#'   of `metric`.
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
lt_plot_history <- function(history, metric = "loss", title = NULL, legend_position = "best") {
  frame <- lt_frame(history)
  check_frame(frame, "history", c("epoch", "split", "metric", "value"))
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

#' Every metric of a training history, one panel each (ggplot2 twin of `plot_metrics`)
#'
#' One panel per metric (loss first, the learning rate last, on its own panel), each with the
#' train (C0) and valid (C1) curves as [lt_plot_history()] draws one metric; the panels have
#' their own y scales. This is what `autoplot(history)` draws, and what `lt_fit(live = TRUE)`
#' redraws while training.
#'
#' @inheritParams lt_plot_history
#' @param metrics The metrics to draw, in order; `NULL` for all of them.
#' @param title The plot title, or `NULL` for none.
#' @return A ggplot object whose data is the rows of `history` for `metrics`, with `metric` a
#'   factor in panel order.
#' @examples
#' history <- data.frame(
#'   epoch = rep(1:3, each = 3), split = "train",
#'   metric = rep(c("loss", "accuracy", "lr"), 3),
#'   value = c(0.69, 0.5, 0.1, 0.5, 0.8, 0.05, 0.3, 0.95, 0.01)
#' )
#' lt_plot_metrics(history)
#' @export
lt_plot_metrics <- function(history, metrics = NULL, title = NULL) {
  frame <- lt_frame(history)
  check_frame(frame, "history", c("epoch", "split", "metric", "value"))
  present <- unique(as.character(frame$metric))
  order <- c("loss", setdiff(present, c("loss", "lr")), "lr")
  metrics <- metrics %||% order[order %in% present]
  unknown <- setdiff(metrics, present)
  if (length(unknown)) {
    stop(sprintf("`metrics` %s are not in the history; it has %s.", paste(unknown, collapse = ", "),
                 paste(present, collapse = ", ")), call. = FALSE)
  }
  drawn <- function(d) {
    d <- d[d$metric %in% metrics & d$split %in% c("train", "valid"), , drop = FALSE]
    d$metric <- factor(d$metric, levels = metrics)
    d
  }
  splits <- intersect(c("train", "valid"), frame$split)
  panels <- frame[frame$metric %in% metrics, , drop = FALSE]
  panels$metric <- factor(panels$metric, levels = metrics)  # panels in this order
  ggplot2::ggplot(panels) +
    ggplot2::geom_line(
      data = drawn,
      mapping = ggplot2::aes(.data$epoch, .data$value, colour = .data$split),
      linewidth = mpl_linewidth(1.5)
    ) +
    ggplot2::facet_wrap(~metric, scales = "free_y",
                        ncol = if (length(metrics) == 4) 2 else min(length(metrics), 3)) +
    ggplot2::scale_colour_manual(
      values = c(train = mpl_colours[["C0"]], valid = mpl_colours[["C1"]]),
      breaks = splits, name = NULL
    ) +
    ggplot2::labs(title = title, x = "epoch", y = NULL) +
    theme_mpl() +
    ggplot2::theme(legend.position = "bottom")
}

#' Confusion matrix heat map (ggplot2 twin of `plot_confusion`)
#'
#' Counts of (truth, prediction) as a viridis heat map with the count written in each cell
#' (white on dark cells, black on light ones), truth down the rows from the top as matplotlib's
#' `imshow` draws it, and a colour bar titled "count". The axes name the classes in class
#' order: a factor's levels, else sorted (codes 0, 1, ... as numbers, class names as written).
#'
#' @param confusion A data.frame with columns `truth`, `prediction` and `count`, one row per
#'   pair, as `lt_confusion_matrix()` (Python's `confusion_matrix()`) gives; the labels may be
#'   numbers, strings or a factor. Or a learntorch model, with labelled `data`: its confusion
#'   counts on that data are drawn.
#' @param data With a model as `confusion`: the labelled data, as [lt_confusion_matrix()] takes.
#' @param title The plot title.
#' @return A ggplot object whose data is `confusion`, unchanged.
#' @examples
#' confusion <- data.frame(truth = c(0, 0, 1, 1), prediction = c(0, 1, 0, 1),
#'                         count = c(240, 10, 6, 244))
#' lt_plot_confusion(confusion)
#' animals <- expand.grid(truth = c("cat", "dog", "bird"), prediction = c("cat", "dog", "bird"))
#' animals$count <- c(30, 2, 1, 3, 25, 0, 1, 1, 40)
#' lt_plot_confusion(animals)
#' @export
lt_plot_confusion <- function(confusion, data = NULL, title = "Confusion matrix") {
  if (inherits(confusion, "torch.nn.modules.module.Module")) {
    confusion <- lt_confusion_matrix(confusion, data)
  }
  frame <- lt_frame(confusion)
  check_frame(frame, "confusion", c("truth", "prediction", "count"))
  classes <- class_scheme(frame$truth, frame$prediction)
  # Cells at 0, 1, ... (class positions), as matplotlib's imshow places them.
  at <- seq_along(classes$keys) - 1
  ticks <- as.character(classes$keys) # codes as numbers ("0"), names as they are
  limits <- c(-0.5, length(at) - 0.5)
  ggplot2::ggplot(frame, ggplot2::aes(class_index(.data$prediction, classes) - 1,
                                      class_index(.data$truth, classes) - 1)) +
    ggplot2::geom_tile(ggplot2::aes(fill = .data$count), width = 1, height = 1) +
    ggplot2::geom_text(
      ggplot2::aes(
        label = .data$count,
        colour = ifelse(.data$count < max(.data$count) / 2, "white", "black")
      ),
      size = 8 / ggplot2::.pt
    ) +
    ggplot2::scale_colour_identity() +
    viridis_fill("count", height = grid::unit(3.6, "in")) +
    ggplot2::scale_x_continuous(breaks = at, labels = ticks, limits = limits, expand = c(0, 0)) +
    ggplot2::scale_y_reverse(breaks = at, labels = ticks, limits = rev(limits), expand = c(0, 0)) +
    ggplot2::coord_fixed() +
    ggplot2::labs(title = title, x = "prediction", y = "truth") +
    theme_mpl() +
    colourbar_theme()
}

#' Matrix-multiplication benchmark bars (ggplot2 twin of `plot_benchmark`)
#'
#' GFLOP/s per row of a benchmark frame as bars, one per device and size, labelled
#' `"<device>\nn=<n>"` and coloured `C0`, `C1`, ... in row order as the Python version does.
#'
#' @param bench A data.frame with columns `device`, `n`, `seconds` and `gflops`, as
#'   `lt_benchmark_matmul()` (Python's `benchmark_matmul()`) gives; several rows (devices or
#'   sizes) may be bound together.
#' @param title The plot title.
#' @return A ggplot object whose data is `bench`, unchanged.
#' @examples
#' bench <- data.frame(device = c("cpu", "cuda:0"), n = 4096L, seconds = c(0.9, 0.01),
#'                     gflops = c(152.7, 13744))
#' lt_plot_benchmark(bench)
#' @export
lt_plot_benchmark <- function(bench, title = "Matrix multiplication") {
  check_frame(bench, "bench", c("device", "n", "seconds", "gflops"))
  ggplot2::ggplot(bench) +
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
      expand = ggplot2::expansion(add = 0.4 + 0.05 * (nlevels(bench_label(bench$device, bench$n)) - 0.2))
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
#' `autoplot()` draws every metric of a training history in its own panel, the learning rate
#' too (see [lt_plot_metrics()]), or the curves of one `metric` (see [lt_plot_history()]);
#' `plot()` draws them and returns the plot invisibly.
#'
#' @param object,x A training history (class `lt_history`), as `lt_fit()` returns; anything
#'   `as.data.frame()` turns into a history frame.
#' @param metric `NULL` for every metric, or the one metric to draw (`"loss"`, `"accuracy"`...).
#' @param ... Passed on to [lt_plot_metrics()] or [lt_plot_history()] (`title`...).
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
autoplot.lt_history <- function(object, metric = NULL, ...) {
  if (is.null(metric)) return(lt_plot_metrics(plain_frame(object), ...))
  lt_plot_history(plain_frame(object), metric = metric, ...)
}

#' @rdname autoplot.lt_history
#' @method plot lt_history
#' @export
plot.lt_history <- function(x, metric = NULL, ...) {
  p <- autoplot.lt_history(x, metric = metric, ...)
  print(p)
  invisible(p)
}

#' Plot a dataset's samples with ggplot2
#'
#' `autoplot()` of a learntorch dataset draws its samples (see [lt_plot_samples()]).
#'
#' @param object A learntorch dataset (class `lt_dataset`); anything `as.data.frame()` turns
#'   into a samples frame (feature columns, then `label` or `target`).
#' @param ... Passed on to [lt_plot_samples()] (`x`, `y`, `title`, `legend_position`).
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
