"""Reading and downloading the MNIST data set."""
