# Image data from R: the wrappers of python/learntorch/images.py, parity of their numbers with
# Python's, and the ggplot2 image grid drawing exactly the frame it is given.

# skip_if_no_python(), py_eval_lt() and py_frame() come from helper-python.R.

make_tempdir <- function() {
  dir <- tempfile("lt-images-")
  dir.create(dir)
  dir
}

# An IDX file written byte by byte, as MNIST's are: magic 0x0000 08 <ndim>, big-endian dims.
write_idx <- function(path, values, dims) {
  con <- file(path, "wb")
  on.exit(close(con))
  writeBin(as.raw(c(0, 0, 8, length(dims))), con)
  writeBin(as.integer(dims), con, size = 4, endian = "big")
  writeBin(as.raw(values), con)
  path
}

test_that("lt_digits() gives 1797 8x8 grey images in [0, 1] with labels 0-9", {
  skip_if_no_python()
  digits <- lt_digits()
  expect_s3_class(digits, "lt_image_dataset")
  expect_s3_class(digits, "lt_dataset")
  expect_equal(length(digits), 1797L)
  expect_equal(unlist(digits$classes), as.character(0:9))
  frame <- lt_image_frame(digits, n = 2)
  expect_named(frame, c("image", "row", "col", "intensity", "label"))
  expect_equal(nrow(frame), 2 * 64)
  expect_true(all(frame$intensity >= 0 & frame$intensity <= 1))
  expect_type(frame$image, "integer")
  expect_type(frame$label, "integer")
  expect_equal(nrow(as.data.frame(digits)), 1797 * 64)
  expect_output(print(digits), "ImageDataset\\('digits', n=1797")
})

test_that("the image frame has the same numbers in R and Python", {
  skip_if_no_python()
  r_frame <- lt_image_frame(lt_digits(), indices = c(3, 10, 1796), predictions = c(1, 2, 3))
  env <- py_eval_lt("f = lt.image_frame(lt.digits(), indices=[3, 10, 1796], predictions=[1, 2, 3])")
  expect_identical(r_frame, py_frame(env$f))
  expect_equal(unique(r_frame$image), c(3L, 10L, 1796L))
  expect_equal(unique(r_frame$prediction), 1:3)
})

test_that("lt_image_frame() takes R arrays, RGB images and factor labels", {
  skip_if_no_python()
  x <- array(seq(0, 1, length.out = 2 * 3 * 4 * 5), dim = c(2, 3, 4, 5))
  frame <- lt_image_frame(x, labels = factor(c("a", "b")), n = NULL)
  expect_named(frame, c("image", "channel", "row", "col", "intensity", "label"))
  expect_equal(nrow(frame), 2 * 3 * 4 * 5)
  one <- frame[frame$image == 1 & frame$channel == 2 & frame$row == 3 & frame$col == 4, ]
  expect_equal(one$intensity, x[2, 3, 4, 5], tolerance = 1e-6)
  expect_equal(unique(frame$label), 0:1)
  grey <- lt_image_frame(x, grey = TRUE)
  expect_named(grey, c("image", "row", "col", "intensity"))
  expect_error(lt_image_frame(lt_digits(), n = 0), "`n`")
  expect_error(lt_image_frame(lt_digits(), indices = 5000), "`indices` must lie in 0..1796")
  expect_error(lt_image_frame(lt_digits(), predictions = c(1.5, 2)), "`predictions`")
})

test_that("lt_read_idx() reads IDX files and reports broken ones", {
  skip_if_no_python()
  dir <- make_tempdir()
  pixels <- c(0, 255, 128, 64, 1, 2, 3, 4, 5, 6, 7, 8)
  images <- write_idx(file.path(dir, "images"), pixels, c(3, 2, 2))
  labels <- write_idx(file.path(dir, "labels"), c(7, 3, 9), 3)
  ds <- lt_read_idx(images, labels)
  expect_s3_class(ds, "lt_image_dataset")
  frame <- lt_image_frame(ds, n = NULL)
  expect_equal(frame$intensity, pixels / 255, tolerance = 1e-6)
  expect_equal(unique(frame$label), c(7L, 3L, 9L))

  # gzipped, named without .gz: detected by content
  gz <- file.path(dir, "images-gz")
  con <- gzfile(gz, "wb")
  writeBin(readBin(images, "raw", 1000), con)
  close(con)
  expect_equal(length(lt_read_idx(gz, labels)), 3L)

  short <- file.path(dir, "short")
  writeBin(readBin(images, "raw", 1000)[1:20], short)
  expect_error(lt_read_idx(short, labels), "truncated")
  expect_error(lt_read_idx(images, write_idx(file.path(dir, "l2"), c(1, 2), 2)), "3 images but `labels_path` holds 2")
  expect_error(lt_read_idx(labels, images), "swapped")
  bad <- file.path(dir, "bad")
  writeBin(as.raw(c(1, 2, 3, 4, 0, 0, 0, 0)), bad)
  expect_error(lt_read_idx(bad, labels), "not an IDX file")
  expect_error(lt_read_idx(file.path(dir, "absent"), labels), "no such file")
  expect_error(lt_read_idx(c("a", "b"), labels), "`images_path` must be a file path, got a vector or list")
})

test_that("lt_read_cifar10_binary() and the folder readers", {
  skip_if_no_python()
  dir <- make_tempdir()
  record <- function(label, value) as.raw(c(label, rep(value, 3072)))
  batch <- file.path(dir, "test_batch.bin")
  writeBin(c(record(3, 0), record(9, 255)), batch)
  ds <- lt_read_cifar10_binary(batch)
  frame <- lt_image_frame(ds, n = NULL)
  expect_named(frame, c("image", "channel", "row", "col", "intensity", "label"))
  expect_equal(unique(frame$label), c(3L, 9L))
  expect_equal(range(frame$intensity), c(0, 1))
  expect_equal(length(lt_read_cifar10_binary(c(batch, batch))), 4L)
  expect_equal(length(lt_cifar10(dir, train = FALSE)), 2L)
  expect_equal(unlist(ds$classes)[1], "airplane")

  cut <- file.path(dir, "cut.bin")
  writeBin(record(3, 0)[1:3000], cut)
  expect_error(lt_read_cifar10_binary(cut), "not a whole number of 3073-byte")
  err <- expect_error(lt_cifar10(dir), "data_batch_1.bin")
  expect_match(conditionMessage(err), dir, fixed = TRUE)
  expect_error(lt_mnist(dir), "train-images-idx3-ubyte")
  expect_error(lt_fashion_mnist(dir, train = "yes"), "`train` must be TRUE \\(training set\\) or FALSE")

  write_idx(file.path(dir, "t10k-images-idx3-ubyte"), rep(0:255, length.out = 2 * 28 * 28), c(2, 28, 28))
  write_idx(file.path(dir, "t10k-labels-idx1-ubyte"), c(1, 9), 2)
  fashion <- lt_fashion_mnist(dir, train = FALSE)
  expect_equal(unlist(fashion$classes)[10], "Ankle boot")
  expect_equal(length(lt_mnist(dir, train = FALSE)), 2L)
})

test_that("softmax regression and the ConvNet reach their digits targets from R, as in Python", {
  skip_if_no_python()
  parts <- lt_train_val_split(lt_digits(), fraction = 0.2, seed = 0)
  lt_seed(0)
  softmax <- lt_softmax_regression(64, 10)
  history <- lt_fit(softmax, parts$train, epochs = 30, batch_size = 32, optimizer = "adam", lr = 0.01,
                    valid = parts$valid, seed = 0)
  frame <- as.data.frame(history)
  accuracy <- frame$value[frame$split == "valid" & frame$metric == "accuracy"]
  expect_gte(accuracy[length(accuracy)], 0.90)

  # The same run in Python gives the same numbers.
  env <- py_eval_lt(paste(
    "tr, va = lt.train_val_split(lt.digits(), 0.2, seed=0)",
    "lt.seed_everything(0)",
    "m = lt.SoftmaxRegression(64, 10)",
    "h = lt.fit(m, tr, valid=va, epochs=30, batch_size=32, optimizer='adam', lr=0.01, seed=0)",
    "acc = h['valid_accuracy']",
    sep = "\n"
  ))
  expect_equal(accuracy, unlist(py_value(env$acc)), tolerance = 1e-6)

  lt_seed(0)
  conv <- lt_conv_net(in_channels = 1, num_classes = 10, image_size = 8, width = 16)
  history <- lt_fit(conv, parts$train, epochs = 20, batch_size = 32, optimizer = "adam", lr = 0.002,
                    valid = parts$valid, seed = 0)
  frame <- as.data.frame(history)
  accuracy <- frame$value[frame$split == "valid" & frame$metric == "accuracy"]
  expect_gte(accuracy[length(accuracy)], 0.96)

  images <- lt_image_frame(parts$valid, predictions = conv, n = 8)
  expect_named(images, c("image", "row", "col", "intensity", "label", "prediction"))
  confusion <- lt_confusion_matrix(conv, parts$valid)  # every class of the model: 10 x 10
  expect_equal(nrow(confusion), 100L)
  expect_equal(sum(confusion$count), 359)
})

test_that("lt_plot_images() draws exactly the frame, with titles and red misclassified panels", {
  frame <- expand.grid(col = 0:7, row = 0:7, image = c(4L, 2L, 9L))[, c("image", "row", "col")]
  frame$intensity <- (frame$row * 8 + frame$col) / 63
  frame$label <- c(4L, 2L, 9L)[match(frame$image, c(4L, 2L, 9L))]
  frame$prediction <- c(4L, 7L, 9L)[match(frame$image, c(4L, 2L, 9L))]
  p <- lt_plot_images(frame, ncol = 2)
  expect_s3_class(p, "ggplot")
  expect_identical(p$data, frame)

  panels <- lt_image_panels(frame)
  expect_equal(panels$image, c(4L, 2L, 9L))
  expect_equal(panels$title, c("true: 4\npred: 4", "true: 2\npred: 7", "true: 9\npred: 9"))
  expect_equal(panels$misclassified, c(FALSE, TRUE, FALSE))

  built <- ggplot2::ggplot_build(p)
  pixels <- built$data[[1]]
  expect_equal(nrow(pixels), nrow(frame))
  # Facets in order of first appearance; grey levels as matplotlib's 256-entry "gray" table.
  expect_equal(as.integer(pixels$PANEL), match(frame$image, c(4L, 2L, 9L)))
  level <- pmin(floor(frame$intensity * 256), 255)
  expect_equal(pixels$fill, grDevices::rgb(level, level, level, maxColorValue = 255))
  expect_equal(pixels$y, -frame$row)
  frames <- built$data[[2]]
  expect_equal(frames$colour, c("black", "#d62728", "black"))
  titles <- built$data[[3]]
  expect_equal(titles$label, panels$title)
  expect_equal(titles$colour, c("black", "#d62728", "black"))
  expect_equal(built$layout$layout$ROW, c(1, 1, 2))

  # Label names, and labels only
  named <- lt_image_panels(frame[, c("image", "row", "col", "intensity", "label")], classes = letters)
  expect_equal(named$title, c("e", "c", "j"))
  expect_error(lt_plot_images(frame, ncol = 0), "`ncol`")
  expect_error(lt_plot_images(frame[, 1:3]), "lacks the column")
})

test_that("lt_plot_images() draws colour frames in RGB and scales values outside [0, 1]", {
  frame <- expand.grid(col = 0:1, row = 0:1, channel = 0:2, image = 0L)[, c("image", "channel", "row", "col")]
  frame$intensity <- ifelse(frame$channel == 0, 1, 0)
  built <- ggplot2::ggplot_build(lt_plot_images(frame))
  expect_equal(unique(built$data[[1]]$fill), "#FF0000")
  expect_equal(nrow(built$data[[1]]), 4)

  wide <- data.frame(image = 0L, row = c(0L, 0L), col = 0:1, intensity = c(-1, 3))
  expect_equal(ggplot2::ggplot_build(lt_plot_images(wide))$data[[1]]$fill, c("#000000", "#FFFFFF"))
})

test_that("the ggplot twin of a Python frame draws that frame", {
  skip_if_no_python()
  frame <- lt_image_frame(lt_digits(), n = 6, predictions = c(0, 1, 2, 3, 4, 0))
  p <- lt_plot_images(frame, ncol = 3)
  expect_identical(p$data, frame)
  expect_equal(lt_image_panels(frame)$misclassified, c(rep(FALSE, 5), TRUE))
  expect_s3_class(ggplot2::autoplot(lt_digits(), n = 4), "ggplot")
})
