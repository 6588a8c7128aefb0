# Checkpoints: files that carry the model's class and arguments with its weights, so that
# lt_load() rebuilds the model in R or Python without re-declaring it.

#' Save and load models
#'
#' `lt_save()` writes the model's weights, how to rebuild it (class and constructor arguments,
#' when they can be recorded), what a fit learned (task, class labels), library versions and
#' any metadata to `path` (atomically: the file appears complete or not at all). Any torch
#' `nn.Module` can be saved.
#' `lt_load()` rebuilds the model from such a file, in eval mode, or loads the weights into
#' `model`. The files are the same as Python's `learntorch.save()` / `learntorch.load()` write
#' and read, and are loaded with `weights_only=True`: a file carrying pickled code is refused,
#' and a class the file names is only looked up (in torch.nn, learntorch, or a Python module
#' already imported), never imported.
#'
#' @param model `lt_save()`: the model, a learntorch model or any torch `nn.Module`.
#'   `lt_load()`: `NULL` to rebuild the model from the file, or a model of the same
#'   architecture to load the weights into (needed when the file could not record the
#'   constructor arguments).
#' @param path File path.
#' @param ... Metadata to store: named numbers, strings, or lists of them.
#' @param device Where to put the loaded model: `NULL` (the CPU), "auto", "cpu", "cuda", ...
#' @param allow_nonfinite `lt_load()` refuses weights holding `NaN` or infinite values (a
#'   diverged run saved by mistake); `TRUE` loads them anyway, with a warning.
#' @return `lt_save()`: `path`, invisibly. `lt_load()`: a learntorch model.
#'   `lt_read_checkpoint()`: a list with `class`, `config`, `state_dict` (R arrays),
#'   `metadata` and `versions`.
#' @family checkpoints
#' @export
#' @examplesIf lt_python_available()
#' model <- lt_simple_classifier(2, 4, 1)
#' path <- tempfile(fileext = ".pt")
#' lt_save(model, path, note = "untrained")
#' again <- lt_load(path)
#' lt_read_checkpoint(path)$metadata
#' unlink(path)
lt_save <- function(model, path, ...) {
  check_model(model)
  path <- as_path(path, "path")
  metadata <- list(...)
  if (length(metadata) && (is.null(names(metadata)) || any(names(metadata) == ""))) {
    abort("metadata in `...` must be named, e.g. lt_save(model, path, epochs = 100).")
  }
  lt <- lt_raw()
  py_try(do.call(lt$save, c(list(model, path), metadata)))
  invisible(path)
}

#' @rdname lt_save
#' @export
lt_load <- function(path, device = NULL, model = NULL, allow_nonfinite = FALSE) {
  path <- as_path(path, "path")
  device <- as_string_or_object(device, "device")
  if (!is.null(model)) check_model(model)
  allow_nonfinite <- as_flag(allow_nonfinite, "allow_nonfinite")
  lt <- lt_py()
  new_model(py_try(lt$load(path, device = device, model = model, allow_nonfinite = allow_nonfinite)))
}

#' @rdname lt_save
#' @export
lt_read_checkpoint <- function(path) {
  path <- as_path(path, "path")
  lt <- lt_raw()
  payload <- py_try(lt$read_checkpoint(path))
  state <- reticulate::py_get_item(payload, "state_dict")
  keys <- unlist(reticulate::py_to_r(lt_raw_builtins()$list(state$keys())))
  tensors <- lapply(stats::setNames(nm = keys),
                    function(key) tensor_to_r(reticulate::py_get_item(state, key)))
  fields <- c("format", "format_version", "class", "config", "metadata", "versions")
  out <- lapply(stats::setNames(nm = fields),
                function(key) reticulate::py_to_r(reticulate::py_get_item(payload, key)))
  out$state_dict <- tensors
  out
}
