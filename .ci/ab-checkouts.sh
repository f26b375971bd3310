#!/usr/bin/env bash
# A/B of two checkouts of sessionbench on one machine in one job: block n runs one fresh-app
# repetition of each checkout's bench (in random order, seeded by AB_SEED), writing OUT/a-<n>.json
# (A: the base or pinned reference checkout) and OUT/b-<n>.json (B: the change), then the B
# checkout's `sessionbench ab --from OUT` judges them: paired over blocks, Holm over the timing
# metrics, counts before clocks; exit 1 on a regression, 2 when the blocks cannot reach significance.
#
# usage: .ci/ab-checkouts.sh A_DIR B_DIR OUT_DIR BLOCKS [bench options both run with…]
set -euo pipefail
if [ "$#" -lt 4 ]; then
  echo "usage: $0 A_DIR B_DIR OUT_DIR BLOCKS [bench options…]" >&2
  exit 2
fi
a_dir=$1 b_dir=$2 out=$3 blocks=$4
shift 4
mkdir -p "$out"
RANDOM=${AB_SEED:-1}
for n in $(seq 1 "$blocks"); do
  if (( RANDOM % 2 )); then order="a b"; else order="b a"; fi
  for side in $order; do
    dir=$a_dir
    if [ "$side" = b ]; then dir=$b_dir; fi
    echo "block $n of $blocks: ${side^^} ($dir)" >&2
    node "$dir/bin/sessionbench.js" "$@" --repeat 1 --quiet --json --out "$out/runs" > "$out/$side-$n.json"
  done
done
exec node "$b_dir/bin/sessionbench.js" ab --from "$out"
