#!/usr/bin/env bash
# Runs under MPI (Open MPI's mpirun), through the command line:
#   1. 1, 2 and 3 ranks (3: an uneven partition, oversubscribed on 2 cores), with 1 and 2
#      threads, write identical output files (h5diff: every dataset and attribute);
#      a run with another seed differs, so the comparison can fail;
#   2. a rank killed mid-run makes mpirun exit non-zero and leaves no output file;
#   3. a checkpoint saved by 2 ranks resumes on 2 ranks to the same output, and is
#      refused on 3 ranks with the reason;
#   4. replicate groups (2 ranks in 2 groups, 3 ranks in 2 uneven groups) give the same
#      file as 1 process, and so does a 3-rank, 2-group run killed and resumed from its
#      checkpoint, whose groups finish their replicates at different times;
#   5. ranks started with different arguments (MPMD): a missing scenario, another seed,
#      another scenario end every rank at once with one message, before any step.
# Usage: mpi_runs.sh MPIEXEC MIGFLOW TEST_DATA_DIR WORK_DIR
set -euo pipefail
mpiexec=$1 migflow=$2 data=$3 work=$4
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
# CI runs as root; Open MPI refuses that unless told. Shared memory between ranks only.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader OMPI_MCA_rmaps_base_oversubscribe=1
# Under AddressSanitizer, leak checking is off for the ranks only: Open MPI does not free
# its own start-up allocations (in plug-ins it has unloaded by exit, so LeakSanitizer
# cannot even name them). Single-process runs here and everywhere else keep it on.
mpirun() { ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" "$mpiexec" --oversubscribe "$@"; }

# migflow processes (ranks, not mpirun) whose command line contains $1; read from /proc,
# as procps (pgrep) may not be installed.
migflow_pids() {
  local f pid line
  for f in /proc/[0-9]*/cmdline; do
    pid=${f#/proc/}; pid=${pid%/cmdline}
    line=$(tr '\0' ' ' < "$f" 2>/dev/null) || continue
    [[ "$line" == "$migflow "* && "$line" == *"$1"* ]] && echo "$pid"
  done
  return 0
}

scenario=$data/all_policies.yaml
"$migflow" run "$scenario" --out "$work/one.h5" --replicates 3 --threads 2 2> one.log
mpirun -np 2 "$migflow" run "$scenario" --out "$work/two.h5" --replicates 3 --threads 1 2> two.log
mpirun -np 3 "$migflow" run "$scenario" --out "$work/three.h5" --replicates 3 --threads 2 2> three.log
grep -q "3 processes" three.log || fail "the 3-rank run did not run on 3 processes: $(cat three.log)"
h5diff one.h5 two.h5 || fail "2 ranks differ from 1"
h5diff one.h5 three.h5 || fail "3 ranks differ from 1"
mpirun -np 2 "$migflow" run "$scenario" --out "$work/two_groups.h5" --replicates 3 --threads 2 --replicate-groups 2 2> two_groups.log
mpirun -np 3 "$migflow" run "$scenario" --out "$work/three_groups.h5" --replicates 3 --threads 1 --replicate-groups 2 2> three_groups.log
grep -q "3 processes in 2 replicate groups" three_groups.log || fail "no replicate groups: $(cat three_groups.log)"
h5diff one.h5 two_groups.h5 || fail "2 ranks in 2 replicate groups differ from 1 process"
h5diff one.h5 three_groups.h5 || fail "3 ranks in 2 replicate groups differ from 1 process"
mpirun -np 2 "$migflow" run "$scenario" --out "$work/other_seed.h5" --replicates 3 --seed 8 2> /dev/null
h5diff -q one.h5 other_seed.h5 > /dev/null && fail "another seed gave the same output: the comparison cannot fail"
# A renewing population (entrants in id order across ranks, leavers drawn per block of ids).
renew=(--set demography.mode=renewing --set "nodes=[{id: MDA, population: {2010: 2600000, 2011: 3100000, 2012: 2500000}}]")
"$migflow" run "$scenario" "${renew[@]}" --out "$work/renew_one.h5" --replicates 2 --threads 2 2> renew_one.log
mpirun -np 3 "$migflow" run "$scenario" "${renew[@]}" --out "$work/renew_three.h5" --replicates 2 --threads 1 2> renew_three.log
h5diff renew_one.h5 renew_three.h5 || fail "a renewing population on 3 ranks differs from 1"
echo "1. 1, 2 and 3 ranks: identical (and a renewing population on 1 and 3)"

# A run long enough to be interrupted.
cat > long.yaml <<YAML
extends: $scenario
calendar: {start: 2010-01, end: 2029-12}
replicates: 2
population: [{origin: MDA, agents: 600000}]
YAML

# 2. Kill one rank with SIGKILL while the job runs.
mpirun -np 2 "$migflow" run "$work/long.yaml" --out "$work/killed.h5" 2> killed.log &
job=$!
victim=""
for _ in $(seq 1 500); do
  victim=$(migflow_pids "--out $work/killed.h5" | tail -n 1)
  [ -n "$victim" ] && break
  sleep 0.02
done
[ -n "$victim" ] || fail "no rank process found"
sleep 0.5
kill -KILL "$victim"
set +e; wait $job; rc=$?; set -e
[ $rc -ne 0 ] || fail "mpirun exited 0 after a rank was killed"
ls "$work" | grep -q "^killed.*h5" && fail "a failed job left output: $(ls "$work" | grep killed)"
echo "2. a rank killed: exit $rc, no output"

# 3. Checkpoint on 2 ranks, stop the job, resume on 2 ranks; refuse 3.
"$migflow" run "$work/long.yaml" --out "$work/long_one.h5" --threads 2 2> /dev/null
mpirun -np 2 "$migflow" run "$work/long.yaml" --out "$work/long.h5" --checkpoint ck --checkpoint-every 10 2> ck.log &
job=$!
generation() { local g; g=$(sed -n 's/^generation: //p' "$1/manifest.yaml" 2>/dev/null); echo "${g:-0}"; }
for _ in $(seq 1 6000); do [ "$(generation ck)" -ge 5 ] && break; sleep 0.02; done
kill -KILL $job  # mpirun itself: its ranks go with it
wait $job || true
for p in $(migflow_pids "--out $work/long.h5"); do kill -KILL "$p" 2>/dev/null || true; done
sleep 0.5
[ -e long.h5 ] && fail "a killed job left an output file"
[ -e "ck/rank1.gen$(generation ck).bin" ] || fail "no rank 1 state in $(ls ck)"
set +e; mpirun -np 3 "$migflow" run --resume ck > refused.log 2>&1; rc=$?; set -e
[ $rc -ne 0 ] && grep -q "field 'ranks': saved by 2 processes" refused.log || fail "resume on 3 ranks not refused: $(cat refused.log)"
mpirun -np 2 "$migflow" run --resume ck 2> resumed.log || { cat resumed.log; fail "resume on 2 ranks failed"; }
h5diff long_one.h5 long.h5 || fail "resumed 2-rank run differs from the 1-process run"
echo "3. checkpoint on 2 ranks, killed, resumed: identical to 1 process; 3 ranks refused"

# 4. Replicate groups with a checkpoint: group 0 (ranks 0, 1) runs replicates 0 and 2,
# group 1 (rank 2) replicate 1, then waits. Killed once group 1 has finished its replicate.
"$migflow" run "$work/long.yaml" --out "$work/long3_one.h5" --replicates 3 --threads 2 2> /dev/null
mpirun -np 3 "$migflow" run "$work/long.yaml" --out "$work/long3.h5" --replicates 3 --replicate-groups 2 \
  --checkpoint ck3 --checkpoint-every 40 2> ck3.log &
job=$!
for _ in $(seq 1 6000); do grep -q "finished: \[1\]" ck3/manifest.yaml 2>/dev/null && break; sleep 0.02; done
kill -KILL $job
wait $job || true
for p in $(migflow_pids "--out $work/long3.h5"); do kill -KILL "$p" 2>/dev/null || true; done
sleep 0.5
grep -q "finished: \[1\]" ck3/manifest.yaml || fail "group 1 never finished its replicate: $(cat ck3/manifest.yaml)"
grep -q "next_replicate: 3" ck3/manifest.yaml || fail "group 1 did not record its next replicate: $(cat ck3/manifest.yaml)"
[ -e long3.h5 ] && fail "a killed job left an output file"
mpirun -np 3 "$migflow" run --resume ck3 2> resumed3.log || { cat resumed3.log; fail "resume with replicate groups failed"; }
grep -q "in 2 replicate groups" resumed3.log || fail "the resumed run lost its groups: $(cat resumed3.log)"
h5diff long3_one.h5 long3.h5 || fail "resumed replicate-group run differs from the 1-process run"
[ -e ck3 ] && fail "the checkpoint was not removed after the output was written: $(ls ck3)"
echo "4. replicate groups (2 of 2 ranks, 2 of 3 ranks, and killed + resumed): identical to 1 process"

# 5. Ranks given different arguments (MPMD, as when a node sees another file or none;
#    issue #13): loading ends together with the error said once, and ranks that would run
#    different things (seed, scenario) are refused before the first step. A hang would
#    end at the timeout (exit 124).
mpmd() {  # $1, $2: arguments of rank 0 and rank 1 after `run`; prints the exit code
  set +e
  # shellcheck disable=SC2086
  timeout 120 bash -c "$(declare -f mpirun); mpiexec=$mpiexec; mpirun -np 1 $migflow run $1 --out $work/m.h5 : -np 1 $migflow run $2 --out $work/m.h5" > mpmd.log 2>&1
  echo $?
  set -e
}
small=$data/small.yaml
for pair in "$small|$work/no-such.yaml" "$work/no-such.yaml|$small"; do
  rc=$(mpmd "${pair%|*}" "${pair#*|}")
  [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "a rank without its scenario: exit $rc: $(cat mpmd.log)"
  [ "$(grep -c "no-such.yaml" mpmd.log)" -eq 1 ] || fail "the error is not said once: $(cat mpmd.log)"
done
rc=$(mpmd "$small --seed 1" "$small --seed 2")
[ "$rc" -eq 2 ] && grep -q "different runs" mpmd.log || fail "different seeds not refused: exit $rc: $(cat mpmd.log)"
rc=$(mpmd "$small" "$scenario")
[ "$rc" -eq 2 ] && grep -q "different runs" mpmd.log || fail "different scenarios not refused: exit $rc: $(cat mpmd.log)"
[ -e m.h5 ] && fail "a refused job wrote output"
# A rank that cannot fit its share (here rank 1, under `ulimit -v`) says why; the job ends
# before the first step with exit 2 (the message used to be rank 0's only: none).
if [ -z "${ASAN_OPTIONS:-}${TSAN_OPTIONS:-}" ]; then  # sanitizers reserve terabytes of address space
  printf 'extends: %s\nreplicates: 1\npopulation: [{origin: MDA, agents: ~, persons_per_agent: 0.005}]\n' "$small" > big.yaml
  set +e
  timeout 120 bash -c "$(declare -f mpirun); mpiexec=$mpiexec; mpirun -np 1 $migflow run big.yaml --threads 1 \
    --out $work/big.h5 : -np 1 bash -c 'ulimit -v 2000000; exec $migflow run big.yaml --threads 1 --out $work/big.h5'" \
    > big.log 2>&1
  rc=$?
  set -e
  [ "$rc" -eq 2 ] || fail "a rank short of memory: exit $rc: $(cat big.log)"
  grep -q "field 'population'.*GB are available" big.log || fail "the refusing rank did not say why: $(cat big.log)"
  [ -e big.h5 ] && fail "a refused job wrote output"
fi
echo "5. ranks with a missing scenario, another seed, another scenario, too little memory: refused together, said once"
