# theme_mpl(), the tab10 colours and matplotlib's ticks (R/theme.R). No Python needed.

test_that("mpl_colours and tab10 are matplotlib's default colour cycle", {
  expect_length(mpl_colours, 10)
  expect_identical(names(mpl_colours), paste0("C", 0:9))
  expect_identical(mpl_colours[["C0"]], "#1f77b4")
  expect_identical(mpl_colours[["C1"]], "#ff7f0e")
  expect_identical(mpl_colours[["C9"]], "#17becf")
  expect_identical(tab10, unname(mpl_colours))
})

test_that("theme_mpl() is a complete theme with matplotlib's defaults", {
  th <- theme_mpl()
  expect_s3_class(th, "theme")
  expect_true(attr(th, "complete"))
  expect_s3_class(th$panel.grid, "element_blank")
  expect_s3_class(th$axis.line, "element_blank")
  # four black spines, white panel and figure
  expect_identical(th$panel.border$colour, "black")
  expect_true(is.na(th$panel.border$fill))
  expect_identical(th$panel.background$fill, "white")
  expect_identical(th$plot.background$fill, "white")
  # 0.8 pt spines and ticks, 3.5 pt outward ticks, 10 pt text, 12 pt centred title
  expect_equal(th$panel.border$linewidth * ggplot2::.pt, 0.8 * 96 / 72)
  expect_equal(th$axis.ticks$linewidth * ggplot2::.pt, 0.8 * 96 / 72)
  expect_equal(as.numeric(th$axis.ticks.length), 3.5)
  expect_identical(grid::unitType(th$axis.ticks.length), "points")
  expect_identical(th$text$size, 10)
  expect_identical(th$plot.title$hjust, 0.5)
  expect_equal(unclass(th$plot.title$size), 1.2)
  # legend inside the panel, upper right, no title, light frame
  expect_identical(th$legend.position, c(1, 1))
  expect_s3_class(th$legend.title, "element_blank")
  expect_s3_class(th$legend.background, "element_rect")
  expect_identical(th$legend.background$colour, "#CCCCCCCC")
})

test_that("theme_mpl() scales its sizes with base_size", {
  th <- theme_mpl(base_size = 20)
  expect_identical(th$text$size, 20)
  expect_equal(as.numeric(th$axis.ticks.length), 7)
  expect_equal(th$panel.border$linewidth * ggplot2::.pt, 1.6 * 96 / 72)
})

test_that("theme_mpl() renders, with a rounded legend frame", {
  df <- data.frame(x = 1:4, y = c(1, 3, 2, 4), g = c("a", "a", "b", "b"))
  p <- ggplot2::ggplot(df, ggplot2::aes(x, y, colour = g)) +
    ggplot2::geom_point() +
    theme_mpl()
  grob <- ggplot2::ggplotGrob(p)
  expect_s3_class(grob, "gtable")
  legend <- grob$grobs[[which(grob$layout$name == "guide-box")]]
  background <- legend$grobs[[1]]$grobs[[1]]
  expect_s3_class(background, "roundrect")
  path <- tempfile(fileext = ".png")
  on.exit(unlink(path))
  ggplot2::ggsave(path, p, width = 3, height = 3, dpi = 50)
  expect_gt(file.size(path), 0)
})

test_that("scale_colour_mpl() and scale_fill_mpl() give C0, C1, ... in level order", {
  df <- data.frame(x = 1:3, y = 1:3, g = c("a", "b", "c"))
  built <- ggplot2::ggplot_build(
    ggplot2::ggplot(df, ggplot2::aes(x, y, colour = g, fill = g)) +
      ggplot2::geom_point(shape = 21) +
      scale_colour_mpl() +
      scale_fill_mpl()
  )
  expect_identical(built$data[[1]]$colour, c("#1f77b4", "#ff7f0e", "#2ca02c"))
  expect_identical(built$data[[1]]$fill, c("#1f77b4", "#ff7f0e", "#2ca02c"))
  expect_identical(scale_color_mpl, scale_colour_mpl)
  # after ten levels the cycle starts again, as matplotlib's does
  expect_identical(learntorch:::mpl_palette(11)[[11]], "#1f77b4")
})

test_that("breaks_mpl() places ticks as matplotlib's MaxNLocator", {
  # expected values: matplotlib.ticker.MaxNLocator(nbins, steps=[1, 2, 2.5, 5, 10]).tick_values,
  # trimmed to the limits
  expect_equal(breaks_mpl(7)(c(-0.2933, 1.3367)), c(-0.25, 0, 0.25, 0.5, 0.75, 1, 1.25))
  expect_equal(breaks_mpl(9)(c(-0.3, 1.4)), seq(-0.2, 1.4, by = 0.2))
  expect_equal(breaks_mpl(9)(c(-2, 63)), seq(0, 60, by = 10))
  expect_equal(breaks_mpl(9)(c(-0.025, 0.74)), seq(0, 0.7, by = 0.1))
  expect_equal(breaks_mpl(9)(c(1000.1, 1000.9)), seq(1000.1, 1000.9, by = 0.1))
  expect_identical(breaks_mpl()(c(NA, 1)), numeric())
})

test_that("labels_mpl() writes common decimals and a true minus sign where the device has one", {
  png_file <- tempfile(fileext = ".png")
  grDevices::png(png_file)
  expect_identical(
    labels_mpl()(c(-0.25, 0, 0.25, 1)),
    c("\u22120.25", "0.00", "0.25", "1.00")
  )
  grDevices::dev.off()
  # R's pdf() and postscript() cannot encode U+2212: the ASCII hyphen-minus there
  pdf_file <- tempfile(fileext = ".pdf")
  grDevices::pdf(pdf_file)
  expect_identical(labels_mpl()(c(-0.25, 0.25)), c("-0.25", "0.25"))
  grDevices::dev.off()
  unlink(c(png_file, pdf_file))
  expect_identical(labels_mpl()(c(0, 10, 20)), c("0", "10", "20"))
  expect_identical(labels_mpl()(c(NA, 1)), c(NA, "1"))
})

test_that("every figure draws on pdf() with proper minus signs and no warnings", {
  grid <- expand.grid(x1 = seq(-1, 1, length.out = 20), x2 = seq(-1.5, 1, length.out = 20))
  grid$prob <- stats::plogis(3 * grid$x1 * grid$x2)
  samples <- data.frame(x1 = c(-0.5, 0.5, -0.2), x2 = c(-1, 0.5, 0.3), label = c("no", "yes", "no"))
  history <- data.frame(epoch = rep(1:3, 2), split = "train", metric = rep(c("loss", "r2"), each = 3),
                        value = c(0.5, 0.2, 0.1, -0.4, 0.1, 0.6))
  plots <- list(
    lt_plot_samples(samples),
    lt_plot_decision_boundary(grid, samples),
    lt_plot_history(history, metric = "r2"),
    lt_plot_metrics(history)
  )
  path <- tempfile(fileext = ".pdf")
  on.exit(unlink(path))
  grDevices::pdf(path, width = 4, height = 4)
  expect_no_warning(for (p in plots) print(p))
  grDevices::dev.off()
  expect_gt(file.size(path), 0)
  # ggsave() to a .pdf goes through the same device
  expect_no_warning(ggplot2::ggsave(path, plots[[2]], width = 4, height = 4))
})
