#!/usr/bin/env bash
# Measure training and inference jets/s of every jetgnn model on one CUDA GPU, in float32 and under
# bfloat16 autocast, and write a markdown table.
#
# Usage (from the repository root, with a virtual environment that has a CUDA build of torch and
# jetgnn installed):
#     bash benchmarks/gpu.sh OUTPUT.md [DATA.npz]
# DATA.npz is an energyflow-format file of jets (X (N, M, 4), y (N,)), by default
# /work/shared/data/pythia_qg_0.npz. Environment variables:
#     PYTHON        interpreter to use (default: .venv/bin/python, else python3)
#     BATCH_SIZE    jets per batch (default 512)
#     TIME_LIMIT_S  measurement budget in seconds (default 240); models not reached in time are
#                   listed as skipped, so the whole script ends in under 5 minutes
#     GPU_BENCH_ALLOW_CPU=1  run on the CPU with small sizes, only to test this script without a GPU
# Exit status: 0 on success, 1 without a CUDA GPU, 2 for a wrong argument or a missing data file.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: bash benchmarks/gpu.sh OUTPUT.md [DATA.npz]" >&2
    exit 2
fi
output=$1
data=${2:-/work/shared/data/pythia_qg_0.npz}
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repository=$(dirname "$script_dir")

if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x "$repository/.venv/bin/python" ]]; then
        PYTHON="$repository/.venv/bin/python"
    else
        PYTHON=python3
    fi
fi
if [[ ! -f "$data" ]]; then
    echo "error: data file not found: $data. Pass an energyflow-format .npz file as the second argument." >&2
    exit 2
fi
if [[ ! -d "$(dirname "$output")" ]]; then
    echo "error: output directory not found: $(dirname "$output")" >&2
    exit 2
fi

if [[ "${GPU_BENCH_ALLOW_CPU:-0}" != 1 ]]; then
    if ! "$PYTHON" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
        torch_version=$("$PYTHON" -c 'import torch; print(torch.__version__)' 2>/dev/null || echo "not importable")
        echo "error: no CUDA GPU is available to torch ($PYTHON, torch $torch_version)." >&2
        echo "Run this script on a machine with an NVIDIA GPU and a CUDA build of torch." >&2
        exit 1
    fi
fi

export GPU_BENCH_OUTPUT=$output GPU_BENCH_DATA=$data GPU_BENCH_SCRIPT_DIR=$script_dir
exec "$PYTHON" - <<'PYTHON_END'
"""Time each registered jetgnn model on the GPU (fp32 and bf16 autocast); write a markdown table."""

import datetime
import os
import statistics
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.environ["GPU_BENCH_SCRIPT_DIR"])
import common

from jetgnn.models.registry import MODELS, build_model, count_parameters
from jetgnn.training.sampler import MultiplicityBatchSampler

on_cpu = os.environ.get("GPU_BENCH_ALLOW_CPU") == "1"
device = torch.device("cpu" if on_cpu else "cuda")
batch_size = int(os.environ.get("BATCH_SIZE", "64" if on_cpu else "512"))
time_limit = float(os.environ.get("TIME_LIMIT_S", "240"))
batches_per_pass = 2 if on_cpu else 20
repeats = 2 if on_cpu else 5
started = time.perf_counter()
if on_cpu:
    torch.set_num_threads(1)  # a test run of the script logic, not a CPU measurement

jets = common.load_jets(Path(os.environ["GPU_BENCH_DATA"]))
sampler = MultiplicityBatchSampler(jets.multiplicities, batch_size, seed=0)
chosen = common.stratified_batches(sampler.batches(0), batches_per_pass, jets.multiplicities)
batches = []
for indices in chosen:
    particles, mask, labels = jets.batch(indices)
    batches.append(
        (
            torch.from_numpy(particles).to(device),
            torch.from_numpy(mask).to(device),
            torch.from_numpy(labels).to(device),
        )
    )
num_jets = sum(len(indices) for indices in chosen)


def synchronize():
    if device.type == "cuda":
        torch.cuda.synchronize()


def autocast(precision):
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return nullcontext()


def train_pass(model, optimizer, precision):
    model.train()
    for particles, mask, labels in batches:
        optimizer.zero_grad(set_to_none=True)
        with autocast(precision):
            logits = model(particles, mask)
        F.cross_entropy(logits.float(), labels).backward()
        optimizer.step()
    synchronize()


def inference_pass(model, precision):
    model.eval()
    with torch.inference_mode(), autocast(precision):
        for particles, mask, _ in batches:
            model(particles, mask)
    synchronize()


def median_rate(run_once):
    run_once()  # warm-up: CUDA kernels, allocator, autocast caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run_once()
        times.append(time.perf_counter() - start)
    return num_jets / statistics.median(times)


rows = []
for name in MODELS:
    for precision in ("fp32", "bf16"):
        if time.perf_counter() - started > time_limit:
            rows.append([name, precision, "-", "-", "-", f"skipped: {time_limit:.0f} s limit reached"])
            continue
        torch.manual_seed(0)
        model = build_model(name, feature_set="kinpid").to(device)
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
        parameters = f"{count_parameters(model):,}"
        try:
            training = median_rate(lambda: train_pass(model, optimizer, precision))
            inference = median_rate(lambda: inference_pass(model, precision))
        except RuntimeError as error:
            # One failing combination (e.g. an operation without bf16 support) must not cost
            # the measurements of the others on a machine that is rarely available.
            message = str(error).splitlines()[0].replace("|", "/")
            print(f"{name} {precision}: failed: {message}", file=sys.stderr)
            rows.append([name, precision, parameters, "-", "-", f"failed: {message}"])
            continue
        rows.append([name, precision, parameters, f"{training:,.0f}", f"{inference:,.0f}", ""])
        print(f"{name} {precision}: training {training:,.0f} jets/s, inference {inference:,.0f} jets/s", file=sys.stderr)

if device.type == "cuda":
    device_name = torch.cuda.get_device_name(0)
else:
    device_name = f"CPU test run: {common.cpu_model()}, {torch.get_num_threads()} thread(s)"
mean_multiplicity = jets.multiplicities[np.concatenate(chosen)].mean()
lines = [
    f"command: bash benchmarks/gpu.sh {os.environ['GPU_BENCH_OUTPUT']} {os.environ['GPU_BENCH_DATA']}",
    f"date: {datetime.datetime.now().isoformat(timespec='minutes')}",
    f"device: {device_name}; torch {torch.__version__}",
    f"jets: {num_jets} per pass ({len(chosen)} multiplicity-grouped batches of {batch_size}, "
    f"mean multiplicity {mean_multiplicity:.1f}), feature set kinpid, median of {repeats} passes",
    f"total time: {time.perf_counter() - started:.0f} s",
    "",
    common.markdown_table(
        ["model", "precision", "parameters", "training jets/s", "inference jets/s", "note"], rows
    ),
]
report = "\n".join(lines) + "\n"
print(report)
output = Path(os.environ["GPU_BENCH_OUTPUT"])
temporary = output.with_name(f".{output.name}.{os.getpid()}.tmp")
temporary.write_text(report)
os.replace(temporary, output)
PYTHON_END
