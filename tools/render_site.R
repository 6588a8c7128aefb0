#!/usr/bin/env Rscript
# Build the learntorch tutorial site.
#
#   Rscript tools/render_site.R            quarto render when `quarto` is on PATH, else a preview:
#                                          every page executed by knitr/rmarkdown into _site/
#   Rscript tools/render_site.R --check    execute every page (always through knitr, the engine
#                                          Quarto uses for these pages); fail on any chunk error
#                                          or a page that did not draw its declared figures,
#                                          each with a caption and alt text
#   Options: --preview (never call quarto), --page FILE (only that page; repeatable),
#            --out DIR (default _site; --check writes to a temporary folder unless given).
#
# Each page runs in its own R process, as under Quarto, so pages cannot lean on each other's
# state and one crash cannot take the whole build down. A page declares how many figures it
# draws in its front matter (`learntorch: figures: N`); chunks labelled `<name>-py` and
# `<name>-r` are a Python/R pair and must both draw.
#
# Every page but index.qmd is a lesson: the build also writes its Python half as a Jupyter
# notebook and its R half as an R Markdown file beside its HTML (tools/lesson_downloads.py), and
# tools/downloads.lua links them from the top of the page. `make test-downloads` executes them.

# ---- locate the project, set the environment the pages expect ---------------------------------
script_path <- function() {
  arg <- grep("^--file=", commandArgs(FALSE), value = TRUE)
  if (length(arg)) normalizePath(sub("^--file=", "", arg[1])) else normalizePath("tools/render_site.R")
}
ROOT <- normalizePath(file.path(dirname(script_path()), ".."))
SELF <- file.path(ROOT, "tools", "render_site.R")
FILTER <- file.path(ROOT, "tools", "preview.lua")
DOWNLOADS_FILTER <- file.path(ROOT, "tools", "downloads.lua")

set_default_env <- function() {
  venv_py <- file.path(ROOT, ".venv", "bin", "python")
  if (!nzchar(Sys.getenv("RETICULATE_PYTHON")) && file.exists(venv_py)) {
    Sys.setenv(RETICULATE_PYTHON = venv_py)
  }
  r_lib <- file.path(ROOT, ".r-lib")
  if (dir.exists(r_lib) && !grepl(r_lib, Sys.getenv("R_LIBS"), fixed = TRUE)) {
    Sys.setenv(R_LIBS = paste(c(r_lib, Sys.getenv("R_LIBS")[nzchar(Sys.getenv("R_LIBS"))]), collapse = ":"))
  }
  if (!nzchar(Sys.getenv("MPLBACKEND"))) Sys.setenv(MPLBACKEND = "Agg")
  if (!nzchar(Sys.getenv("OMP_WAIT_POLICY"))) Sys.setenv(OMP_WAIT_POLICY = "PASSIVE")
  Sys.setenv(LEARNTORCH_PROGRESS = "0")  # no progress bars in rendered pages
  # The preview knits a copy of each page in the output folder; pages that read project files
  # (index.qmd: docs/_lesson-times.csv) find the project here, as under Quarto.
  if (!nzchar(Sys.getenv("QUARTO_PROJECT_DIR"))) Sys.setenv(QUARTO_PROJECT_DIR = ROOT)
}

# ---- the pages: _quarto.yml's project.render list, globs expanded ------------------------------
site_config <- function() yaml::read_yaml(file.path(ROOT, "_quarto.yml"))

site_pages <- function(config = site_config()) {
  patterns <- config$project$render
  if (is.null(patterns)) patterns <- c("index.qmd", "docs/*.qmd")
  pages <- unlist(lapply(patterns, function(p) {
    hits <- Sys.glob(file.path(ROOT, p))
    sub(paste0("^", ROOT, "/"), "", sort(hits))
  }))
  unique(pages[!grepl("(^|/)_", basename(pages))])  # Quarto skips files starting with _
}

page_meta <- function(page) {
  rmarkdown::yaml_front_matter(file.path(ROOT, page))
}

expected_figures <- function(meta) {
  n <- meta$learntorch$figures
  if (is.null(n)) NA_integer_ else as.integer(n)
}

# ---- preview decorations: navbar and banner, written as HTML fragments -------------------------
nav_entries <- function(config) {
  items <- config$website$navbar$left
  if (is.null(items)) return(list())
  flatten <- function(item) {
    if (!is.null(item$menu)) return(do.call(c, lapply(item$menu, flatten)))
    if (is.character(item)) item <- list(href = item)
    list(list(href = item$href, text = if (is.null(item$text)) item$href else item$text))
  }
  do.call(c, lapply(items, flatten))
}

html_escape <- function(x) {
  x <- gsub("&", "&amp;", x, fixed = TRUE)
  x <- gsub("<", "&lt;", x, fixed = TRUE)
  gsub(">", "&gt;", x, fixed = TRUE)
}

relative_href <- function(target_qmd, from_page) {
  html <- sub("\\.qmd$", ".html", target_qmd)
  folders <- strsplit(dirname(from_page), "/")[[1]]
  depth <- sum(folders != ".")
  paste0(strrep("../", depth), html)
}

write_decorations <- function(page, config, dir) {
  title <- if (is.null(config$website$title)) "learntorch" else config$website$title
  links <- vapply(nav_entries(config), function(e) {
    cls <- if (identical(e$href, page)) ' class="lt-nav-current"' else ""
    sprintf('<a href="%s"%s>%s</a>', relative_href(e$href, page), cls, html_escape(e$text))
  }, character(1))
  home <- relative_href("index.qmd", page)
  body <- paste0(
    '<nav class="lt-navbar"><a class="lt-brand" href="', home, '">', html_escape(title), "</a>",
    paste(links, collapse = ""), "</nav>\n",
    '<div class="lt-preview-banner">Preview built with knitr and rmarkdown because Quarto\'s CLI ',
    "was not found. For the full site (real tabsets, callouts, cross-references, search) install ",
    "Quarto from <code>https://quarto.org</code> and run <code>quarto render</code> (or ",
    "<code>make site</code>) in the repository root.</div>\n")
  before <- file.path(dir, "lt-before-body.html")
  writeLines(body, before)
  css <- file.path(ROOT, "docs", "styles.css")
  header <- file.path(dir, "lt-in-header.html")
  writeLines(c("<style>", if (file.exists(css)) readLines(css, warn = FALSE), "</style>"), header)
  list(before = before, header = header)
}

# ---- every figure needs a caption and alt text (`#| fig-cap:`, `#| fig-alt:`) in both tabs ----
# knitr writes a figure as <img src=".../figure-html/NAME.png" alt="ALT" ...> followed, when the
# chunk has a caption, by <p class="caption">CAPTION</p>; without fig-alt the alt is the caption.
figure_problems <- function(html) {
  html <- paste(html, collapse = "\n")
  squish <- function(x) trimws(gsub("\\s+", " ", gsub("<[^>]+>", "", x)))
  starts <- gregexpr('<img src="[^"]*figure-html/', html, perl = TRUE)[[1]]
  if (starts[1] < 0) return(character())
  pieces <- substring(html, starts, c(starts[-1] - 1, nchar(html)))  # each figure up to the next
  problems <- character()
  for (piece in pieces) {
    tag <- regmatches(piece, regexpr("<img[^>]*>", piece))
    name <- sub('.*figure-html/([^"]+)".*', "\\1", tag)
    alt <- if (grepl(' alt="', tag, fixed = TRUE)) squish(sub('.* alt="([^"]*)".*', "\\1", tag)) else ""
    rest <- substr(substring(piece, nchar(tag) + 1), 1, 300)
    caption <- if (grepl('<p class="caption">', rest, fixed = TRUE)) {
      squish(sub("^Figure [0-9]+:", "", squish(sub('(?s).*?<p class="caption">(.*?)</p>.*', "\\1", rest, perl = TRUE))))
    } else ""
    if (!nzchar(caption)) problems <- c(problems, sprintf("figure %s has no caption (#| fig-cap:)", name))
    if (!nzchar(alt) || identical(alt, caption)) {
      problems <- c(problems, sprintf("figure %s has no alt text (#| fig-alt:)", name))
    }
  }
  problems
}

# ---- one page, in this process (called in a child process by the driver) ----------------------
render_one <- function(page, out_dir, result_file) {
  config <- site_config()
  meta <- page_meta(page)
  out_page_dir <- file.path(out_dir, dirname(page))
  dir.create(out_page_dir, recursive = TRUE, showWarnings = FALSE)
  name <- tools::file_path_sans_ext(basename(page))
  work <- file.path(out_page_dir, basename(page))
  file.copy(file.path(ROOT, page), work, overwrite = TRUE)
  on.exit(unlink(work), add = TRUE)
  unlink(file.path(out_page_dir, paste0(name, "_files")), recursive = TRUE)
  deco <- write_decorations(page, config, tempdir())

  errors <- character()
  warnings_seen <- 0L
  chunk_times <- numeric()
  knitr::knit_hooks$set(
    lt_timer = function(before, options) {
      if (before) {
        chunk_started <<- Sys.time()
      } else {
        chunk_times[options$label] <<- as.numeric(difftime(Sys.time(), chunk_started, units = "secs"))
      }
      invisible(NULL)
    },
    error = function(x, options) {
      errors <<- c(errors, sprintf("chunk '%s': %s", options$label, trimws(x)))
      x
    },
    warning = function(x, options) {
      warnings_seen <<- warnings_seen + 1L
      x
    }
  )
  format <- rmarkdown::html_document(
    toc = TRUE, toc_depth = 2, self_contained = FALSE,
    lib_dir = "site_libs",  # one copy per output folder (rmarkdown keeps libs below the page)
    math_method = "mathml", highlight = "tango", theme = "flatly",
    pandoc_args = c("--lua-filter", FILTER, "--lua-filter", DOWNLOADS_FILTER),
    includes = rmarkdown::includes(in_header = deco$header, before_body = deco$before)
  )
  format$knitr$opts_chunk$error <- FALSE  # a chunk error stops the page
  format$knitr$opts_chunk$lt_timer <- TRUE  # per-chunk timings for the summary
  chunk_started <- Sys.time()
  started <- Sys.time()
  status <- tryCatch({
    rmarkdown::render(work, output_format = format, output_dir = out_page_dir, quiet = TRUE,
                      envir = new.env(parent = globalenv()))
    "ok"
  }, error = function(e) conditionMessage(e))
  seconds <- as.numeric(difftime(Sys.time(), started, units = "secs"))

  fig_dir <- file.path(out_page_dir, paste0(name, "_files"), "figure-html")
  figs <- sort(list.files(fig_dir, pattern = "\\.png$"))
  html_file <- file.path(out_page_dir, paste0(name, ".html"))
  if (identical(status, "ok") && file.exists(html_file)) {
    html <- readLines(html_file, warn = FALSE)
    if (any(grepl("Traceback (most recent call last)", html, fixed = TRUE))) {
      errors <- c(errors, "a Python traceback appears in the page")
    }
    errors <- c(errors, figure_problems(html))
  }
  slowest <- head(sort(chunk_times, decreasing = TRUE), 3)
  saveRDS(list(
    page = page, status = gsub("\n", " ", status), seconds = round(seconds, 2),
    slowest = paste(sprintf("%s %.1fs", names(slowest), slowest), collapse = ", "),
    expected = expected_figures(meta), figures = paste(figs, collapse = " "),
    errors = gsub("\n", " ", paste(errors, collapse = " | ")), warnings = warnings_seen
  ), result_file)
}

# ---- checks on one page's result ---------------------------------------------------------------
figure_label <- function(file) sub("-[0-9]+\\.png$", "", file)

check_result <- function(res) {
  problems <- character()
  if (!identical(res$status, "ok")) problems <- c(problems, paste("render failed:", res$status))
  if (nzchar(res$errors)) problems <- c(problems, paste("chunk errors:", res$errors))
  figs <- if (nzchar(res$figures)) strsplit(res$figures, " ")[[1]] else character()
  expected <- suppressWarnings(as.integer(res$expected))
  if (is.na(expected)) {
    problems <- c(problems, "front matter lacks `learntorch: figures: N`")
  } else if (length(figs) != expected) {
    problems <- c(problems, sprintf("drew %d figures, expected %d", length(figs), expected))
  }
  labels <- unique(figure_label(figs))
  py <- sub("-py$", "", grep("-py$", labels, value = TRUE))
  r <- sub("-r$", "", grep("-r$", labels, value = TRUE))
  r <- sub("^fig-", "", r)  # an R twin may carry Quarto's fig- prefix for cross-references
  unpaired <- c(setdiff(py, r), setdiff(r, py))
  if (length(unpaired)) {
    problems <- c(problems, paste("figure without its twin in the other language:",
                                  paste(unpaired, collapse = ", ")))
  }
  list(ok = !length(problems), problems = problems, n_figs = length(figs), expected = expected)
}

# ---- driver ------------------------------------------------------------------------------------
parse_args <- function(args) {
  opts <- list(check = FALSE, preview = FALSE, pages = character(), out = NULL, one = NULL)
  i <- 1
  while (i <= length(args)) {
    a <- args[i]
    if (a == "--check") opts$check <- TRUE
    else if (a == "--preview") opts$preview <- TRUE
    else if (a == "--page") { i <- i + 1; opts$pages <- c(opts$pages, args[i]) }
    else if (a == "--out") { i <- i + 1; opts$out <- args[i] }
    else if (a == "--render-one") { opts$one <- args[(i + 1):(i + 3)]; i <- i + 3 }
    else if (a %in% c("-h", "--help")) {
      cat(readLines(SELF)[2:15], sep = "\n"); quit(status = 0)
    } else stop("unknown argument: ", a, call. = FALSE)
    i <- i + 1
  }
  opts
}

# ---- downloads: each lesson's Python half as a notebook, its R half as R Markdown ---------------
lesson_pages <- function(pages) pages[basename(pages) != "index.qmd"]

write_downloads <- function(pages, out_dir) {
  lessons <- lesson_pages(pages)
  if (!length(lessons)) return(character())
  # Through reticulate, not a subprocess: a Python started from R inherits R's LD_LIBRARY_PATH
  # and can load Debian's libpython instead of its own (see the environment notes).
  py <- Sys.getenv("RETICULATE_PYTHON")
  if (nzchar(py)) reticulate::use_python(py, required = TRUE)
  builder <- reticulate::import_from_path("lesson_downloads", file.path(ROOT, "tools"))
  unlist(builder$build(as.list(lessons), out_dir))
}

report_downloads <- function(pages, out_dir) {
  files <- tryCatch(write_downloads(pages, out_dir), error = function(e) e)
  if (inherits(files, "error")) {
    cat("FAIL downloads: ", conditionMessage(files), "\n", sep = "")
    return(FALSE)
  }
  if (length(files)) {
    cat(sprintf("downloads: %d notebooks and %d R Markdown files beside the pages\n",
                sum(grepl("\\.ipynb$", files)), sum(grepl("\\.Rmd$", files))))
  }
  TRUE
}

copy_site_resources <- function(out_dir) {
  css <- file.path(ROOT, "docs", "styles.css")
  if (file.exists(css)) file.copy(css, file.path(out_dir, "docs", "styles.css"), overwrite = TRUE)
}

main <- function(args = commandArgs(TRUE)) {
  opts <- parse_args(args)
  set_default_env()
  if (!is.null(opts$one)) {
    render_one(opts$one[1], opts$one[2], opts$one[3])
    return(invisible())
  }
  quarto <- Sys.which("quarto")
  if (!opts$check && !opts$preview && nzchar(quarto) && !length(opts$pages)) {
    message("site: rendering with ", quarto)
    old <- setwd(ROOT); on.exit(setwd(old))
    status <- system2(quarto, "render")
    out <- site_config()$project$`output-dir`
    if (status == 0 && !report_downloads(site_pages(), file.path(ROOT, if (is.null(out)) "_site" else out))) {
      status <- 1
    }
    quit(status = status)
  }

  config <- site_config()
  pages <- if (length(opts$pages)) opts$pages else site_pages(config)
  missing <- pages[!file.exists(file.path(ROOT, pages))]
  if (length(missing)) stop("no such page: ", paste(missing, collapse = ", "), call. = FALSE)
  out_dir <- opts$out
  if (is.null(out_dir)) {
    out_dir <- if (opts$check) file.path(tempdir(), "site-check") else file.path(ROOT, "_site")
  }
  dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)
  out_dir <- normalizePath(out_dir)
  if (!opts$check) {
    message("site: Quarto's CLI was not found, so this is a PREVIEW: each page executed by ",
            "knitr/rmarkdown into ", out_dir, ".\n      For the full site install Quarto ",
            "(https://quarto.org) and run `quarto render` or `make site`.")
  }

  rscript <- file.path(R.home("bin"), "Rscript")
  results <- list()
  total_start <- Sys.time()
  for (page in pages) {
    result_file <- tempfile(fileext = ".rds")
    log_file <- tempfile(fileext = ".log")
    started <- Sys.time()
    code <- system2(rscript, c(shQuote(SELF), "--render-one", shQuote(page), shQuote(out_dir),
                               shQuote(result_file)), stdout = log_file, stderr = log_file)
    wall <- as.numeric(difftime(Sys.time(), started, units = "secs"))
    res <- if (file.exists(result_file)) readRDS(result_file) else
      list(page = page, status = sprintf("the R process exited with status %d", code),
           seconds = NA, expected = expected_figures(page_meta(page)), figures = "", errors = "",
           warnings = 0, slowest = "")
    chk <- check_result(res)
    results[[page]] <- list(res = res, chk = chk, wall = wall)
    cat(sprintf("%-4s %-34s %6.1f s  figures %2d/%-2s  slowest: %s",
                if (chk$ok) "PASS" else "FAIL", page, wall, chk$n_figs,
                if (is.na(chk$expected)) "?" else chk$expected,
                if (is.null(res$slowest)) "" else res$slowest), "\n", sep = "")
    if (!chk$ok) {
      for (p in chk$problems) cat("       - ", p, "\n", sep = "")
      log <- readLines(log_file, warn = FALSE)
      if (length(log)) cat("       last lines of the log:\n", paste0("         ", tail(log, 25), "\n"), sep = "")
    }
  }
  total <- as.numeric(difftime(Sys.time(), total_start, units = "secs"))
  copy_site_resources(out_dir)
  n_ok <- sum(vapply(results, function(r) r$chk$ok, logical(1)))
  n_bad <- length(results) - n_ok
  if (!report_downloads(pages, out_dir)) n_bad <- n_bad + 1
  cat(sprintf("site: %d passed, %d failed (%.1f s)\n", n_ok, n_bad, total))
  if (!opts$check) {
    cat(sprintf("site: preview written to %s/index.html\n", out_dir))
  }
  quit(status = if (n_bad) 1 else 0)
}

if (sys.nframe() == 0L) main()
