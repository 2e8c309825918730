#!/usr/bin/env bash
# The study's mechanism experiment (issue 23, docs/results.md): switch AdamO's isometry step off, or
# on, halfway through a run, and watch what moves first. Random-Label MNIST as the study runs it
# (10 tasks x 2,400 digits x 10 epochs, the small net), AdamO at its tuned lambda = 0.032
# (results/random-label-mnist-tuned), held-out seeds of its own (201-210 by default).
#
# Per seed, two base runs of the first 5 tasks -- AdamO (lambda = 0.032) and AdamO with lambda = 0
# (Adam's update through AdamO's code) -- each forked at task 5 (`continual --fork`) twice: once
# with nothing changed (the control: exactly the uninterrupted 10-task run) and once with lambda
# switched (off, or on). So every switched run is paired with its control, identical up to the switch:
#
#   on-on   on-off   off-off   off-on     (runs/study/mechanism/<arm>__seed<k>)
#
# The monitors run at short cadences (isometry and NTK every 150 / 300 steps; a task is 1,500
# steps) so that the order in which they move can be seen. Restartable: a finished run is skipped,
# an unfinished one resumed. Then: python3 sweeps/study/mechanism_report.py runs/study/mechanism
#
#   nice -n 19 sweeps/study/mechanism.sh [SEEDS...]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${MECHANISM_DIR:-runs/study/mechanism}
seeds=("$@")
if [ ${#seeds[@]} -eq 0 ]; then
  seeds=(201 202 203 204 205 206 207 208 209 210)
fi
lambda=0.032
half=5
tasks=10
# MECHANISM_EXAMPLES / MECHANISM_EPOCHS shrink the tasks for a smoke run only
common=(--task random-label-mnist --method adamo --set task_examples=${MECHANISM_EXAMPLES:-2400}
  --set epochs=${MECHANISM_EPOCHS:-10}
  --monitor-cadence weights=125,dormancy=50,features=300,ntk=300,isometry=150 --no-progress)

done_() { grep -q '"status" *: *"completed"' "$1/summary.json" 2>/dev/null; }

# run DIR ARGS...: make the run in DIR, or resume it if it was started and did not finish
run() {
  local dir=$1
  shift
  if done_ "$dir"; then
    return
  elif [ -f "$dir/config.yaml" ]; then
    ./isoplast continual --resume "$dir" --no-progress
  else
    ./isoplast continual "$@" --run-dir "$dir"
  fi
}

mkdir -p "$out"
for seed in "${seeds[@]}"; do
  for base in on off; do
    coef=$lambda
    [ $base = off ] && coef=0
    run "$out/base-${base}__seed$seed" "${common[@]}" --seed "$seed" --tasks $half --set iso_coef=$coef
    for after in on off; do
      set_=()
      [ $after != $base ] && set_=(--set iso_coef=$([ $after = on ] && echo $lambda || echo 0))
      run "$out/${base}-${after}__seed$seed" --fork "$out/base-${base}__seed$seed" --tasks $tasks \
        --keep-checkpoints 0 "${set_[@]}"
    done
  done
done
