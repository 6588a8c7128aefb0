# Image data sets, mirroring python/learntorch/images.py: scikit-learn's 8x8 digits, and readers
# for MNIST / Fashion-MNIST IDX files and CIFAR-10's binary batches. Nothing is downloaded.
# The image frame's numbers are 0-based (image, row, col, channel, labels), as in Python, so
# that the frame is the same in both languages.

new_image_dataset <- function(x) with_class(x, c("lt_image_dataset", "lt_dataset"))

#' The 8x8 handwritten digits
#'
#' scikit-learn's bundled digits (1797 images, 10 classes), read without any download, as an
#' image dataset: `x` is 1797 x 1 x 8 x 8 in \[0, 1\] (grey levels 0-16 divided by 16) and the
#' labels are 0-9. The Python side needs scikit-learn.
#'
#' @return A learntorch image dataset (class `lt_image_dataset`, also an `lt_dataset`): use it
#'   with [lt_train_val_split()], `lt_fit()`, `as.data.frame()` (the tidy image frame, see
#'   [lt_image_frame()]) and `autoplot()` (an image grid, see [lt_plot_images()]). `ds$classes`
#'   names the classes.
#' @family images
#' @export
#' @examplesIf lt_python_available()
#' digits <- lt_digits()
#' digits
#' head(lt_image_frame(digits, n = 2))
lt_digits <- function() {
  lt <- lt_py()
  new_image_dataset(py_try(lt$digits()))
}

#' Read MNIST-style IDX files
#'
#' Reads a pair of IDX files, gzipped or not: an images file (unsigned bytes, 3 dimensions,
#' magic number 0x00000803) and a labels file (unsigned bytes, 1 dimension, 0x00000801) with as
#' many labels as images, as MNIST and Fashion-MNIST ship them. The header is checked against
#' the file length, so wrong, truncated or mismatched files stop with an error that says which.
#'
#' @param images_path,labels_path Paths of the images and labels files.
#' @return A learntorch image dataset, `x` N x 1 x H x W in \[0, 1\] (bytes divided by 255).
#' @family images
#' @export
#' @examplesIf lt_python_available()
#' dir <- tempfile()
#' dir.create(dir)
#' con <- file(file.path(dir, "images"), "wb")
#' writeBin(as.raw(c(0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2)), con)
#' writeBin(as.raw(c(0, 255, 128, 64, 1, 2, 3, 4)), con)
#' close(con)
#' writeBin(as.raw(c(0, 0, 8, 1, 0, 0, 0, 2, 7, 3)), file.path(dir, "labels"))
#' lt_read_idx(file.path(dir, "images"), file.path(dir, "labels"))
lt_read_idx <- function(images_path, labels_path) {
  images_path <- as_path(images_path, "images_path")
  labels_path <- as_path(labels_path, "labels_path")
  lt <- lt_py()
  new_image_dataset(py_try(lt$read_idx(images_path, labels_path)))
}

#' Read CIFAR-10 binary batches
#'
#' Reads files of CIFAR-10's *binary* version (`data_batch_1.bin`, ..., `test_batch.bin`; also
#' gzipped): records of one label byte (0-9) and 3072 pixel bytes (the 32 x 32 red, green and
#' blue planes). The Python-pickle version is refused, because unpickling a file runs code.
#'
#' @param path One path, or a character vector of paths read in order.
#' @return A learntorch image dataset, `x` N x 3 x 32 x 32 in \[0, 1\].
#' @family images
#' @export
#' @examplesIf lt_python_available()
#' path <- tempfile(fileext = ".bin")
#' writeBin(as.raw(c(3, rep(0:255, 12))), path)
#' lt_read_cifar10_binary(path)
lt_read_cifar10_binary <- function(path) {
  # Several paths as a Python list; one as a string; anything else is Python's to refuse.
  paths <- if (is.character(path) && length(path) > 1) as.list(path.expand(path)) else as_path(path)
  lt <- lt_py()
  new_image_dataset(py_try(lt$read_cifar10_binary(paths)))
}

#' MNIST, Fashion-MNIST and CIFAR-10 from a folder you have
#'
#' Read the standard files from `root` (or from torchvision's layout below it); nothing is
#' downloaded. When a file is missing, the error names the folder and the files expected there.
#'
#' * `lt_mnist()` and `lt_fashion_mnist()`: `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`
#'   (training set) or `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte` (test set), each
#'   possibly ending in `.gz`; also looked for in `root/MNIST/raw` or `root/FashionMNIST/raw`.
#' * `lt_cifar10()`: `data_batch_1.bin` ... `data_batch_5.bin` or `test_batch.bin` from the
#'   binary version, in `root` or `root/cifar-10-batches-bin`.
#'
#' @param root The folder holding the files.
#' @param train `TRUE` for the training set, `FALSE` for the test set.
#' @return A learntorch image dataset; `$classes` holds the class names (e.g. "T-shirt/top" or
#'   "airplane").
#' @family images
#' @export
#' @examplesIf lt_python_available()
#' try(lt_mnist(tempdir()))
lt_mnist <- function(root, train = TRUE) {
  image_folder("mnist", root, train)
}

#' @rdname lt_mnist
#' @export
lt_fashion_mnist <- function(root, train = TRUE) {
  image_folder("fashion_mnist", root, train)
}

#' @rdname lt_mnist
#' @export
lt_cifar10 <- function(root, train = TRUE) {
  image_folder("cifar10", root, train)
}

image_folder <- function(reader, root, train, call = sys.call(-1)) {
  root <- as_path(root, "root", call = call)
  train <- as_flag(train, "train", call = call)
  lt <- lt_py()
  new_image_dataset(py_try(lt[[reader]](root, train = train), call = call))
}

#' The tidy image frame
#'
#' One row per pixel of the chosen images: `image` (the image's 0-based index in `data`),
#' `row` and `col` (0-based, from the top-left pixel), `intensity`, `label` (when known) and
#' `prediction` (when given). Colour images also get a `channel` column (0 = red, 1 = green,
#' 2 = blue) unless `grey = TRUE` turns them into grey levels. The same frame as Python's
#' `image_frame()`; draw it with [lt_plot_images()].
#'
#' @param data An image dataset ([lt_digits()], [lt_read_idx()], ...), or an array of images
#'   (N x C x H x W, N x H x W, or an N x (H * W) matrix of square grey images).
#' @param labels Optional labels, one per image of `data` or per chosen image; by default the
#'   dataset's labels.
#' @param predictions Optional predicted labels (one per image of `data` or per chosen image),
#'   a matrix of class scores (one row per image), or a learntorch model, which is run on the
#'   chosen images.
#' @param n Number of images to take from the start, `NULL` for all.
#' @param indices 0-based indices of the images to take (as in the `image` column), instead of
#'   the first `n`.
#' @param grey Turn colour images into grey levels (luma 0.299 R + 0.587 G + 0.114 B)?
#' @return A data.frame.
#' @family images
#' @export
#' @examplesIf lt_python_available()
#' frame <- lt_image_frame(lt_digits(), n = 4)
#' head(frame)
#' lt_plot_images(frame)
lt_image_frame <- function(data, labels = NULL, predictions = NULL, n = 16, indices = NULL, grey = FALSE) {
  if (!inherits(data, "python.builtin.object")) {
    data <- as_tensor(data, "data")
  }
  n <- as_count(n, "n")
  grey <- as_flag(grey, "grey")
  labels <- as_label_values(labels, "labels")
  predictions <- as_label_values(predictions, "predictions")
  if (is.numeric(indices)) indices <- lapply(indices, as_whole)
  lt <- lt_raw()
  frame <- py_try(lt$image_frame(data, labels = labels, predictions = predictions, n = n,
                                 indices = indices, grey = grey))
  frame_to_df(frame)
}

# Labels or predictions for Python: NULL, a model or tensor passed through, a vector of whole
# numbers (factors as 0-based codes), or a matrix of scores (one row per image).
as_label_values <- function(x, name, call = sys.call(-1)) {
  if (is.null(x) || inherits(x, "python.builtin.object")) return(x)
  if (is.matrix(x) && is.numeric(x)) return(as_tensor(x, name, call = call))
  x <- as_labels(x)
  whole <- is.numeric(x) && !anyNA(x) && all(x == round(x))
  # Whole numbers as int64 labels; anything else as it is, for Python to accept or refuse.
  if (whole) as_tensor(as.integer(x), name, dtype = "int64", call = call) else as_py_vector(x)
}

#' @rdname lt_image_frame
#' @param x An image dataset.
#' @param row.names,optional Ignored; for compatibility with the generic.
#' @param ... Passed on to `lt_image_frame()` (`n`, `predictions`, `indices`, `grey`).
#' @details `as.data.frame()` of an image dataset gives the image frame of all its images
#'   (`n = NULL`) unless told otherwise.
#' @export
as.data.frame.lt_image_dataset <- function(x, row.names = NULL, optional = FALSE, n = NULL, ...) {
  lt_image_frame(x, n = n, ...)
}

#' @export
print.lt_image_dataset <- function(x, ...) {
  check_alive(x, "x")
  cat("<lt_image_dataset> ", reticulate::py_str(x), "\n", sep = "")
  invisible(x)
}

#' Plot an image dataset with ggplot2
#'
#' `autoplot()` of an image dataset draws its first `n` images with their labels (see
#' [lt_plot_images()]), naming the classes by the dataset's `classes`.
#'
#' @param object An image dataset ([lt_digits()], [lt_mnist()], ...).
#' @param n Number of images.
#' @param predictions Optional predictions or a model, as for [lt_image_frame()].
#' @param ... Passed on to [lt_plot_images()] (`ncol`, `title`).
#' @return A ggplot object.
#' @family images
#' @export
#' @examplesIf lt_python_available()
#' ggplot2::autoplot(lt_digits(), n = 8)
autoplot.lt_image_dataset <- function(object, n = 16, predictions = NULL, ...) {
  frame <- lt_image_frame(object, n = n, predictions = predictions)
  classes <- reticulate::py_to_r(reticulate::py_get_attr(object, "classes"))
  lt_plot_images(frame, classes = unlist(classes), ...)
}
