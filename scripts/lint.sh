#!/usr/bin/env bash
# `npm run lint`: the type check, ESLint, Prettier's check and clang-format's check, each named in
# its failure message. Runs them all before failing, so one run lists every kind of finding.
set -uo pipefail
cd "$(dirname "$0")/.."

failed=()
step() {
  local name="$1" fix="$2"
  shift 2
  echo "lint: $name"
  if ! "$@"; then failed+=("$name (fix: $fix)"); fi
}

native=(native/*.h native/*.cpp)
step 'type check (tsc --noEmit)' 'the type errors above' npx tsc --noEmit -p .
step 'eslint' 'the findings above; npx eslint --fix . fixes some' npx eslint --max-warnings 0 .
step 'prettier --check' 'npm run format' npx prettier --check --log-level warn '**/*.{ts,js}'
if command -v clang-format > /dev/null; then
  step 'clang-format --dry-run' 'npm run format' clang-format --dry-run -Werror --ferror-limit=3 "${native[@]}"
else
  failed+=('clang-format is not installed (fix: npm run setup)')
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "lint: FAILED:" >&2
  for f in "${failed[@]}"; do echo "  - $f" >&2; done
  exit 1
fi
echo 'lint: type check, eslint, prettier and clang-format all clean'
