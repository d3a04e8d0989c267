#!/usr/bin/env bash
# Builds the libFuzzer target over the model-file readers with swiftc directly (no SwiftPM):
# ModelFiles (Foundation only) is compiled as one module (-sanitize=fuzzer,address) into
# .build/fuzz/modules, then linked with fuzz/ModelFilesFuzz.swift.
# Output: .build/fuzz/model-files-fuzz
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFTC=${SWIFTC:-swiftc}
OUT=.build/fuzz
MOD=$OUT/modules
mkdir -p "$MOD"
# -O (not the package's -Ounchecked) so overflow and bounds checks still trap under the fuzzer.
FLAGS=(-sanitize=fuzzer,address -parse-as-library -O -swift-version 5 -g -I "$MOD")

echo "swiftc: module ModelFiles"
"$SWIFTC" "${FLAGS[@]}" -module-name ModelFiles -whole-module-optimization \
    -emit-module -emit-module-path "$MOD/ModelFiles.swiftmodule" -c Sources/ModelFiles/*.swift -o "$MOD/ModelFiles.o"

# lld: gold prints hundreds of harmless "Cannot export local symbol __asan_*" warnings.
echo "swiftc: link $OUT/model-files-fuzz"
"$SWIFTC" "${FLAGS[@]}" -module-name ModelFilesFuzz fuzz/ModelFilesFuzz.swift \
    "$MOD/ModelFiles.o" -use-ld=lld -o "$OUT/model-files-fuzz"
echo "built $OUT/model-files-fuzz"
