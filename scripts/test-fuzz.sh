#!/usr/bin/env bash
# Adversarial tier: seeded, bounded fuzzing of the language server (KMOD_FUZZ_SEED, KMOD_FUZZ_CASES).
set -euo pipefail
cd "$(dirname "$0")/.."
npx mocha --timeout 600000 'out/test/fuzz/**/*.test.js'
