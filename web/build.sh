#!/usr/bin/env bash
# Builds the browser SDK's wasm module into web/pkg/: tandem-web for wasm32-unknown-unknown
# (release), then wasm-bindgen's JavaScript glue (`--target web`, an ES module). Installs
# the wasm32 target and wasm-bindgen-cli (the exact version of the crate's wasm-bindgen, with
# `cargo install --locked`) if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown
version=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"$/\1/p' crates/tandem-web/Cargo.toml)
if [ -z "$version" ]; then
    echo "web/build.sh: no pinned wasm-bindgen version in crates/tandem-web/Cargo.toml" >&2
    exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$version" ]; then
    cargo install wasm-bindgen-cli --locked --version "$version"
fi
cargo build -p tandem-web --target wasm32-unknown-unknown --release
rm -rf web/pkg
wasm-bindgen --target web --no-typescript --out-dir web/pkg \
    target/wasm32-unknown-unknown/release/tandem_web.wasm
printf 'web/pkg: %s bytes of wasm (%s gzip -9)\n' \
    "$(wc -c <web/pkg/tandem_web_bg.wasm)" "$(gzip -9 -c web/pkg/tandem_web_bg.wasm | wc -c)"
