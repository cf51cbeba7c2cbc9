#!/usr/bin/env bash
# The project's one test command (`npm test`, also what CI runs): format, lint, type check, the
# build, what the tests need beyond npm (control plane binaries, Prometheus: built once, cached),
# then every unit and end-to-end test. End-to-end tests bring up the real control plane they need
# through the vitest global setup. The last line is the plain summary `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "format (prettier --check)"
npx prettier --check . || exit 1
step "lint (eslint, type-aware)"
npx eslint --max-warnings=0 . || exit 1
step "type check (tsc --noEmit)"
npx tsc --noEmit || exit 1

step "build (npm run build: what bin/bellwether.js runs)"
npm run --silent build || exit 1
step "prerequisites (first time: built from Go modules, with progress; then cached)"
npx tsx test/support/prerequisites.ts || exit 1

step "tests (vitest: unit + e2e)"
mkdir -p test-results
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json
status=$?
npx tsx test/support/summary.ts test-results/vitest.json || status=1
exit "$status"
