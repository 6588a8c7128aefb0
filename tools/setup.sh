#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: R from Debian, a Python venv at .venv with the
# pinned development dependencies, a second venv at .venv-latest with current numpy and pandas
# (what Python users have), and the R package installed into .r-lib.
# Quick when already done: each step checks before it works.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
what="${1:-all}"   # all | python | python-latest | r

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# libopenblas0-pthread: R loads the system BLAS before Python starts, and torch's sgemm calls then
# resolve to it; with Debian's reference BLAS a 1024x1024 matmul from R ran at 7.6 GFLOP/s
# against 67 in plain Python; with OpenBLAS R reaches about 100.
R_DEBS="r-base-core r-base-dev r-cran-reticulate r-cran-ggplot2 r-cran-testthat r-cran-knitr \
r-cran-rmarkdown r-cran-roxygen2 r-cran-png r-cran-nnet r-cran-cli r-cran-rlang r-cran-tibble \
r-cran-hardhat r-cran-generics r-cran-vdiffr r-cran-withr pandoc libopenblas0-pthread"

apt_r() {
  missing=""
  for p in $R_DEBS; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    echo "setup: installing Debian packages:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
}

python_env() {
  if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    python3 -m venv .venv
  fi
  # Re-install only when the requirements changed since the last successful install.
  stamp=.venv/.learntorch-setup
  want=$(cat pyproject.toml constraints.txt tools/setup.sh | sha1sum | cut -d' ' -f1)
  if [ "$(cat $stamp 2>/dev/null)" != "$want" ]; then
    echo "setup: installing Python dependencies into .venv"
    .venv/bin/pip install -q --disable-pip-version-check -c constraints.txt \
      torch==2.13.0 "numpy<2" "pandas<3" matplotlib tqdm scikit-learn pytest rpy2==3.5.17 hypothesis nbformat nbclient ipykernel
    .venv/bin/pip install -q --disable-pip-version-check -c constraints.txt --no-deps -e .
    echo "$want" > $stamp
  fi
}

# .venv pins numpy<2 / pandas<3 for Debian's reticulate; Python users have numpy 2 and pandas 3,
# so the Python suite also runs here (make test-python-latest). No rpy2: its tests skip.
python_latest_env() {
  if [ ! -x .venv-latest/bin/python ]; then
    echo "setup: creating .venv-latest"
    python3 -m venv .venv-latest
  fi
  stamp=.venv-latest/.learntorch-setup
  want=$(cat pyproject.toml tools/latest-constraints.txt tools/setup.sh | sha1sum | cut -d' ' -f1)
  if [ "$(cat $stamp 2>/dev/null)" != "$want" ]; then
    echo "setup: installing Python dependencies into .venv-latest (numpy 2, pandas 3)"
    .venv-latest/bin/pip install -q --disable-pip-version-check -c tools/latest-constraints.txt \
      torch==2.13.0 "numpy>=2" "pandas>=3" matplotlib tqdm scikit-learn pytest hypothesis
    .venv-latest/bin/pip install -q --disable-pip-version-check -c tools/latest-constraints.txt \
      --no-deps -e .
    echo "$want" > $stamp
  fi
}

r_package() {
  mkdir -p .r-lib
  # roxygen2 regenerates NAMESPACE and man/ from the R sources, then the package installs.
  Rscript -e 'roxygen2::roxygenise(".", roclets = c("rd", "namespace"))' >/dev/null 2>&1 || \
    Rscript -e 'roxygen2::roxygenise(".", roclets = c("rd", "namespace"))'
  # flock: two set-ups at once (parallel make, a second terminal) would collide on R's lock dir.
  log=$(mktemp)
  flock .r-lib/.setup.lock R CMD INSTALL --no-test-load --library=.r-lib . >"$log" 2>&1 || {
    cat "$log"; exit 1; }
  rm -f "$log"
}

case "$what" in
  python) python_env ;;
  python-latest) python_latest_env ;;
  r) apt_r; r_package ;;
  all) apt_r; python_env; python_latest_env; r_package ;;
  *) echo "usage: tools/setup.sh [all|python|python-latest|r]"; exit 2 ;;
esac
