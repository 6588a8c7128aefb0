#!/usr/bin/env bash
# R CMD build + R CMD check --as-cran, offline: no CRAN incoming checks, no clock check, and a
# user profile pointing `repos` at an empty local repository (see shared environment notes).
# Passes only when the check ends with "Status: OK".
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
work=$(mktemp -d "${TMPDIR:-/tmp}/learntorch-check.XXXXXX")
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/repo/src/contrib"
: > "$work/repo/src/contrib/PACKAGES"
echo "options(repos = c(CRAN = \"file://$work/repo\"))" > "$work/Rprofile"
export R_PROFILE_USER="$work/Rprofile"
export _R_CHECK_CRAN_INCOMING_REMOTE_=false
export _R_CHECK_SYSTEM_CLOCK_=0
# The tests and examples call Python: the project's venv unless the caller chose another.
export RETICULATE_PYTHON="${RETICULATE_PYTHON:-$ROOT/.venv/bin/python}"
export LEARNTORCH_REQUIRE_PYTHON="${LEARNTORCH_REQUIRE_PYTHON:-1}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

cd "$work"
R CMD build --no-manual "$ROOT" > build.log 2>&1 || { cat build.log; exit 1; }
tarball=$(ls learntorch_*.tar.gz)
status=0
R CMD check --as-cran --no-manual "$tarball" > check.log 2>&1 || status=$?
cat check.log
if [ "$status" -ne 0 ] || ! tail -n 5 check.log | grep -q "^Status: OK"; then
  for log in learntorch.Rcheck/00install.out learntorch.Rcheck/tests/testthat.Rout.fail; do
    [ -f "$log" ] && { echo "---- $log"; tail -n 60 "$log"; }
  done
  echo "check_r: R CMD check did not end with Status: OK" >&2
  exit 1
fi
echo "check_r: Status: OK"
