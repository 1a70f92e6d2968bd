#!/usr/bin/env bash
# Each rule of the claim model broken on purpose: applies each *.patch here to a clean copy of HEAD,
# builds it, and runs the generated histories (ClaimHistoriesTest, then GeneratedHistoriesTest) and the
# in-memory regression tests against the broken build. Prints, per broken rule, the first seed of the
# claim histories that caught it (seeds run from 1 in order and stop at the first violation) and which
# other tests failed. A rule whose row says "not caught" is one the histories cannot tell from a correct
# build: a gap to close.
#
#   src/test/mutations/run.sh [claim-history-seeds, default 5000] [patch ...]
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
runs=${1:-5000}
shift || true
patches=("$@")
if [ ${#patches[@]} -eq 0 ]; then
  patches=("$root"/src/test/mutations/*.patch)
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/flagramp-mutant.XXXXXX")
git -C "$root" worktree add -q --detach "$work" HEAD
trap 'git -C "$root" worktree remove --force "$work" >/dev/null 2>&1 || true' EXIT
printf '%-45s | %-34s | %-22s | %s\n' "broken rule" "claim histories: caught at seed" "generated histories" "regression tests failing"
for patch in "${patches[@]}"; do
  name=$(basename "$patch" .patch)
  git -C "$work" checkout -q -- .
  git -C "$work" apply "$patch"
  log="$work/target/mutant-$name.log"
  mkdir -p "$work/target"
  (cd "$work" && ./mvnw -o -B test -Dflagramp.model.claimRuns="$runs" \
      -Dtest='ClaimHistoriesTest,GeneratedHistoriesTest,ClaimSafetyTest,AnswersBelongToTheirStageTest' \
      -Dsurefire.failIfNoSpecifiedTests=false > "$log" 2>&1) || true
  reports="$work/target/surefire-reports"
  seed=$(grep -ohE '^seed [0-9]+' "$reports/io.flagramp.model.ClaimHistoriesTest.txt" 2>/dev/null | head -1 | cut -d' ' -f2 || true)
  claim=${seed:+"seed $seed of $runs"}
  claim=${claim:-"not caught in $runs"}
  if grep -q "FAILURE" "$reports/io.flagramp.model.GeneratedHistoriesTest.txt" 2>/dev/null; then
    gen="caught ($(grep -ohE '^seed [0-9]+' "$reports/io.flagramp.model.GeneratedHistoriesTest.txt" | head -1))"
  else
    gen="not caught"
  fi
  failing=$(cat "$reports"/io.flagramp.core.ClaimSafetyTest.txt \
      "$reports"/io.flagramp.operator.AnswersBelongToTheirStageTest.txt 2>/dev/null \
      | grep -oE '^io\.flagramp\.[A-Za-z.]+ -- Time elapsed: [0-9.]+ s <<< (FAILURE|ERROR)!' \
      | sed -E 's/ -- Time.*//; s/.*\.//' | sort -u | tr '\n' ' ' || true)
  if ! grep -q "Tests run" "$log"; then
    claim="did not build: see $log"
  fi
  printf '%-45s | %-34s | %-22s | %s\n' "$name" "$claim" "$gen" "${failing:-none}"
done
