#!/usr/bin/env bash
# Fuzzes one BuildContext target with AFL++ and SharpFuzz.
#   fuzz/run.sh dockerfile|ignore|archive [SECONDS]     (default 60; CI smoke: a few seconds)
# Needs afl++ (scripts/prereqs) and installs the SharpFuzz.CommandLine tool under $QB_FUZZ_WORK.
# Exits non-zero when AFL found a crash or a hang; prints executions per second.
set -euo pipefail
target=${1:?usage: fuzz/run.sh dockerfile|ignore|archive [SECONDS]}
case $target in dockerfile|ignore|archive) ;; *) echo "fuzz/run.sh: unknown target '$target'" >&2; exit 2;; esac
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
work=${QB_FUZZ_WORK:-/tmp/qb-fuzz}
art=$work/art-$target
mkdir -p "$work"

if [ ! -x "$work/tool/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$work/tool" >/dev/null
fi

# A fresh output every time: sharpfuzz instruments the library in place.
rm -rf "$art"
dotnet build "$here/BuildContext.Fuzz" -c Release --artifacts-path "$art" -v quiet -nologo >/dev/null
bin=$art/bin/BuildContext.Fuzz/release
DOTNET_ROLL_FORWARD=Major "$work/tool/sharpfuzz" "$bin/QuayBuilder.BuildContext.dll" >/dev/null

findings=$work/findings-$target
rm -rf "$findings"
# The archive target extracts every input: on tmpfs when there is one, one directory per process.
scratch=$work/scratch-$target
[ -d /dev/shm ] && [ -w /dev/shm ] && scratch=/dev/shm/qb-fuzz-$target-$$
rm -rf "$scratch"
trap 'rm -rf "$scratch"' EXIT
# QB_FUZZ_STRICT=1 (archive): corpus entries that now count as findings must not stop the start.
if [ "${QB_FUZZ_STRICT:-}" = 1 ]; then export AFL_SKIP_CRASHES=1; fi
AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
AFL_NO_AFFINITY=1 AFL_MAP_SIZE=65536 QB_FUZZ_SCRATCH=$scratch \
  afl-fuzz -V "$seconds" -i "$here/corpus/$target" -o "$findings" -t 10000 -m none \
  -- dotnet "$bin/QuayBuilder.BuildContext.Fuzz.dll" "$target" >"$work/afl-$target.log" 2>&1 || {
    tail -30 "$work/afl-$target.log" >&2; exit 1; }

stats=$findings/default/fuzzer_stats
crashes=$(grep -E '^saved_crashes|^unique_crashes' "$stats" | head -1 | awk '{print $3}')
hangs=$(grep -E '^saved_hangs|^unique_hangs' "$stats" | head -1 | awk '{print $3}')
execs=$(grep '^execs_done' "$stats" | awk '{print $3}')
eps=$(grep '^execs_per_sec' "$stats" | awk '{print $3}')
corpus=$(grep '^corpus_count' "$stats" | awk '{print $3}')
echo "fuzz $target: ${seconds}s, $execs execs, $eps execs/s, corpus $corpus, crashes $crashes, hangs $hangs (findings in $findings)"
[ "$crashes" = 0 ] && [ "$hangs" = 0 ]
