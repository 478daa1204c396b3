#!/usr/bin/env bash
# Packs the package as npm would publish it and checks the tarball with
# publint and @arethetypeswrong/cli (ESM + CJS types resolve for every entry).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
tarball=$(npm pack --silent --pack-destination "$out" | tail -1)
npx publint run "$out/$tarball" --strict
npx attw "$out/$tarball" --profile node16
