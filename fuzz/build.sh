#!/usr/bin/env bash
# Builds the libFuzzer target over the Wire decoders with swiftc directly (no SwiftPM):
# Completions, Verifier and Wire are compiled as separate modules (CCRC32C with clang) (one object each, instrumented
# with -sanitize=fuzzer,address) into .build/fuzz/modules, then linked with fuzz/WireFuzz.swift.
# Output: .build/fuzz/wire-fuzz
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFTC=${SWIFTC:-swiftc}
OUT=.build/fuzz
MOD=$OUT/modules
mkdir -p "$MOD"
# -O (not the package's -Ounchecked) so overflow and bounds checks still trap under the fuzzer.
FLAGS=(-sanitize=fuzzer,address -parse-as-library -O -swift-version 5 -g -I "$MOD" -I Sources/CLZ4 -I Sources/CCRC32C/include)

module() {  # module NAME SOURCES...
    local name=$1; shift
    echo "swiftc: module $name"
    "$SWIFTC" "${FLAGS[@]}" -module-name "$name" -whole-module-optimization \
        -emit-module -emit-module-path "$MOD/$name.swiftmodule" -c "$@" -o "$MOD/$name.o"
}

echo "clang: CCRC32C"
${CC:-clang} -O2 -g -fsanitize=fuzzer-no-link,address -I Sources/CCRC32C/include -c Sources/CCRC32C/crc32c.c -o "$MOD/CCRC32C.o"
module Completions Sources/Completions/*.swift
module Verifier Sources/Verifier/*.swift
module Wire Sources/Wire/*.swift

# lld: gold prints hundreds of harmless "Cannot export local symbol __asan_*" warnings.
echo "swiftc: link $OUT/wire-fuzz"
"$SWIFTC" "${FLAGS[@]}" -module-name WireFuzz fuzz/WireFuzz.swift \
    "$MOD/Completions.o" "$MOD/Verifier.o" "$MOD/Wire.o" "$MOD/CCRC32C.o" -llz4 -use-ld=lld -o "$OUT/wire-fuzz"
echo "built $OUT/wire-fuzz"
