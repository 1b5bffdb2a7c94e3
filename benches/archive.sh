#!/usr/bin/env bash
# Measures kbx on the whole KB archive (../shared/kb-corpus): import time and memory, load-and-diagnose
# latency with the pack, batch throughput on one core, and ranking on the development query set.
# Packs are written under target/bench-archive/, never into the tree. Numbers go to BENCHMARKS.md by hand.
#
#   bash benches/archive.sh            # KBX_SHARED=/path/to/shared to use another shared folder
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${KBX_SHARED:-../shared}
OUT=target/bench-archive
KBX=./target/release/kbx
[ -f "$SHARED/kb-corpus/kbarchive-md.tar.gz" ] || { echo "error: $SHARED/kb-corpus is missing" >&2; exit 1; }
if ! command -v hyperfine >/dev/null; then
  echo "installing hyperfine from Debian's packages" >&2
  { apt-get update -qq && apt-get install -y -qq hyperfine; } >/dev/null
fi
cargo build --release --quiet
rm -rf "$OUT"; mkdir -p "$OUT"

echo "== import (3 runs each; wall seconds, peak memory)"
for form in md txt; do
  for run in 1 2 3; do
    rm -rf "$OUT/pack-$form"
    /usr/bin/time -f "$form run $run: %e s, %M KiB peak" \
      "$KBX" kb import "$SHARED/kb-corpus/kbarchive-$form.tar.gz" --out "$OUT/pack-$form" > "$OUT/import-$form.txt"
  done
  head -2 "$OUT/import-$form.txt"
done

echo "== diagnose --rules PACK, end to end (cache warm)"
"$KBX" diagnose --rules "$OUT/pack-md" "x" > /dev/null || true
hyperfine -N --warmup 3 -r 30 \
  "$KBX diagnose --rules $OUT/pack-md 'Internal error: failed to create MAPI.Session.'" \
  "$KBX diagnose --rules $OUT/pack-md --format json 'The information store could not be opened.'"

echo "== batch on one core (the development pastes, 5 times over)"
python3 - "$SHARED/eval/dev-queries.jsonl" "$OUT/batch.jsonl" <<'PY'
import json, sys
queries = [json.loads(line) for line in open(sys.argv[1])]
with open(sys.argv[2], "w") as out:
    for r in range(5):
        for q in queries:
            out.write(json.dumps({"id": f"{q['id']}-{r}", "text": q["text"]}) + "\n")
PY
n=$(wc -l < "$OUT/batch.jsonl")
for run in 1 2 3; do
  start=$(date +%s.%N)
  taskset -c 0 "$KBX" diagnose --batch "$OUT/batch.jsonl" --rules "$OUT/pack-md" > "$OUT/batch.out"
  end=$(date +%s.%N)
  python3 -c "import sys; n, s = int(sys.argv[1]), float(sys.argv[3]) - float(sys.argv[2]); print(f'run $run: {n} pastes in {s:.2f} s = {n / s:.0f} pastes/s (load included)')" "$n" "$start" "$end"
done

echo "== ranking on the development queries"
"$KBX" rules eval "$SHARED/eval/dev-queries.jsonl" --rules "$OUT/pack-md"
