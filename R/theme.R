# A ggplot2 theme and colour scales that look like a default matplotlib figure, so that the
# ggplot2 twins in R/plots.R read as the same picture as python/learntorch/plotting.py.
#
# matplotlib states its sizes in points (1/72 inch) at `font.size` 10. ggplot2 states text in
# points too, but line widths in "mm" that it multiplies by `.pt` to get R's `lwd`, and R's
# `lwd = 1` is 1/96 inch. `mpl_linewidth()` converts a matplotlib width in points to ggplot2's.

#' matplotlib's default colour cycle (tab10)
#'
#' The ten colours matplotlib cycles through by default, `C0` to `C9`. learntorch draws class 0
#' in `C0` (blue, `#1f77b4`) and class 1 in `C1` (orange, `#ff7f0e`), the training split in
#' `C0` and the validation split in `C1`, in both languages.
#'
#' @format A named character vector of ten hex colours, names `C0` to `C9`.
#' @examples
#' mpl_colours[["C0"]]
#' tab10[1:2]
#' @export
mpl_colours <- c(
  C0 = "#1f77b4", C1 = "#ff7f0e", C2 = "#2ca02c", C3 = "#d62728", C4 = "#9467bd",
  C5 = "#8c564b", C6 = "#e377c2", C7 = "#7f7f7f", C8 = "#bcbd22", C9 = "#17becf"
)

#' @rdname mpl_colours
#' @format `tab10`: the same ten colours without names, as Python's `learntorch.plotting.TAB10`.
#' @export
tab10 <- unname(mpl_colours)

# matplotlib's colour for the i-th item (0-based), cycling after ten as its colour cycle does.
mpl_cycle <- function(i) {
  tab10[(as.integer(i) %% 10L) + 1L]
}

# A line width given in points (matplotlib's unit) as a ggplot2 `linewidth`.
mpl_linewidth <- function(points) {
  points * 96 / 72 / ggplot2::.pt
}

#' A ggplot2 theme that looks like a default matplotlib figure
#'
#' White background, no grid, black spines on all four sides, short outward ticks on the bottom
#' and left axes, a centred title one and a fifth times the base size, and a legend drawn inside
#' the panel in a light, rounded, slightly transparent frame, all with matplotlib's default sizes
#' (10 pt text, 0.8 pt spines, 3.5 pt ticks). Pair it with [scale_colour_mpl()] /
#' [scale_fill_mpl()] for matplotlib's colours. The legend sits in the upper right corner; the
#' learntorch twins move it where matplotlib's `loc = "best"` would put it.
#'
#' @param base_size Base font size in points (matplotlib's `font.size`, 10 by default); every
#'   other size (title, ticks, pads, spines) scales with it.
#' @param base_family Base font family; `""` is the device's sans-serif font (DejaVu Sans on
#'   most Linux systems, matplotlib's default font).
#' @return A complete ggplot2 theme.
#' @examples
#' library(ggplot2)
#' ggplot(data.frame(x = 1:10, y = (1:10)^2), aes(x, y)) +
#'   geom_line(colour = mpl_colours[["C0"]]) +
#'   labs(title = "A matplotlib look") +
#'   theme_mpl()
#' @export
theme_mpl <- function(base_size = 10, base_family = "") {
  pt <- base_size / 10 # matplotlib's sizes below are for font.size 10
  spine <- mpl_linewidth(0.8 * pt)
  ggplot2::theme(
    line = ggplot2::element_line(colour = "black", linewidth = spine, linetype = 1, lineend = "butt"),
    rect = ggplot2::element_rect(fill = "white", colour = "black", linewidth = spine, linetype = 1),
    text = ggplot2::element_text(
      family = base_family, face = "plain", colour = "black", size = base_size, lineheight = 1.2,
      hjust = 0.5, vjust = 0.5, angle = 0, margin = ggplot2::margin(), debug = FALSE
    ),
    title = NULL,
    aspect.ratio = NULL,

    axis.line = ggplot2::element_blank(),
    axis.line.x = NULL,
    axis.line.y = NULL,
    axis.text = ggplot2::element_text(size = ggplot2::rel(1), colour = "black"),
    axis.text.x = ggplot2::element_text(margin = ggplot2::margin(t = 3.5 * pt), vjust = 1),
    axis.text.x.top = ggplot2::element_text(margin = ggplot2::margin(b = 3.5 * pt), vjust = 0),
    axis.text.y = ggplot2::element_text(margin = ggplot2::margin(r = 3.5 * pt), hjust = 1),
    axis.text.y.right = ggplot2::element_text(margin = ggplot2::margin(l = 3.5 * pt), hjust = 0),
    axis.ticks = ggplot2::element_line(colour = "black", linewidth = spine),
    axis.ticks.length = ggplot2::unit(3.5 * pt, "pt"),
    axis.ticks.length.x = NULL,
    axis.ticks.length.x.top = NULL,
    axis.ticks.length.x.bottom = NULL,
    axis.ticks.length.y = NULL,
    axis.ticks.length.y.left = NULL,
    axis.ticks.length.y.right = NULL,
    axis.title.x = ggplot2::element_text(margin = ggplot2::margin(t = 4 * pt), vjust = 1),
    axis.title.x.top = ggplot2::element_text(margin = ggplot2::margin(b = 4 * pt), vjust = 0),
    axis.title.y = ggplot2::element_text(angle = 90, margin = ggplot2::margin(r = 4 * pt), vjust = 1),
    axis.title.y.right = ggplot2::element_text(angle = -90, margin = ggplot2::margin(l = 4 * pt), vjust = 0),

    legend.background = element_roundrect(
      fill = "#FFFFFFCC", colour = "#CCCCCCCC", linewidth = mpl_linewidth(1 * pt), r = 2 * pt
    ),
    # matplotlib pads the frame by 4 pt and puts 5 pt between 10.3 pt high labels; ggplot2 has
    # no gap between keys, so each key is 15.3 pt high and the pad above and below is 1.5 pt.
    legend.margin = ggplot2::margin(1.5 * pt, 4 * pt, 1.5 * pt, 4 * pt),
    legend.spacing = ggplot2::unit(8 * pt, "pt"),
    legend.spacing.x = ggplot2::unit(8 * pt, "pt"),
    legend.spacing.y = ggplot2::unit(0, "pt"), # also the gap under the (blank) legend title
    legend.key = ggplot2::element_rect(fill = NA, colour = NA),
    legend.key.size = ggplot2::unit(15.3 * pt, "pt"),
    legend.key.height = NULL,
    legend.key.width = ggplot2::unit(20 * pt, "pt"),
    legend.text = ggplot2::element_text(size = ggplot2::rel(1)),
    legend.text.align = NULL,
    legend.title = ggplot2::element_blank(),
    legend.title.align = NULL,
    legend.position = c(1, 1),
    legend.direction = NULL,
    legend.justification = c(1, 1),
    legend.box = NULL,
    legend.box.margin = ggplot2::margin(5 * pt, 5 * pt, 5 * pt, 5 * pt),
    legend.box.background = ggplot2::element_blank(),
    legend.box.spacing = ggplot2::unit(10 * pt, "pt"),

    panel.background = ggplot2::element_rect(fill = "white", colour = NA),
    panel.border = ggplot2::element_rect(fill = NA, colour = "black", linewidth = spine),
    panel.grid = ggplot2::element_blank(),
    panel.grid.major = NULL,
    panel.grid.minor = NULL,
    panel.spacing = ggplot2::unit(20 * pt, "pt"),
    panel.spacing.x = NULL,
    panel.spacing.y = NULL,
    panel.ontop = FALSE,

    strip.background = ggplot2::element_rect(fill = "white", colour = "black", linewidth = spine),
    strip.clip = "inherit",
    strip.text = ggplot2::element_text(
      size = ggplot2::rel(1), margin = ggplot2::margin(4 * pt, 4 * pt, 4 * pt, 4 * pt)
    ),
    strip.text.x = NULL,
    strip.text.y = ggplot2::element_text(angle = -90),
    strip.text.y.left = ggplot2::element_text(angle = 90),
    strip.placement = "inside",
    strip.placement.x = NULL,
    strip.placement.y = NULL,
    strip.switch.pad.grid = ggplot2::unit(2.75 * pt, "pt"),
    strip.switch.pad.wrap = ggplot2::unit(2.75 * pt, "pt"),

    plot.background = ggplot2::element_rect(fill = "white", colour = NA),
    plot.title = ggplot2::element_text(
      size = ggplot2::rel(1.2), hjust = 0.5, vjust = 1, margin = ggplot2::margin(b = 6 * pt)
    ),
    plot.title.position = "panel",
    plot.subtitle = ggplot2::element_text(hjust = 0.5, vjust = 1, margin = ggplot2::margin(b = 6 * pt)),
    plot.caption = ggplot2::element_text(size = ggplot2::rel(0.8), hjust = 1, vjust = 1,
                                         margin = ggplot2::margin(t = 6 * pt)),
    plot.caption.position = "panel",
    plot.tag = ggplot2::element_text(size = ggplot2::rel(1.2), hjust = 0.5, vjust = 0.5),
    plot.tag.position = "topleft",
    # matplotlib's tight_layout() pads by 1.08 font sizes.
    plot.margin = ggplot2::margin(10.8 * pt, 10.8 * pt, 10.8 * pt, 10.8 * pt),

    complete = TRUE
  )
}

# A rectangle theme element with rounded corners: matplotlib's legend frame (fancybox).
# It is an element_rect, so theme() and `+` treat it as one; only its grob is rounded.
element_roundrect <- function(fill = NULL, colour = NULL, linewidth = NULL, linetype = NULL,
                              r = 2) {
  element <- ggplot2::element_rect(fill = fill, colour = colour, linewidth = linewidth, linetype = linetype)
  element$r <- r
  class(element) <- c("element_roundrect", class(element))
  element
}

#' @importFrom ggplot2 element_grob
#' @method element_grob element_roundrect
#' @export
element_grob.element_roundrect <- function(element, x = 0.5, y = 0.5, width = 1, height = 1,
                                           fill = NULL, colour = NULL, linewidth = NULL,
                                           linetype = NULL, ...) {
  gp <- grid::gpar(
    lwd = (linewidth %||% element$linewidth) * ggplot2::.pt,
    col = colour %||% element$colour,
    fill = fill %||% element$fill,
    lty = linetype %||% element$linetype
  )
  grid::roundrectGrob(x, y, width, height, r = grid::unit(element$r %||% 2, "pt"), gp = gp)
}

#' matplotlib's colours as ggplot2 scales
#'
#' Discrete colour and fill scales that take matplotlib's default colour cycle (tab10) in order:
#' the first level is `C0` (`#1f77b4`), the second `C1` (`#ff7f0e`), and so on, cycling after
#' ten as matplotlib does.
#'
#' @param ... Passed on to [ggplot2::discrete_scale()] (`name`, `labels`, `breaks`, ...).
#' @param aesthetics The aesthetics the scale works with.
#' @return A ggplot2 scale.
#' @examples
#' library(ggplot2)
#' df <- data.frame(x = c(0, 1, 0, 1), y = c(0, 1, 1, 0), label = factor(c(0, 0, 1, 1)))
#' ggplot(df, aes(x, y, colour = label)) +
#'   geom_point(size = 3) +
#'   scale_colour_mpl() +
#'   theme_mpl()
#' @export
scale_colour_mpl <- function(..., aesthetics = "colour") {
  ggplot2::discrete_scale(aesthetics, "mpl", palette = mpl_palette, ...)
}

#' @rdname scale_colour_mpl
#' @export
scale_color_mpl <- scale_colour_mpl

#' @rdname scale_colour_mpl
#' @export
scale_fill_mpl <- function(..., aesthetics = "fill") {
  scale_colour_mpl(..., aesthetics = aesthetics)
}

mpl_palette <- function(n) {
  mpl_cycle(seq_len(n) - 1L)
}

#' matplotlib's tick positions and tick labels
#'
#' `breaks_mpl()` places ticks as matplotlib's default `AutoLocator` (a `MaxNLocator` with steps
#' 1, 2, 2.5, 5 and 10) does: at most `nbins` intervals over the axis range, on the smallest step
#' that fits. matplotlib picks `nbins` from the axis length (a 4 inch figure gets 7 on x and 9 on
#' y); ggplot2 does not know the size when it computes breaks, so it is an argument here.
#' `labels_mpl()` writes tick labels as matplotlib's `ScalarFormatter`: the same number of
#' decimals on every label and a true minus sign (U+2212) on devices that can draw it (PNG, SVG,
#' Cairo, the screen); on R's `pdf()` and `postscript()` devices, which cannot encode it, the
#' ASCII hyphen-minus, so that PDF output has proper signs and no warnings.
#'
#' @param nbins The most intervals between ticks (matplotlib caps its automatic choice at 9).
#' @return `breaks_mpl()`: a function of the axis limits giving the breaks, for a scale's
#'   `breaks` argument. `labels_mpl()`: a function of the breaks giving their labels, for
#'   `labels`.
#' @examples
#' breaks_mpl(7)(c(-0.35, 1.42))
#' labels_mpl()(c(-0.25, 0, 0.25, 0.5))
#' library(ggplot2)
#' ggplot(data.frame(x = c(-0.3, 1.3), y = c(0, 1)), aes(x, y)) +
#'   geom_point() +
#'   scale_x_continuous(breaks = breaks_mpl(7), labels = labels_mpl()) +
#'   theme_mpl()
#' @export
breaks_mpl <- function(nbins = 9) {
  force(nbins)
  function(limits) mpl_ticks(limits[[1]], limits[[2]], nbins)
}

#' @rdname breaks_mpl
#' @export
labels_mpl <- function() {
  function(breaks) {
    if (length(breaks) == 0) return(character())
    shown <- !is.na(breaks)
    out <- rep(NA_character_, length(breaks))
    out[shown] <- gsub("-", minus_sign(), format(breaks[shown], trim = TRUE, scientific = FALSE),
                       fixed = TRUE)
    out
  }
}

# matplotlib's true minus (U+2212) where the device can draw it; R's pdf() and postscript()
# devices encode text in a single-byte encoding without it (they print ".." and warn), so they
# get the ASCII hyphen-minus. Asked when the labels are made, which is when the plot is drawn.
minus_sign <- function() {
  device <- names(grDevices::dev.cur())
  if (device %in% c("pdf", "postscript", "xfig", "pictex") || !l10n_info()[["UTF-8"]]) "-" else "\u2212"
}

# matplotlib's MaxNLocator._raw_ticks (ticker.py), trimmed to the ticks inside [vmin, vmax].
mpl_ticks <- function(vmin, vmax, nbins = 9, steps = c(1, 2, 2.5, 5, 10), min_n_ticks = 2) {
  if (!all(is.finite(c(vmin, vmax)))) return(numeric())
  if (vmin > vmax) {
    tmp <- vmin
    vmin <- vmax
    vmax <- tmp
  }
  if (vmax - vmin < 1e-12 * max(1, abs(vmin))) return(vmin)
  dv <- vmax - vmin
  meanv <- (vmax + vmin) / 2
  offset <- if (abs(meanv) / dv < 100) 0 else sign(meanv) * 10^floor(log10(abs(meanv)))
  scale <- 10^floor(log10(dv / nbins))
  lo <- vmin - offset
  hi <- vmax - offset
  extended <- c(0.1 * steps[-length(steps)], steps, 10 * steps[[2]]) * scale
  raw_step <- (hi - lo) / nbins
  istep <- which(extended >= raw_step)[[1]]
  close_to <- function(ms, edge) {
    tol <- if (offset > 0) max(1e-10, 10^(log10(offset / extended[[istep]]) - 12)) else 1e-10
    abs(ms - edge) < tol
  }
  for (step in rev(extended[seq_len(istep)])) {
    best_vmin <- floor(lo / step) * step
    x_lo <- lo - best_vmin
    low <- floor(x_lo / step)
    if (close_to((x_lo %% step) / step, 1)) low <- low + 1
    x_hi <- hi - best_vmin
    high <- floor(x_hi / step)
    if (!close_to((x_hi %% step) / step, 0)) high <- high + 1
    ticks <- seq(low, high) * step + best_vmin
    if (sum(ticks <= hi & ticks >= lo) >= min_n_ticks) break
  }
  ticks <- ticks + offset
  # The float noise of k * step (0.30000000000000004) would show in the labels.
  ticks <- round(ticks, digits = max(0, 12 - floor(log10(max(abs(ticks), 1e-300)))))
  ticks <- signif(ticks, 12)
  ticks[ticks >= vmin - 1e-10 * dv & ticks <= vmax + 1e-10 * dv]
}
