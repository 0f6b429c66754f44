#!/usr/bin/env bash
# Hostile-workspace tier: workspaces, settings and messages built to hang, exhaust or crash the
# language server and the CLI (links to /dev/zero, FIFOs, malformed URIs, refused requests, closed
# pipes, full disks). Each case is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
npx mocha --timeout 120000 'out/test/hostile/**/*.test.js'
