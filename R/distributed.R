# lt_launch(): a data-parallel run on several processes, started from R. Python's
# learntorch.launch() starts the processes (torch.multiprocessing) and runs the work; R converts
# the arguments and the result.

#' Train on several processes (data-parallel)
#'
#' Runs a Python function, or a Python script, in `nprocs` processes that form one distributed
#' run on this machine, as Python's `learntorch.launch()` does (torch.distributed: gloo on the
#' CPU, one GPU per process where there are enough). `learntorch.fit()` inside it trains
#' data-parallel: each process takes its share of every batch, `batch_size` is the global batch,
#' and the weights and history are those of one process training alone. Only the first process
#' (rank 0) writes checkpoints and logs; its return value is returned here.
#'
#' The processes are Python processes: `fn` cannot be an R function. Define the work in Python,
#' for example with [reticulate::py_run_string()] (such a function travels to the processes with
#' the values it uses), or write it in a script; from the shell, the same script runs under
#' `torchrun --nproc_per_node=N script.py`.
#'
#' A process that fails stops the run, and its Python error is raised here. An interrupt of the
#' session (SIGINT, as Ctrl-C in a terminal sends) stops every process at the same step, the next,
#' and the training history so far is returned.
#'
#' @param fn A Python function (a reticulate Python object), or the path of a Python script,
#'   run as `__main__` with `args` as its command-line arguments.
#' @param nprocs Number of processes.
#' @param args The function's positional arguments (a list), or the script's command-line
#'   arguments (a character vector).
#' @param kwargs The function's named arguments (a named list), or `NULL`.
#' @param timeout Seconds a process may wait for the others in a collective operation before
#'   the run fails.
#' @return The first process's return value, converted to R; a training history keeps class
#'   `lt_history`. `NULL` for a script.
#' @family training
#' @export
#' @examplesIf lt_python_available() && interactive()
#' reticulate::py_run_string("
#' def train(epochs):
#'     import learntorch as lt, torch
#'     torch.manual_seed(0)
#'     model = lt.MLP(2, (8,), 1)
#'     return lt.fit(model, lt.continuous_xor(1000, seed=1), epochs=epochs, batch_size=64, seed=0)
#' ")
#' history <- lt_launch(reticulate::py$train, nprocs = 2, args = list(5))
#' as.data.frame(history)
lt_launch <- function(fn, nprocs = 2, args = list(), kwargs = NULL, timeout = 300) {
  if (is.function(fn) && !inherits(fn, "python.builtin.object")) {
    abort("`fn` must be a Python function or the path of a Python script, not an R function: the ",
          "processes run Python. Define it with reticulate::py_run_string(), or write a script.")
  }
  if (!inherits(fn, "python.builtin.object")) fn <- as_path(fn, "fn")
  nprocs <- as_whole(nprocs, "nprocs")
  if (!is.null(args) && !is.list(args) && !is.atomic(args)) {
    abort("`args` must be a list of arguments or a character vector, not ", describe(args), ".")
  }
  if (!is.null(kwargs) && (!is.list(kwargs) || (length(kwargs) && (is.null(names(kwargs)) ||
                                                                    any(names(kwargs) == ""))))) {
    abort("`kwargs` must be a named list or NULL, not ", describe(kwargs), ".")
  }
  if (!length(kwargs)) kwargs <- NULL  # list() would reach Python as a list, not a dict
  timeout <- as_number(timeout, "timeout")
  lt <- lt_py()
  result <- py_try(lt$launch(fn, nprocs = nprocs, args = as.list(args), kwargs = kwargs, timeout = timeout))
  if (inherits(result, "learntorch.training.history.History")) with_class(result, "lt_history") else result
}
