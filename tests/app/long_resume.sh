#!/usr/bin/env bash
# Ctrl-C during `migflow calibrate` and `migflow sensitivity` with --checkpoint, then
# --resume from another folder: exit 130 with the command that carries on, no output
# until the end, and then the outputs of an uninterrupted command, byte for byte (but
# the lines giving wall time). Real signals on real processes, timed by the checkpoint's
# first save; tests/session/test_session.cpp holds the same to account without timing
# (a stop set after a unit), for attribute and backtest too.
# Usage: long_resume.sh MIGFLOW TEST_DATA_DIR WORK_DIR
set -euo pipefail
migflow=$1 data=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
timeless() { grep -vE ' s(;|$)' "$1"; }  # "... 8 s" and "... 8 s; ln evidence" give wall time

# $1: the command, $2: its output option (--csv, --write); rest: its arguments.
check() {
  local name=$1 flag=$2; shift 2
  "$migflow" "$name" "$@" "$flag" whole.$name.out > whole.$name.md 2> whole.$name.log ||
    { cat whole.$name.log; fail "$name failed"; }
  "$migflow" "$name" "$@" "$flag" "$work/$name.out" --checkpoint $name.ck > $name.md 2> $name.log &
  local pid=$!
  for _ in $(seq 1 6000); do
    [ -e $name.ck/manifest.yaml ] && break
    kill -0 $pid 2> /dev/null || break
    sleep 0.01
  done
  kill -INT $pid 2> /dev/null || fail "$name ended before it could be interrupted; make it longer"
  set +e; wait $pid; local rc=$?; set -e
  [ $rc -eq 130 ] || { cat $name.log; fail "$name: exit $rc after SIGINT, expected 130"; }
  grep -q "carry on with: migflow $name --resume $name.ck" $name.log || fail "$name: no resume hint: $(cat $name.log)"
  [ -e $name.out ] && fail "$name: an interrupted command wrote its output"
  echo "$name: interrupted with $(sed -n 's/^done: //p' $name.ck/manifest.yaml) saved"
  (cd / && "$migflow" "$name" --resume "$work/$name.ck") > $name.md 2> $name.resumed.log ||
    { cat $name.resumed.log; fail "$name: resume failed"; }
  diff <(timeless whole.$name.out) <(timeless $name.out) || fail "$name: resumed output differs from the uninterrupted one"
  diff <(timeless whole.$name.md) <(timeless $name.md) || fail "$name: resumed table differs"
  [ -e $name.ck ] && fail "$name: checkpoint left behind: $(ls $name.ck)"
  echo "$name: SIGINT + resume: identical"
}

check sensitivity --csv "$data/small.yaml" --prior -i arrivals_legal -i stock_irregular_end --samples 256 \
  --agents 20000 --threads 2
check calibrate --write cape_verde/baseline --particles 48 --agents 4000 --threads 2
