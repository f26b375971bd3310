#!/usr/bin/env bash
# A/B of two checkouts of sessionbench on one machine in one job: block n runs one fresh-app
# repetition of each checkout's bench, writing OUT/a-<n>.json (A: the base or pinned reference
# checkout) and OUT/b-<n>.json (B: the change), then the B checkout's `sessionbench ab --from OUT`
# judges them: paired over blocks, Holm over the timing metrics, counts before clocks; exit 1 on a
# regression, 2 when the blocks cannot reach significance.
#
# AB_MODE=duet (the default) runs A and B of a block at the same time, each with its own apps and
# servers, sharing every CPU: a slow spell of the machine then slows both alike (on a 2-core VM it
# took the paired spread from about 0.2 to a few percent). AB_MODE=sequential runs them one after
# the other, in random order (seeded by AB_SEED). In duet mode no server URL may be set: two runs
# on one server would share its namespace.
#
# usage: .ci/ab-checkouts.sh A_DIR B_DIR OUT_DIR BLOCKS [bench options both run with…]
set -euo pipefail
if [ "$#" -lt 4 ]; then
  echo "usage: $0 A_DIR B_DIR OUT_DIR BLOCKS [bench options…]" >&2
  exit 2
fi
a_dir=$1 b_dir=$2 out=$3 blocks=$4
shift 4
mode=${AB_MODE:-duet}
case "$mode" in
  duet | sequential) ;;
  *) echo "$0: AB_MODE=$mode is not duet or sequential" >&2; exit 2 ;;
esac
placement=()
if [ "$mode" = duet ]; then
  for variable in REDIS_URL MEMCACHED_URL POSTGRES_URL MYSQL_URL MONGO_URL; do
    if [ -n "${!variable:-}" ]; then
      echo "$0: AB_MODE=duet with $variable set: both sides would share that server and its namespace; unset it (each side starts its own) or use AB_MODE=sequential" >&2
      exit 2
    fi
  done
  # Side by side, both apps share every CPU (a checkout from before --cpu-placement shares them anyway).
  if node "$a_dir/bin/sessionbench.js" --help | grep -q -- --cpu-placement && node "$b_dir/bin/sessionbench.js" --help | grep -q -- --cpu-placement; then
    placement=(--cpu-placement shared)
  fi
fi
mkdir -p "$out"
run_side() { # side block
  local dir=$a_dir
  if [ "$1" = b ]; then dir=$b_dir; fi
  node "$dir/bin/sessionbench.js" "${bench[@]}" "${placement[@]}" --repeat 1 --quiet --json --out "$out/runs-$1" > "$out/$1-$2.json"
}
bench=("$@")
orders=()
RANDOM=${AB_SEED:-1}
for n in $(seq 1 "$blocks"); do
  if [ "$mode" = duet ]; then
    echo "block $n of $blocks: A ($a_dir) and B ($b_dir) side by side" >&2
    run_side a "$n" & a_pid=$!
    run_side b "$n" & b_pid=$!
    failed=0
    wait "$a_pid" || failed=1
    wait "$b_pid" || failed=1
    if [ "$failed" -ne 0 ]; then echo "block $n: a run failed" >&2; exit 3; fi
    orders+=('"A+B"')
  else
    if (( RANDOM % 2 )); then order="a b"; orders+=('"AB"'); else order="b a"; orders+=('"BA"'); fi
    for side in $order; do
      echo "block $n of $blocks: ${side^^}" >&2
      run_side "$side" "$n"
    done
  fi
done
(IFS=,; echo "{\"orders\":[${orders[*]}]}" > "$out/orders.json")
exec node "$b_dir/bin/sessionbench.js" ab --from "$out"
