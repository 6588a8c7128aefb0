# R CMD check runs this file; tools/run_testthat.R runs the same tests on the installed package.
library(testthat)
library(learntorch)

test_check("learntorch")
