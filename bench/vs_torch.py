"""Times isoplast beside plain PyTorch loops of the same shape, interleaved, and prints one JSON object.

Jobs (--jobs, default continual, ppo, dqn; each side a whole process, timed from outside):

  continual  isoplast continual --task permuted-mnist --tasks 10 --monitors none  (784-100-100-10 ReLU,
             batch 16, Adam 1e-3, one pass over the 10,000 digits per task)
             vs bench/torch_continual.py on the same digits (.isoplast/data/mnist-10k.bin)
  ppo        isoplast train --algo ppo --env CartPole-v1 --total-steps 150000 --eval-episodes 0
             vs bench/torch_ppo.py (4 envs x 128 steps, 64-64 tanh, CleanRL's classic-control values)
  dqn        isoplast train --algo dqn --env CartPole-v1 --total-steps 50000 --eval-episodes 0
             vs bench/torch_dqn.py (120-84 ReLU, CleanRL's CartPole values)
  minatar-dqn  isoplast train --algo dqn --env MinAtar/Breakout-v1 --config configs/dqn-minatar.yaml
             --total-steps 20000 --eval-episodes 0 --monitors none (issue 24: the conv body, Young & Tian's
             settings) vs bench/torch_dqn.py --config configs/dqn-minatar.yaml (the same network and values);
             not in the default --jobs

The isoplast side runs the built jar as the launcher does (java -Disoplast.home=. -jar
agent/target/isoplast.jar ..., OMP_WAIT_POLICY=passive), after one `./isoplast setup` so the jar and the
digits are current; its run directory goes to a temporary folder, removed afterwards. For the RL jobs
the process tree includes the embedded env server (a Python child of the JVM) that steps the envs;
the PyTorch side steps the same Gymnasium envs in its own process (gymnasium's SyncVectorEnv). The
isoplast side also writes its run directory (config, metrics.jsonl, TensorBoard events, checkpoints)
and, in the train jobs as the issue states them, runs the plasticity monitors at their default
cadence (monitor_s in its figures); the PyTorch scripts write nothing and monitor nothing.

The PyTorch side runs in its own venv, .isoplast/bench-venv, created on first use from
bench/requirements.txt (torch, gymnasium and numpy pinned; PyPI's Linux torch wheel brings its CUDA
libraries along, about 2.5 GB; it runs on the CPU here). PyTorch is a yardstick only, never a
dependency of the project.

Pairs: each job runs --pairs times as a pair (isoplast, torch), the order alternating from pair to pair
(isoplast first in pairs 1, 3, ...) so that drift in the machine's load falls on both sides. Per process:
wall time (perf_counter from spawn to exit), CPU time = user + system of the process and all its
descendants (os.wait4's rusage counts those it reaped, e.g. the env server the JVM stops and waits
for; the driver is a Linux child subreaper, so any descendant left running is reaped after it and
added: orphans_reaped), and peak RSS (ru_maxrss: the largest single process of the tree, not their
sum). Reported per pair, as medians over the pairs, and as ratios isoplast / torch of the medians
(wall and CPU; above 1 means isoplast took longer). Each side's own figures (returns,
accuracies, steps/s as it measured itself) are included, from summary.json and the script's JSON line.

--check runs each PyTorch script once, without timing against isoplast, and checks that it learns:
PPO and DQN reach a mean return over the last 20 episodes of at least 5x that of the first 20 and at
least 150 on CartPole-v1 (random play: ~22; CartPole-v1's cap: 500), the continual learner a mean
online accuracy of at least 0.80 over its tasks. Exit status 1 if a check fails.

Run by the project's .venv python or any python3 >= 3.10 (standard library only):
  python3 bench/vs_torch.py --pairs 3 > vs-torch.json
  ./isoplast bench vs-torch --jobs ppo --pairs 5 --torch-threads 2
"""

import argparse
import ctypes
import datetime
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV = ROOT / ".isoplast" / "bench-venv"
VENV_PY = VENV / "bin" / "python"
REQUIREMENTS = BENCH / "requirements.txt"
STAMP = VENV / ".requirements.sha256"
PIP_LOG = ROOT / ".isoplast" / "logs" / "bench-venv-pip.log"
JAR = ROOT / "agent" / "target" / "isoplast.jar"
MNIST = ROOT / ".isoplast" / "data" / "mnist-10k.bin"
MINATAR_ENV = "MinAtar/Breakout-v1"
MINATAR_CONFIG = ROOT / "configs" / "dqn-minatar.yaml"
JOBS = ("continual", "ppo", "dqn", "minatar-dqn")
DEFAULT_JOBS = ("continual", "ppo", "dqn")
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h

# --check's thresholds (see the module docstring)
CHECK_MIN_GAIN = 5.0
CHECK_MIN_RETURN = 150.0
CHECK_MIN_ACCURACY = 0.80
# minatar-dqn (MinAtar Breakout; random play ~0.5; Young & Tian's DQN ~4 at 100k steps): learning shows as a gain
CHECK_MINATAR_GAIN = 1.5
CHECK_MINATAR_RETURN = 1.0


def die(message):
    print(f"vs_torch: {message}", file=sys.stderr)
    sys.exit(1)


def say(message):
    print(f"vs_torch: {message}", file=sys.stderr, flush=True)


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="isoplast bench vs-torch", description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--jobs", default=",".join(DEFAULT_JOBS),
                   help="comma-separated, of: continual, ppo, dqn, minatar-dqn (default: continual,ppo,dqn)")
    p.add_argument("--pairs", type=int, default=3, help="interleaved (isoplast, torch) pairs per job (default: 3)")
    p.add_argument("--torch-threads", type=int, choices=(1, 2), default=1,
                   help="torch.set_num_threads on the PyTorch side (default: 1, the issue's yardstick; 2 = both cores)")
    p.add_argument("--seed", type=int, default=1, help="the seed of both sides (default: 1)")
    p.add_argument("--tasks", type=int, default=10, help="continual: permutations (default: 10)")
    p.add_argument("--ppo-steps", type=int, default=150_000, help="ppo: env steps (default: 150000)")
    p.add_argument("--dqn-steps", type=int, default=50_000, help="dqn: env steps (default: 50000)")
    p.add_argument("--minatar-steps", type=int, default=20_000,
                   help="minatar-dqn: env steps (default: 20000; learning starts after 5000)")
    p.add_argument("--check", action="store_true",
                   help="only run each chosen PyTorch script once and check that it learns (no timing)")
    p.add_argument("--out", metavar="FILE", help="also write the JSON object to FILE")
    p.add_argument("--keep-runs", action="store_true", help="keep the isoplast run directories (their path is printed)")
    args = p.parse_args(argv)
    args.jobs = [j.strip() for j in args.jobs.split(",") if j.strip()]
    bad = [j for j in args.jobs if j not in JOBS]
    if bad or not args.jobs:
        p.error(f"--jobs takes a comma-separated list of {', '.join(JOBS)}; got {bad or 'nothing'}")
    if args.pairs < 1:
        p.error("--pairs must be at least 1")
    return args


# ---- set-up ----

def ensure_venv():
    """.isoplast/bench-venv with bench/requirements.txt installed; redone when the requirements change."""
    want = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if VENV_PY.exists() and STAMP.exists() and STAMP.read_text().strip() == want:
        return
    PIP_LOG.parent.mkdir(parents=True, exist_ok=True)
    if not VENV_PY.exists():
        say(f"creating {VENV.relative_to(ROOT)} for the PyTorch side")
        r = subprocess.run([sys.executable, "-m", "venv", str(VENV)], capture_output=True, text=True)
        if r.returncode != 0:
            die(f"could not create {VENV.relative_to(ROOT)} with {sys.executable}: "
                f"{(r.stderr.strip().splitlines() or ['no message'])[-1]} (install python3-venv)")
    say(f"installing bench/requirements.txt into {VENV.relative_to(ROOT)} (pip; torch is a download of ~2.5 GB; "
        f"log in {PIP_LOG.relative_to(ROOT)})")
    with open(PIP_LOG, "w") as log:
        r = subprocess.run([str(VENV_PY), "-m", "pip", "install", "-r", str(REQUIREMENTS)], stdout=log,
                           stderr=subprocess.STDOUT)
    if r.returncode != 0:
        last = [ln for ln in PIP_LOG.read_text(errors="replace").splitlines() if ln.strip()][-1:] or ["no output"]
        die(f"pip could not install bench/requirements.txt into {VENV.relative_to(ROOT)} "
            f"(see {PIP_LOG.relative_to(ROOT)}): {last[0].strip()}")
    STAMP.write_text(want + "\n")


def ensure_isoplast():
    """The jar and the MNIST digits, current (the launcher's set-up rebuilds only what changed)."""
    r = subprocess.run([str(ROOT / "isoplast"), "setup"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        die(f"./isoplast setup failed: {(r.stderr.strip().splitlines() or ['no message'])[-1]}")


# ---- the jobs: each side's command ----

def isoplast_cmd(job, args, run_dir):
    java = ["java", *os.environ.get("ISOPLAST_JAVA_OPTS", "").split(), f"-Disoplast.home={ROOT}", "-jar", str(JAR)]
    common = ["--seed", str(args.seed), "--no-progress", "--run-dir", str(run_dir)]
    if job == "continual":
        return java + ["continual", "--task", "permuted-mnist", "--tasks", str(args.tasks), "--monitors", "none", *common]
    if job == "minatar-dqn":
        return java + ["train", "--algo", "dqn", "--env", MINATAR_ENV, "--config", str(MINATAR_CONFIG), "--total-steps",
                       str(args.minatar_steps), "--eval-episodes", "0", "--monitors", "none", *common]
    steps = args.ppo_steps if job == "ppo" else args.dqn_steps
    return java + ["train", "--algo", job, "--env", "CartPole-v1", "--total-steps", str(steps), "--eval-episodes", "0",
                   *common]


def torch_cmd(job, args):
    threads = ["--seed", str(args.seed), "--threads", str(args.torch_threads)]
    if job == "continual":
        return [str(VENV_PY), str(BENCH / "torch_continual.py"), "--data", str(MNIST), "--tasks", str(args.tasks),
                *threads]
    if job == "minatar-dqn":
        return [str(VENV_PY), str(BENCH / "torch_dqn.py"), "--env-id", MINATAR_ENV, "--config", str(MINATAR_CONFIG),
                "--total-timesteps", str(args.minatar_steps), *threads]
    steps = args.ppo_steps if job == "ppo" else args.dqn_steps
    return [str(VENV_PY), str(BENCH / f"torch_{job}.py"), "--total-timesteps", str(steps), *threads]


def torch_env(args):
    env = dict(os.environ)
    # the pools torch sizes from these at import must match set_num_threads
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[var] = str(args.torch_threads)
    return env


def isoplast_env():
    env = dict(os.environ)
    env.setdefault("OMP_WAIT_POLICY", "passive")  # as the launcher sets it
    return env


# ---- timing ----

def become_subreaper():
    """Linux: descendants whose parent exits before them are re-parented to this process (not to init),
    so timed() can reap them and count their CPU too. False where prctl is not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def reap_orphans(grace_s=10.0):
    """Waits (up to grace_s) for descendants left behind by the process just timed; their rusage and count."""
    utime = stime = maxrss = 0.0
    count, deadline = 0, time.monotonic() + grace_s
    while True:
        try:
            pid, _, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:  # no child left
            return utime, stime, maxrss, count
        if pid == 0:
            if time.monotonic() > deadline:
                say(f"descendants still running {grace_s:.0f} s after the timed process ended; not counted")
                return utime, stime, maxrss, count
            time.sleep(0.05)
            continue
        utime, stime, maxrss, count = utime + usage.ru_utime, stime + usage.ru_stime, max(maxrss, usage.ru_maxrss), count + 1


def timed(cmd, env, log_dir, name):
    """Runs cmd to its end; wall time, CPU of the process tree, peak RSS, and its stdout.

    os.wait4 gives the process's rusage including every descendant it reaped (the JVM stops and waits
    for its env server); descendants it left behind are reaped here as orphans (become_subreaper)."""
    out_path, err_path = log_dir / f"{name}.out", log_dir / f"{name}.err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = err_path.read_text(errors="replace").strip().splitlines()[-3:]
        die(f"{name} exited with {proc.returncode}: {' | '.join(tail) or 'no message'} (command: {' '.join(cmd)})")
    o_utime, o_stime, o_maxrss, orphans = reap_orphans()
    utime, stime = usage.ru_utime + o_utime, usage.ru_stime + o_stime
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(utime + stime, 3),
        "user_s": round(utime, 3),
        "sys_s": round(stime, 3),
        "peak_rss_mib": round(max(usage.ru_maxrss, o_maxrss) / 1024, 1),
        "orphans_reaped": orphans,
    }, out_path.read_text(errors="replace")


def last_json_line(text, name):
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    die(f"{name} printed no JSON line")


def isoplast_figures(job, run_dir):
    """What the run reported about itself (summary.json)."""
    summary = json.loads((run_dir / "summary.json").read_text())
    if job == "continual":
        accs = [t["accuracy"] for t in summary.get("tasks", [])]
        return {"tasks": len(accs), "steps": summary.get("steps"),
                "online_accuracy_first_task": accs[0] if accs else None,
                "online_accuracy_last_task": accs[-1] if accs else None,
                "online_accuracy_mean": round(statistics.fmean(accs), 4) if accs else None,
                "steps_per_s": summary.get("steps_per_s"), "train_wall_s": summary.get("wall_s")}
    return {"global_step": summary.get("total_steps"), "episodes": summary.get("episodes"),
            "mean_return_last_20": summary.get("final_mean_return"), "sps": summary.get("sps"),
            "train_wall_s": summary.get("wall_s"), "monitor_s": summary.get("monitor_s")}


def run_isoplast(job, args, work):
    run_dir = Path(tempfile.mkdtemp(prefix=f"isoplast-{job}-", dir=work))
    shutil.rmtree(run_dir)  # the CLI makes it
    figures, _ = timed(isoplast_cmd(job, args, run_dir), isoplast_env(), work, run_dir.name)
    figures["result"] = isoplast_figures(job, run_dir)
    if args.keep_runs:
        figures["run_dir"] = str(run_dir)
    else:
        shutil.rmtree(run_dir, ignore_errors=True)
    return figures


def run_torch(job, args, work, name):
    figures, out = timed(torch_cmd(job, args), torch_env(args), work, name)
    figures["result"] = last_json_line(out, name)
    return figures


def medians(runs):
    return {k: round(statistics.median(r[k] for r in runs), 3) for k in ("wall_s", "cpu_s", "peak_rss_mib")}


def bench_job(job, args, work):
    pairs = []
    for i in range(args.pairs):
        order = ("isoplast", "torch") if i % 2 == 0 else ("torch", "isoplast")
        pair = {"order": list(order)}
        for side in order:
            say(f"{job}: pair {i + 1}/{args.pairs}, {side}")
            pair[side] = (run_isoplast(job, args, work) if side == "isoplast"
                          else run_torch(job, args, work, f"torch-{job}-{i + 1}"))
        pair["ratio"] = {k: round(pair["isoplast"][f"{k}_s"] / pair["torch"][f"{k}_s"], 3) for k in ("wall", "cpu")}
        pairs.append(pair)
    med = {side: medians([p[side] for p in pairs]) for side in ("isoplast", "torch")}
    iso = isoplast_cmd(job, args, Path("TMP"))
    return {
        "isoplast_command": "isoplast " + " ".join(iso[iso.index("-jar") + 2:]),
        "torch_command": " ".join(str(Path(c).relative_to(ROOT)) if c.startswith(str(ROOT)) else c
                                  for c in torch_cmd(job, args)),
        "pairs": pairs,
        "median": med,
        "ratio_isoplast_over_torch": {
            "wall": round(med["isoplast"]["wall_s"] / med["torch"]["wall_s"], 3),
            "cpu": round(med["isoplast"]["cpu_s"] / med["torch"]["cpu_s"], 3),
        },
    }


# ---- --check: the yardsticks learn ----

def check_job(job, args, work):
    figures, out = timed(torch_cmd(job, args), torch_env(args), work, f"check-{job}")
    r = last_json_line(out, job)
    if job == "continual":
        ok = r["online_accuracy_mean"] >= CHECK_MIN_ACCURACY
        rule = f"online_accuracy_mean >= {CHECK_MIN_ACCURACY}"
    else:
        first, last = r["mean_return_first_20"], r["mean_return_last_20"]
        minatar = job == "minatar-dqn"
        floor, gain = (CHECK_MINATAR_RETURN, CHECK_MINATAR_GAIN) if minatar else (CHECK_MIN_RETURN, CHECK_MIN_GAIN)
        ok = last >= floor and last >= gain * first
        rule = f"mean_return_last_20 >= {floor} and >= {gain} x mean_return_first_20"
    return {"passed": ok, "rule": rule, "result": r, "wall_s": figures["wall_s"]}


# ---- the machine and versions ----

def machine():
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu_model": model, "cores": os.cpu_count(), "platform": platform.platform()}


def versions():
    def first_line(cmd, stream="stdout"):
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            text = (r.stdout if stream == "stdout" else r.stderr).strip()
            return text.splitlines()[0] if text else None
        except (OSError, subprocess.TimeoutExpired):
            return None
    return {
        "java": first_line(["java", "-version"], "stderr"),
        "torch": first_line([str(VENV_PY), "-c", "import torch; print(torch.__version__)"]),
        "gymnasium_torch_side": first_line([str(VENV_PY), "-c", "import gymnasium; print(gymnasium.__version__)"]),
        "python_torch_side": first_line([str(VENV_PY), "-c", "import platform; print(platform.python_version())"]),
    }


def commit():
    def git(*a):
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {"sha": git("rev-parse", "HEAD") or None, "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def load_average():
    return [round(x, 2) for x in os.getloadavg()]


def main(argv=None):
    args = parse_args(argv)
    ensure_venv()
    if "continual" in args.jobs or not args.check:
        ensure_isoplast()  # the digits (and, for timing, the jar)
    if not MNIST.exists() and "continual" in args.jobs:
        die(f"{MNIST.relative_to(ROOT)} is missing: run ./isoplast setup")
    subreaper = become_subreaper()
    work = Path(tempfile.mkdtemp(prefix="vs-torch-", dir=ROOT / ".isoplast"))
    out = {
        "benchmark": "isoplast vs plain PyTorch loops of the same shape" + (" (--check)" if args.check else ""),
        "started_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "orphans_counted": subreaper,
        "load_average_start": load_average(),
        "commit": commit(),
        "versions": versions(),
        "settings": {**({} if args.check else {"pairs": args.pairs}), "torch_threads": args.torch_threads,
                     "seed": args.seed, "tasks": args.tasks, "ppo_steps": args.ppo_steps, "dqn_steps": args.dqn_steps},
        "jobs": {},
    }
    try:
        for job in args.jobs:
            out["jobs"][job] = check_job(job, args, work) if args.check else bench_job(job, args, work)
    finally:
        if args.keep_runs:
            say(f"run directories and logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    out["load_average_end"] = load_average()
    text = json.dumps(out, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    if args.check and not all(j["passed"] for j in out["jobs"].values()):
        die("a PyTorch yardstick did not learn: " + ", ".join(j for j, r in out["jobs"].items() if not r["passed"]))


if __name__ == "__main__":
    main()
