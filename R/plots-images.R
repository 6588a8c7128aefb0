# ggplot2 twin of python/learntorch/plotting_images.py: an image grid drawn from the tidy image
# frame (image, row, col, intensity, label, prediction; a `channel` column for colour images).
# It never calls Python. The rules are the Python module's, so the two figures agree:
# panels in order of first appearance of `image`; grey levels from 0 (black) to 1 (white) when
# every intensity lies in [0, 1], else from the frame's minimum to its maximum; titles "3", or
# "true: 3" / "pred: 5" on two lines; a misclassified panel gets a red title and a red frame.

# matplotlib's C3 red, learntorch.plotting_images.MISCLASSIFIED_COLOUR.
misclassified_colour <- "#d62728"

# The grey-level limits: [0, 1] for images in [0, 1], else the frame's range.
image_limits <- function(intensity) {
  lo <- min(intensity)
  hi <- max(intensity)
  if (lo >= 0 && hi <= 1) return(c(0, 1))
  if (hi > lo) c(lo, hi) else c(lo, lo + 1)
}

# Intensities as colours the way imshow(cmap = "gray", vmin, vmax) draws them: a 256-entry
# black-to-white table, value v at entry floor(256 * v), so both languages give the same pixels.
# (scale_fill_gradient would interpolate in Lab space and lighten the mid-greys.)
grey_fill <- function(intensity, limits) {
  v <- (intensity - limits[[1]]) / (limits[[2]] - limits[[1]])
  entry <- pmin(pmax(floor(v * 256), 0), 255)
  grDevices::rgb(entry, entry, entry, maxColorValue = 255)
}

# One row per pixel with its RGB colour, for frames with a `channel` column.
rgb_pixels <- function(frame, limits) {
  key <- paste(frame$image, frame$row, frame$col)
  first <- frame[frame$channel == 0, , drop = FALSE]
  first_key <- key[frame$channel == 0]
  level <- function(ch) {
    part <- frame$channel == ch
    v <- frame$intensity[part][match(first_key, key[part])]
    pmin(pmax((v - limits[[1]]) / (limits[[2]] - limits[[1]]), 0), 1)
  }
  first$fill <- grDevices::rgb(level(0), level(1), level(2))
  first
}

image_name <- function(value, classes) {
  value <- as.integer(value)
  if (is.null(classes)) return(as.character(value))
  ok <- !is.na(value) & value >= 0 & value < length(classes)
  ifelse(ok, as.character(classes[pmin(pmax(value, 0), length(classes) - 1) + 1]), as.character(value))
}

#' The panels of an image grid
#'
#' One row per image of an image frame, in drawing order: its panel number, title and whether
#' it is misclassified, by the same rules as Python's
#' `learntorch.plotting_images.image_panels()`.
#'
#' @param frame An image frame (columns `image`, `row`, `col`, `intensity`, optionally `label`,
#'   `prediction` and `channel`).
#' @param classes Optional class names: label `k` is shown as `classes[k + 1]`.
#' @return A data.frame with columns `panel` (0-based), `image`, `title`, `misclassified`, and
#'   `height`, `width` (pixels).
#' @examples
#' frame <- expand.grid(col = 0:1, row = 0:1, image = 0:1)
#' frame$intensity <- seq(0, 1, length.out = 8)
#' frame$label <- frame$image
#' frame$prediction <- 1L
#' lt_image_panels(frame)
#' @export
lt_image_panels <- function(frame, classes = NULL) {
  check_frame(frame, "frame", c("image", "row", "col", "intensity"))
  images <- unique(frame$image)
  first <- frame[match(images, frame$image), , drop = FALSE]
  has_label <- "label" %in% names(frame)
  has_pred <- "prediction" %in% names(frame)
  wrong <- rep(FALSE, length(images))
  if (has_label && has_pred) {
    title <- paste0("true: ", image_name(first$label, classes), "\npred: ", image_name(first$prediction, classes))
    wrong <- as.integer(first$label) != as.integer(first$prediction)
  } else if (has_pred) {
    title <- paste0("pred: ", image_name(first$prediction, classes))
  } else if (has_label) {
    title <- image_name(first$label, classes)
  } else {
    title <- as.character(images)
  }
  height <- tapply(frame$row, factor(frame$image, levels = images), max) + 1
  width <- tapply(frame$col, factor(frame$image, levels = images), max) + 1
  data.frame(
    panel = seq_along(images) - 1L, image = images, title = title, misclassified = wrong,
    height = as.numeric(height), width = as.numeric(width), stringsAsFactors = FALSE
  )
}

#' A grid of images with labels and predictions (ggplot2 twin of `plot_images`)
#'
#' Draws each image of an image frame in its own panel (`geom_raster` + `facet_wrap`), grey
#' images with matplotlib's `"gray"` colour map and colour images in RGB, titled with the label,
#' or with "true:" and "pred:" when the frame has predictions; misclassified images get a red
#' title and a red frame, as the Python `learntorch.plot_images()` draws them.
#'
#' @param frame An image frame, as `lt_image_frame()` (Python's `image_frame()`) or
#'   `as.data.frame()` of an image dataset gives; or an image dataset, whose first 16 images are
#'   drawn with its class names.
#' @param ncol Panels per row; `NULL` gives `min(8, number of images)`.
#' @param classes Optional class names: label `k` is shown as `classes[k + 1]` (e.g. the
#'   `classes` of `lt_cifar10()`).
#' @param title Optional title over the grid.
#' @return A ggplot object whose data is `frame`, unchanged. Draw it about `1.25 * ncol` inches
#'   wide and `1.6` inches per row (`1.45` without predictions) to match the matplotlib figure.
#' @examples
#' frame <- expand.grid(col = 0:7, row = 0:7, image = 0:3)
#' frame$intensity <- (frame$row + frame$col) / 14
#' frame$label <- frame$image
#' frame$prediction <- c(0L, 1L, 3L, 3L)[frame$image + 1]
#' lt_plot_images(frame, ncol = 4)
#' @export
lt_plot_images <- function(frame, ncol = NULL, classes = NULL, title = NULL) {
  if (inherits(frame, "lt_image_dataset")) {
    classes <- classes %||% tryCatch(unlist(as_r_value(frame$classes)), error = function(e) NULL)
    frame <- lt_image_frame(frame)
  }
  check_frame(frame, "frame", c("image", "row", "col", "intensity"))
  panels <- lt_image_panels(frame, classes)
  n <- nrow(panels)
  if (is.null(ncol)) ncol <- min(8L, n)
  if (!is.numeric(ncol) || length(ncol) != 1 || is.na(ncol) || ncol < 1 || ncol != round(ncol)) {
    stop("`ncol` must be a positive whole number.", call. = FALSE)
  }
  ncol <- min(as.integer(ncol), n)
  limits <- image_limits(frame$intensity)
  levels <- panels$image
  two_lines <- any(grepl("\n", panels$title, fixed = TRUE))
  title_pt <- 9 * 1.2 * (if (two_lines) 2 else 1) + 6 # title lines plus matplotlib's 6 pt pad

  # Each layer computes what it draws from the frame; the plot's data stays the frame.
  if ("channel" %in% names(frame)) {
    pixels <- ggplot2::geom_raster(
      data = function(d) rgb_pixels(d, limits),
      mapping = ggplot2::aes(.data$col, -.data$row, fill = .data$fill)
    )
  } else {
    pixels <- ggplot2::geom_raster(ggplot2::aes(.data$col, -.data$row, fill = grey_fill(.data$intensity, limits)))
  }
  panel_data <- function(d) {
    p <- lt_image_panels(d, classes)
    p$colour <- ifelse(p$misclassified, misclassified_colour, "black")
    p$frame_width <- ifelse(p$misclassified, 2.5, 0.8) # matplotlib's spine widths, in points
    p
  }
  height <- max(panels$height)
  width <- max(panels$width)
  p <- ggplot2::ggplot(frame) +
    pixels +
    ggplot2::scale_fill_identity() +
    # The frames are drawn here instead of by panel.border, so that a red one replaces the
    # black one as matplotlib recolours the spines (panel.border would be drawn over it).
    ggplot2::geom_rect(
      data = panel_data,
      mapping = ggplot2::aes(
        xmin = -0.5, xmax = .data$width - 0.5, ymin = -(.data$height - 0.5), ymax = 0.5,
        colour = .data$colour, linewidth = mpl_linewidth(.data$frame_width)
      ),
      fill = NA, inherit.aes = FALSE
    ) +
    ggplot2::geom_text(
      data = panel_data,
      mapping = ggplot2::aes((.data$width - 1) / 2, 0.5 + 0.05 * .data$height, label = .data$title,
                             colour = .data$colour),
      vjust = 0, size = 9 / ggplot2::.pt, lineheight = 1.0, inherit.aes = FALSE
    ) +
    ggplot2::scale_colour_identity() +
    ggplot2::scale_linewidth_identity() +
    ggplot2::facet_wrap(ggplot2::vars(factor(.data$image, levels = levels)), ncol = ncol) +
    # Rows go down: y = -row (geom_raster ignores scale_y_reverse). The limits are the pixels'
    # edges, so that the titles above them (drawn with clipping off) do not widen the panels.
    ggplot2::coord_fixed(xlim = c(-0.5, width - 0.5), ylim = c(-(height - 0.5), 0.5), expand = FALSE,
                         clip = "off") +
    ggplot2::labs(title = title, x = NULL, y = NULL) +
    theme_mpl() +
    ggplot2::theme(
      axis.text = ggplot2::element_blank(),
      axis.ticks = ggplot2::element_blank(),
      axis.ticks.length = grid::unit(0, "pt"),
      panel.border = ggplot2::element_blank(),
      strip.text = ggplot2::element_blank(),
      strip.background = ggplot2::element_blank(),
      panel.spacing.x = grid::unit(8, "pt"),
      panel.spacing.y = grid::unit(title_pt + 4, "pt"),
      # Room above the first row for its panel titles, which are drawn outside the panels.
      plot.title = ggplot2::element_text(margin = ggplot2::margin(b = title_pt + 4)),
      plot.margin = ggplot2::margin(if (is.null(title)) title_pt + 4 else 8, 5, 5, 5)
    )
  p
}
