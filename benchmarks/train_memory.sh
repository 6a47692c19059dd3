#!/usr/bin/env bash
# Peak resident memory of one training epoch on a jet store, per model.
# Usage: benchmarks/train_memory.sh STORE [MODEL ...]   (default models: pfn particlenet-lite)
# Prints a markdown table; each row is a fresh `jetgnn train` process measured by GNU time.
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 STORE [MODEL ...]" >&2
    exit 2
fi
store=$1
shift
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
    models=(pfn particlenet-lite)
fi
jetgnn=${JETGNN:-.venv/bin/jetgnn}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

echo "| model | training jets | peak RSS MiB | wall s |"
echo "|---|---|---|---|"
for model in "${models[@]}"; do
    /usr/bin/time -f "%M %e" -o "$scratch/time.txt" \
        "$jetgnn" train --model "$model" --data "$store" --out "$scratch/$model" \
        --epochs 1 --threads 1 --no-progress >/dev/null 2>&1
    read -r peak_kib wall <"$scratch/time.txt"
    jets=$(.venv/bin/python -c "import sys; from jetgnn.data import open_jets; print(len(open_jets(sys.argv[1]).split('train')))" "$store")
    echo "| $model | $jets | $((peak_kib / 1024)) | $wall |"
done
