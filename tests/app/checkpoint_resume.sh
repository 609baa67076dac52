#!/usr/bin/env bash
# Checkpoint and resume, through the command line:
#   1. a run killed with SIGKILL mid-run, resumed from its checkpoint, ends with an
#      output identical (h5diff, data and attributes) to an uninterrupted run;
#   2. SIGTERM saves a checkpoint at the step it stops, and resuming it also matches;
#   3. a corrupt checkpoint, a changed scenario and an occupied checkpoint directory
#      are refused with a message naming the file, and a non-zero exit;
#   4. one flipped bit in a rank file (start, middle, end) or a hand-edited manifest, a
#      data file edited after the kill, a manifest that is a directory: refused with
#      exit 2 naming the file, before anything runs.
# Part 1 names the scenario by a relative path and resumes from another directory: the
# file must still be identical (scenario_file as first given).
# Usage: checkpoint_resume.sh MIGFLOW TEST_DATA_DIR WORK_DIR
set -euo pipefail
migflow=$1 data=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# Long enough to be killed mid-run: 3 replicates (two side by side, then one), so the
# kill lands after a replicate has finished and its series live in the checkpoint.
cat > long.yaml <<YAML
extends: $data/all_policies.yaml
calendar: {start: 2010-01, end: 2029-12}
replicates: 3
population: [{origin: MDA, agents: 400000}]
YAML
scenario=$work/long.yaml

# Named by a relative path (as people do): the resumed file must say the same (issue #13).
"$migflow" run long.yaml --out "$work/reference.h5" --threads 2 2> reference.log

# The checkpoint generation in directory $1 (0 before the first save).
generation() { local g; g=$(sed -n 's/^generation: //p' "$1/manifest.yaml" 2>/dev/null); echo "${g:-0}"; }

# 1. SIGKILL once the checkpoint is into the third replicate (24 generations: 12 per
#    pair of replicates at one per 20 steps), then resume.
"$migflow" run long.yaml --out "$work/run.h5" --threads 2 --checkpoint ck --checkpoint-every 20 2> killed.log &
pid=$!
for _ in $(seq 1 6000); do
  [ "$(generation ck)" -ge 14 ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.02
done
kill -KILL $pid 2>/dev/null || fail "the run ended before it could be killed; make the scenario longer"
wait $pid && fail "a killed run exited 0" || true
[ -e run.h5 ] && fail "a killed run left an output file"
echo "killed at checkpoint generation $(generation ck)"
grep -q "finished: \[[0-9]" ck/manifest.yaml || fail "no finished replicate in the checkpoint: $(cat ck/manifest.yaml)"
(cd / && "$migflow" run --resume "$work/ck" --threads 1) 2> resumed.log || { cat resumed.log; fail "resume failed"; }
h5diff reference.h5 run.h5 || fail "resumed output differs from the uninterrupted run"
[ -e ck ] && fail "checkpoint left behind after a finished run: $(ls ck)"
echo "1. SIGKILL + resume: identical"

# 2. SIGTERM: stops at a step, saves a checkpoint there and a marked partial file.
"$migflow" run long.yaml --out "$work/term.h5" --threads 2 --checkpoint ck2 --checkpoint-every 50 2> term.log &
pid=$!
for _ in $(seq 1 6000); do [ "$(generation ck2)" -ge 2 ] && break; sleep 0.02; done
kill -TERM $pid
set +e; wait $pid; rc=$?; set -e
[ $rc -eq 143 ] || { cat term.log; fail "SIGTERM exit code $rc, expected 143"; }
grep -q "carry on with: migflow run --resume ck2" term.log || fail "no resume hint: $(cat term.log)"
[ -e term.h5 ] && fail "an interrupted run left a complete-looking file"
"$migflow" run --resume ck2 2> term_resumed.log || { cat term_resumed.log; fail "resume after SIGTERM failed"; }
h5diff reference.h5 term.h5 || fail "output resumed after SIGTERM differs"
echo "2. SIGTERM + resume: identical"

# 3. Refusals. A checkpoint to spoil: stop a run with SIGTERM after its first save.
make_checkpoint() {  # $1: scenario, $2: directory
  "$migflow" run "$1" --out "$work/x.h5" --checkpoint "$2" --checkpoint-every 5 2> /dev/null &
  local p=$!
  for _ in $(seq 1 6000); do [ "$(generation "$2")" -ge 1 ] && break; sleep 0.02; done
  kill -TERM $p; wait $p || true
  [ -e "$2/manifest.yaml" ] || fail "no checkpoint in $2"
}
expect_refusal() {  # $1: expected exit code, $2: text the message must contain, rest: command
  local code=$1 text=$2; shift 2
  set +e; "$@" > out.log 2>&1; local rc=$?; set -e
  [ $rc -eq "$code" ] || fail "exit $rc (expected $code) from $*: $(cat out.log)"
  grep -qF -- "$text" out.log || fail "message lacks '$text': $(cat out.log)"
}
cp long.yaml changed.yaml
make_checkpoint "$work/changed.yaml" ck3
echo "seed: 99" >> changed.yaml
expect_refusal 2 "field 'fingerprint'" "$migflow" run --resume ck3
make_checkpoint "$scenario" ck4
rank_file=$(ls ck4/rank0.gen*.bin)
truncate -s 1000 "$rank_file"
expect_refusal 2 "$rank_file: corrupt checkpoint" "$migflow" run --resume ck4
expect_refusal 3 "already holds a checkpoint" "$migflow" run "$scenario" --out "$work/y.h5" --checkpoint ck4
expect_refusal 2 "not a checkpoint directory" "$migflow" run --resume "$work"
[ -e x.h5 ] || [ -e y.h5 ] && fail "a refused run wrote output"
echo "3. refusals: corrupt, changed scenario, occupied directory, not a checkpoint"

# 4. Integrity (issue #13): one flipped bit anywhere in a rank file or the manifest, an
# edited data file, a manifest that is a directory: refused up front, naming the file.
flip() {  # flips bit 0 of byte $2 of file $1
  /usr/bin/python3 -c 'import sys; p, i = sys.argv[1], int(sys.argv[2]); b = bytearray(open(p, "rb").read()); b[i] ^= 1; open(p, "wb").write(b)' "$1" "$2"
}
printf 'id,year,gdp_pc\nMDA,2010,9000\n' > attributes.csv
printf 'extends: long.yaml\nattributes_csv: attributes.csv\n' > with_data.yaml
make_checkpoint "$work/with_data.yaml" ck5
cp -r ck5 ck5.saved
rank_file=$(ls ck5/rank0.gen*.bin)
size=$(stat -c %s "$rank_file")
for at in 40 $((size / 2)) $((size - 20)); do
  flip "$rank_file" "$at"
  expect_refusal 2 "$rank_file: corrupt checkpoint (checksum does not match" "$migflow" run --resume ck5
  flip "$rank_file" "$at"
done
sed -i 's/^  seed: /  seed: 1/' ck5/manifest.yaml  # a hand edit
grep -q "^  seed: 1" ck5/manifest.yaml || fail "no seed to edit in $(cat ck5/manifest.yaml)"
expect_refusal 2 "manifest.yaml: field 'checksum'" "$migflow" run --resume ck5
cp ck5.saved/manifest.yaml ck5/
printf 'id,year,gdp_pc\nMDA,2010,9001\n' > attributes.csv
expect_refusal 2 "field 'fingerprint'" "$migflow" run --resume ck5
rm ck5/manifest.yaml && mkdir ck5/manifest.yaml
expect_refusal 2 "ck5/manifest.yaml: not a regular file" "$migflow" run --resume ck5
[ -e x.h5 ] && fail "a refused run wrote output"
echo "4. integrity: flipped bits in rank file and manifest, edited data file, manifest a directory: refused"
grep -h "checkpoints took" resumed.log term_resumed.log || true
