# Model constructors: the Python classes in snake_case, with their argument names.

new_model <- function(x) with_class(x, "lt_model")

#' The XOR tutorial's classifier
#'
#' Linear -> activation -> Linear, returning logits (the losses apply the sigmoid).
#'
#' @param num_inputs,num_hidden,num_outputs Layer widths.
#' @param activation Name of the activation: "tanh", "relu", "sigmoid", "gelu",
#'   "leaky_relu", "elu" or "identity".
#' @return A learntorch model (class `lt_model`): a torch `nn.Module` with `print()` and
#'   `predict()` methods. Call it on a tensor, or use [lt_predict()].
#' @family models
#' @export
#' @examplesIf lt_python_available()
#' lt_seed(42)
#' model <- lt_simple_classifier(2, 4, 1)
#' model
lt_simple_classifier <- function(num_inputs = 2, num_hidden = 4, num_outputs = 1,
                                 activation = "tanh") {
  args <- list(num_inputs = as_count(num_inputs, "num_inputs"),
               num_hidden = as_count(num_hidden, "num_hidden"),
               num_outputs = as_count(num_outputs, "num_outputs"),
               activation = as_string(activation, "activation"))
  lt <- lt_py()
  new_model(py_try(do.call(lt$SimpleClassifier, args)))
}

#' Linear, logistic and softmax regression
#'
#' One linear layer: `lt_linear_regression()` predicts values, `lt_logistic_regression()` one
#' logit (a Bernoulli label), `lt_softmax_regression()` one logit per class.
#'
#' @param in_features Number of input features (pixels for images).
#' @param out_features Number of outputs.
#' @param num_classes Number of classes.
#' @return A learntorch model.
#' @family models
#' @export
#' @examplesIf lt_python_available()
#' lt_linear_regression(3, 2)
#' lt_logistic_regression(2)
#' lt_softmax_regression(64, 10)
lt_linear_regression <- function(in_features, out_features = 1) {
  in_features <- as_count(in_features, "in_features")
  out_features <- as_count(out_features, "out_features")
  lt <- lt_py()
  new_model(py_try(lt$LinearRegression(in_features, out_features)))
}

#' @rdname lt_linear_regression
#' @export
lt_logistic_regression <- function(in_features) {
  in_features <- as_count(in_features, "in_features")
  lt <- lt_py()
  new_model(py_try(lt$LogisticRegression(in_features)))
}

#' @rdname lt_linear_regression
#' @export
lt_softmax_regression <- function(in_features, num_classes) {
  in_features <- as_count(in_features, "in_features")
  num_classes <- as_count(num_classes, "num_classes")
  lt <- lt_py()
  new_model(py_try(lt$SoftmaxRegression(in_features, num_classes)))
}

#' A multi-layer perceptron
#'
#' Fully connected layers with an activation between them; image batches are flattened.
#'
#' @inheritParams lt_linear_regression
#' @inheritParams lt_simple_classifier
#' @param hidden Widths of the hidden layers, e.g. `c(500, 500)`.
#' @param task `"classification"` (outputs are logits) or `"regression"`.
#' @return A learntorch model.
#' @family models
#' @export
#' @examplesIf lt_python_available()
#' lt_mlp(2, hidden = c(16, 16), out_features = 1)
lt_mlp <- function(in_features, hidden = c(500, 500), out_features = 1, activation = "relu",
                   task = "classification") {
  in_features <- as_count(in_features, "in_features")
  hidden <- if (is.numeric(hidden)) lapply(hidden, as_whole) else hidden
  out_features <- as_count(out_features, "out_features")
  activation <- as_string(activation, "activation")
  task <- as_string(task, "task")
  lt <- lt_py()
  new_model(py_try(lt$MLP(in_features, hidden = hidden, out_features = out_features,
                          activation = activation, task = task)))
}

#' The tutorial's convolutional network
#'
#' Blocks of Conv-ReLU-Conv-ReLU-MaxPool (three for 32x32 and 28x28 images, two for 8x8),
#' then a small classifier head; channels double per block.
#'
#' @param in_channels Colour channels of the images.
#' @param num_classes Number of classes.
#' @param image_size Side of the square images in pixels (at least 4).
#' @param width Channels of the first block.
#' @return A learntorch model.
#' @family models
#' @export
#' @examplesIf lt_python_available()
#' lt_conv_net(in_channels = 1, num_classes = 10, image_size = 8, width = 8)
lt_conv_net <- function(in_channels = 3, num_classes = 10, image_size = 32, width = 32) {
  args <- list(in_channels = as_count(in_channels, "in_channels"),
               num_classes = as_count(num_classes, "num_classes"),
               image_size = as_count(image_size, "image_size"),
               width = as_count(width, "width"))
  lt <- lt_py()
  new_model(py_try(do.call(lt$ConvNet, args)))
}
