#!/usr/bin/env bash
# Side-by-side speed of Latent Lab's training steps and the same models in PyTorch, on this
# machine, in one run. Prints a Markdown table (the README's performance section).
#
#   PYTHON=/path/to/venv/bin/python bench/compare.sh      (the venv needs: pip install torch numpy)
#
# Latent Lab runs on one compute thread; PyTorch gets the better of 1 and 2 threads.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
cargo build --release --quiet
LL=target/release/latent-lab
DATA=assets/mnist_5k.csv.gz

ours() { "$LL" bench "$@" --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["steps_per_sec"])'; }
torch_best() { # env... script args: best steps/s over 1 and 2 threads
  local best=0 r
  for t in 1 2; do
    r=$(env OMP_NUM_THREADS=$t MKL_NUM_THREADS=$t "$@" | grep -oE '[0-9]+\.[0-9]+ steps/s|steps/s=[0-9]+\.[0-9]+' | grep -oE '[0-9]+\.[0-9]+')
    best=$("$PY" -c "print(max($best, $r))")
  done
  echo "$best"
}
row() { # name ours torch
  "$PY" -c 'import sys; n, a, b = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]); print(f"| {n} | {a:.0f} | {b:.0f} | {a / b:.2f}× |")' "$1" "$2" "$3"
}

echo "| model (one training step) | Latent Lab steps/s | PyTorch steps/s | ratio |"
echo "|---|---|---|---|"
for hb in "128 256 2" "64 128 2" "32 64 2" "64 128 3"; do
  set -- $hb
  o=$(ours gan --hidden "$1" --batch "$2" --layers "$3" --steps 2000)
  t=$(torch_best H="$1" B="$2" LAYERS="$3" "$PY" bench/gan_torch.py 2000)
  label="GAN, MLPs $1×$3, batch $2"
  [ "$1 $2 $3" = "64 128 3" ] && label="$label (the GAN lab's default)"
  row "$label" "$o" "$t"
done
o=$(ours vae --models vae --steps 500)
t=$(torch_best STEPS=500 "$PY" bench/vae_torch.py "$DATA")
row "VAE alone, 784-256-256-2, batch 128, MNIST-5k" "$o" "$t"
o2=$(ours vae --models both --steps 300)
row "AE + VAE (the AE vs VAE lab's step) against PyTorch's VAE alone" "$o2" "$t"
o=$(ours optimal-d --steps 2000)
t=$(torch_best "$PY" bench/optimal_d_torch.py 2000)
row "Optimal D: D 64×2, affine G, batch 1024 (the lab's default)" "$o" "$t"
o=$(ours lines --steps 1000)
t=$(torch_best "$PY" bench/lines_torch.py 1000)
row "JS vs W1: discriminator + WGAN-GP critic, 64×2, batch 256 (the lab's default)" "$o" "$t"
