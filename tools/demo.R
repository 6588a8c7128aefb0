# The R half of `make demo`: the ggplot2 twins of the demo's matplotlib figures, drawn from the
# very frames Python wrote (out/*.csv), so both languages show the same numbers.
# Drawing needs no Python: lt_plot_* take plain data.frames.
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[[1]] else "out"
suppressPackageStartupMessages({
  library(ggplot2)
  library(learntorch)
})

read_frame <- function(name) utils::read.csv(file.path(out, name))
samples <- read_frame("samples.csv")
grid <- read_frame("decision_grid.csv")
history <- read_frame("history.csv")
test <- read_frame("test.csv")

figures <- list(
  samples_ggplot.png = list(lt_plot_samples(samples), 4, 4),
  decision_boundary_ggplot.png = list(lt_plot_decision_boundary(grid, test), 4, 4),
  loss_ggplot.png = list(lt_plot_history(history, metric = "loss"), 5, 3.5)
)
for (name in names(figures)) {
  fig <- figures[[name]]
  ggsave(file.path(out, name), fig[[1]], width = fig[[2]], height = fig[[3]], dpi = 100)
}
cat(sprintf("wrote the ggplot2 twins: %s\n", paste(file.path(out, names(figures)), collapse = ", ")))
