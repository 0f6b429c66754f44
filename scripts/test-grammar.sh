#!/usr/bin/env bash
# Grammar tier: the TextMate grammars in syntaxes/ through VS Code's tokenizer (vscode-textmate +
# vscode-oniguruma). Run `npx tsc -b` first; this script only runs the compiled tests.
# The injection tests also run on VS Code's own C and Makefile grammars, taken from the real VS Code
# that setup-code-offline.sh installs (idempotent; about 0.5 s when already installed).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-code-offline.sh
npx mocha 'out/test/grammar/*.test.js'
