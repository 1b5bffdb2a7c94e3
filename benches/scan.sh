#!/usr/bin/env bash
# Measures `kbx scan` on generated logs against wc, ripgrep and GNU grep, after checking that they all
# count the same lines. Rule sets of 100, 1,000 and 10,000 rules are drawn (seeded, each inside the
# next) from the pack of the whole KB archive; logs of 10M, 100Mi and 1Gi are generated for them by
# examples/genlog.rs, which also writes each log's truth (lines, lines carrying a message) and the
# phrases as literals for rg and grep. Everything is written under target/bench-scan/, never into the
# tree; the rule sets and logs are kept and reused until SEED or examples/genlog.rs changes.
#
#   bash benches/scan.sh      # KBX_SHARED=/path/to/shared, RUNS=5, WARMUP=1, SEED=1, KBX=another/kbx
#
# The 1Gi pair is timed RUNS_1GI=3 times without a warm-up run (the count check just before it read the
# log into the page cache and built kbx's rule cache): with kbx taking tens of seconds on it, that keeps
# the whole script near 15 minutes on two cores. Peak memory comes from a kbx run with the rule cache warm.
#
# Debian's ripgrep (13) has no fast path for many literals with -i: `rg -F -i` takes about 3 s per 10 MB
# with 1,000 phrases and 130 s with 10,000, so it is timed only on the smaller pairs. Because genlog
# writes every message verbatim and keeps every other line free of every phrase in any case, the
# case-sensitive `rg -F` (Aho-Corasick) counts the same lines, and `LC_ALL=C grep -F -i` is the
# case-insensitive literal baseline at 10,000 phrases.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${KBX_SHARED:-../shared}
OUT=target/bench-scan
TARGET=${CARGO_TARGET_DIR:-target}
KBX=${KBX:-$TARGET/release/kbx}
GENLOG=$TARGET/release/examples/genlog
RUNS=${RUNS:-5}
WARMUP=${WARMUP:-1}
RUNS_1GI=${RUNS_1GI:-3}
WARMUP_1GI=${WARMUP_1GI:-0}
SEED=${SEED:-1}
SETS=(100 1000 10000)
# rules:size pairs that get a log; the 1Gi log is only made for the largest set.
PAIRS=(100:10M 1000:10M 10000:10M 100:100Mi 1000:100Mi 10000:100Mi 10000:1Gi)

die() { echo "error: $*" >&2; exit 1; }

[ -f "$SHARED/kb-corpus/kbarchive-md.tar.gz" ] \
  || die "$SHARED/kb-corpus/kbarchive-md.tar.gz is missing: put the shared data beside the project, or set KBX_SHARED"
missing=()
command -v rg >/dev/null || missing+=(ripgrep)
command -v hyperfine >/dev/null || missing+=(hyperfine)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from Debian's packages" >&2
  { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } >/dev/null
fi
for tool in taskset python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || die "$tool is needed"
done

cargo build --release --bins --examples --quiet
mkdir -p "$OUT/logs"

# The pack of the whole archive: imported once, into a temporary folder first so a stopped import
# never leaves half a pack behind.
if [ ! -f "$OUT/pack/import-summary.json" ]; then
  echo "== importing the archive into $OUT/pack"
  rm -rf "$OUT/pack" "$OUT/pack.tmp"
  "$KBX" kb import "$SHARED/kb-corpus/kbarchive-md.tar.gz" --out "$OUT/pack.tmp" > "$OUT/import.txt"
  mv "$OUT/pack.tmp" "$OUT/pack"
fi

# Rule sets and logs are remade when the seed or genlog's source changes (stamped next to them).
KEY="seed $SEED, genlog $(sha256sum examples/genlog.rs | cut -c1-16)"
fresh() { [ -f "$1" ] && [ "$(cat "$1")" = "$KEY" ]; }

echo "== rule sets (seed $SEED)"
for n in "${SETS[@]}"; do
  dir=$OUT/rules-$n
  if ! fresh "$dir/.picked"; then
    rm -rf "$dir"
    "$GENLOG" pick --pack "$OUT/pack" --count "$n" --seed "$SEED" --out "$dir"
    echo "$KEY" > "$dir/.picked"
  fi
done

log_of() { echo "$OUT/logs/r$1-$2.log"; }
lit_of() { echo "$OUT/logs/r$1-$2.lit.txt"; }
regex_of() { echo "$OUT/logs/r$1-$2.lit.regex.txt"; }
truth_of() { echo "$OUT/logs/r$1-$2.truth.json"; }

echo "== logs"
for pair in "${PAIRS[@]}"; do
  n=${pair%%:*} size=${pair#*:}
  log=$(log_of "$n" "$size") truth=$(truth_of "$n" "$size")
  if ! fresh "$log.made" || [ "$OUT/rules-$n/.picked" -nt "$log.made" ]; then
    rm -f "$log" "$truth" "$log.made"
    "$GENLOG" log --rules "$OUT/rules-$n" --size "$size" --seed "$SEED" --out "$log" --truth "$truth" \
      --literals "$(lit_of "$n" "$size")"
    echo "$KEY" > "$log.made"
  fi
done

# kbx scan may not exist yet in this build: then only the other tools are checked and timed.
if "$KBX" scan --help >/dev/null 2>&1; then
  have_scan=1
else
  have_scan=0
  echo "note: this kbx has no \`scan\` command yet; checking and timing rg and grep against the truth only" >&2
fi

# rg -F -i is timed and checked only where Debian's ripgrep finishes in seconds (see the header).
rg_ci_ok() { [ "$1" = 100 ] || { [ "$1" = 1000 ] && [ "$2" = 10M ]; }; }

json() { python3 -c "import json, sys; d = json.load(open(sys.argv[1])); print($2)" "$1"; }

echo "== counts (every tool must count the lines genlog put a message in)"
for pair in "${PAIRS[@]}"; do
  n=${pair%%:*} size=${pair#*:}
  log=$(log_of "$n" "$size") lit=$(lit_of "$n" "$size") truth=$(truth_of "$n" "$size")
  truth_lines=$(json "$truth" 'd["lines"]')
  truth_messages=$(json "$truth" 'd["message_lines"]')
  wc_lines=$(wc -l < "$log")
  [ "$wc_lines" = "$truth_lines" ] || die "r$n-$size: wc -l counts $wc_lines lines, the truth $truth_lines"
  report="r$n-$size: $truth_lines lines (wc agrees); message lines: truth $truth_messages"
  rg_cs=$(rg -c -F -f "$lit" "$log" || true)
  grep_ci=$(LC_ALL=C grep -c -F -i -f "$lit" "$log" || true)
  report+=", rg -F ${rg_cs:-0}, grep -F -i ${grep_ci:-0}"
  [ "${rg_cs:-0}" = "$truth_messages" ] || die "$report: rg -F disagrees with the truth"
  [ "${grep_ci:-0}" = "$truth_messages" ] || die "$report: grep -F -i disagrees with the truth"
  if rg_ci_ok "$n" "$size"; then
    rg_ci=$(rg -c -F -i -f "$lit" "$log" || true)
    report+=", rg -F -i ${rg_ci:-0}"
    [ "${rg_ci:-0}" = "$truth_messages" ] || die "$report: rg -F -i disagrees with the truth"
  fi
  if [ $have_scan = 1 ]; then
    # Exit status 0 or 1 (with --fail-on, 1 means found); 2 is an error.
    status=0
    /usr/bin/time -o "$OUT/memory-r$n-$size.txt" -f "%M" \
      "$KBX" scan --no-builtin --rules "$OUT/rules-$n" --format json --threads 2 "$log" \
      > "$OUT/scan.json" 2> "$OUT/scan.err" || status=$?
    [ $status -le 1 ] || { cat "$OUT/scan.err" >&2; die "r$n-$size: kbx scan exited with $status"; }
    kbx_lines=$(json "$OUT/scan.json" 'd["stats"]["lines"]')
    kbx_matched=$(json "$OUT/scan.json" 'd["stats"]["matched_lines"]')
    report+=", kbx $kbx_matched"
    [ "$kbx_lines" = "$truth_lines" ] || die "$report: kbx scan reads $kbx_lines lines, the truth has $truth_lines"
    [ "$kbx_matched" = "$truth_messages" ] || die "$report: kbx scan disagrees with the truth"
    # Per rule: a warning only, since a finding's count may be defined otherwise than lines per rule.
    python3 - "$OUT/scan.json" "$truth" <<'PY'
import json, sys
scan, truth = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
found = {f["rule"]: f["count"] for f in scan["findings"]}
expected = truth["per_rule"]
differ = sorted(r for r in set(found) | set(expected) if found.get(r, 0) != expected.get(r, 0))
if differ:
    shown = ", ".join(f"{r}: kbx {found.get(r, 0)}, truth {expected.get(r, 0)}" for r in differ[:5])
    print(f"  warning: {len(differ)} rules' counts differ from the truth's per_rule ({shown})", file=sys.stderr)
PY
  fi
  echo "$report: all agree"
done

# One hyperfine group: NAME RULES SIZE, then -n LABEL COMMAND pairs. Medians go to the summary.
: > "$OUT/groups.tsv"
bench() {
  local name=$1 n=$2 size=$3 runs=$RUNS warmup=$WARMUP
  shift 3
  [ "$size" = 1Gi ] && runs=$RUNS_1GI warmup=$WARMUP_1GI
  echo "== $name ($runs runs after $warmup warm-up)"
  # --output=pipe: with its output on /dev/null (hyperfine's default) GNU grep stops at the first match.
  hyperfine -N -i --output=pipe --warmup "$warmup" --runs "$runs" --export-json "$OUT/hf-$name.json" \
    --export-markdown "$OUT/hf-$name.md" "$@"
  printf '%s\t%s\t%s\t%s\n' "$name" "$n" "$size" "$(stat -c %s "$(log_of "$n" "$size")")" >> "$OUT/groups.tsv"
}
kbx_scan() { echo "$KBX scan --no-builtin --rules $OUT/rules-$1 --format json --threads $3 $(log_of "$1" "$2")"; }

# The headline: the 1Gi log with 10,000 rules.
log=$(log_of 10000 1Gi) lit=$(lit_of 10000 1Gi)
args=(-n "wc -l" "wc -l $log"
  -n "rg -c -F (case-sensitive)" "rg -c -F -f $lit $log"
  -n "grep -c -F -i (LC_ALL=C)" "env LC_ALL=C grep -c -F -i -f $lit $log")
if [ $have_scan = 1 ]; then
  args+=(-n "kbx scan, 1 thread (taskset -c 0)" "taskset -c 0 $(kbx_scan 10000 1Gi 1)"
    -n "kbx scan, 2 threads" "$(kbx_scan 10000 1Gi 2)")
fi
echo "note: rg -c -F -i is not timed on this pair: Debian's ripgrep 13 needs about 130 s per 10 MB with 10,000 phrases"
bench 1gi-10000 10000 1Gi "${args[@]}"

# Rules and size: kbx on every log; rg where it finishes.
for pair in "${PAIRS[@]}"; do
  n=${pair%%:*} size=${pair#*:}
  [ "$size" = 1Gi ] && continue
  log=$(log_of "$n" "$size") lit=$(lit_of "$n" "$size") regex=$(regex_of "$n" "$size")
  args=(-n "rg -c -F (case-sensitive)" "rg -c -F -f $lit $log")
  if rg_ci_ok "$n" "$size"; then
    args+=(-n "rg -c -F -i" "rg -c -F -i -f $lit $log"
      -n "rg -c -i (escaped regexes)" "rg -c -i -f $regex $log")
  fi
  [ $have_scan = 1 ] && args+=(-n "kbx scan, 2 threads" "$(kbx_scan "$n" "$size" 2)")
  bench "$(echo "$size" | tr '[:upper:]' '[:lower:]')-$n" "$n" "$size" "${args[@]}"
done

memory=""
if [ $have_scan = 1 ]; then
  # The count check's first run on a rule set also compiled its cache: measure the 10M log again.
  # shellcheck disable=SC2046 # the command is split into words on purpose
  /usr/bin/time -o "$OUT/memory-r10000-10M.txt" -f "%M" $(kbx_scan 10000 10M 2) > /dev/null 2>&1 || true
  for size in 10M 1Gi; do
    memory+="| $size | $(tail -1 "$OUT/memory-r10000-$size.txt") KiB |"$'\n'
  done
fi

echo "== summary"
python3 - "$OUT" "$memory" <<'PY' | tee "$OUT/summary.md"
import json, sys
out, memory = sys.argv[1], sys.argv[2]
print("| log | rules | command | median s | min s | max s | GB/s |")
print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
for row in open(f"{out}/groups.tsv"):
    name, rules, size, size_bytes = row.rstrip("\n").split("\t")
    for r in json.load(open(f"{out}/hf-{name}.json"))["results"]:
        gbs = int(size_bytes) / 1e9 / r["median"]
        print(f"| {size} | {int(rules):,} | {r['command']} | {r['median']:.3f} | {r['min']:.3f} | {r['max']:.3f} | {gbs:.3g} |")
if memory:
    print()
    print("Peak memory (maximum resident set, rule cache warm) of `kbx scan --threads 2` with 10,000 rules:")
    print()
    print("| log | peak |")
    print("| --- | ---: |")
    print(memory, end="")
PY
echo "(written to $OUT/summary.md; hyperfine's JSON and Markdown are in $OUT/hf-*.json, hf-*.md)"
