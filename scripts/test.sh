#!/usr/bin/env bash
# Installs what is missing, checks formatting, builds and runs every test layer.
#
#   scripts/test.sh                 all layers: unit, integration, e2e
#   scripts/test.sh -L unit         one layer (any ctest -L expression)
#   scripts/test.sh --sanitize      the same in an ASan+UBSan build (build-asan/)
#   scripts/test.sh --tidy          also run clang-tidy over the sources
#
# Tests start their own redis-server and dockerd on private sockets and stop them by pid.
# Exits non-zero on the first failing step.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

label=""
sanitize=OFF
tidy=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    -L) label="$2"; shift 2 ;;
    --sanitize) sanitize=ON; shift ;;
    --tidy) tidy=1; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown option '$1'; see scripts/test.sh --help" >&2; exit 2 ;;
  esac
done

scripts/setup.sh

sources=$(git ls-files --cached --others --exclude-standard '*.cc' '*.h' | while read -r f; do [[ -f $f ]] && echo "$f"; done)

echo "== format check"
# shellcheck disable=SC2086
clang-format --dry-run --Werror $sources

build_dir=build
[[ $sanitize == ON ]] && build_dir=build-asan

echo "== build ($build_dir)"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRAICTL_SANITIZE=$sanitize >/dev/null
cmake --build "$build_dir" -j"$(nproc)"

if [[ $tidy -eq 1 ]]; then
  echo "== clang-tidy"
  # shellcheck disable=SC2086
  echo $sources | tr ' ' '\n' | grep '\.cc$' | xargs -P"$(nproc)" -n4 clang-tidy -p "$build_dir" --quiet
fi

echo "== tests"
ctest_args=(--test-dir "$build_dir" --output-on-failure --no-tests=error)
[[ -n $label ]] && ctest_args+=(-L "$label")
ctest "${ctest_args[@]}"
