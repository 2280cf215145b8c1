#!/usr/bin/env bash
# Regenerates the ready-made states bundled in assets/states/ (issue 12): saved runs that open
# in one click, each trained by the headless command below (build first: cargo build --release).
#
#   tools/make-states.sh            # every state
#   STATES="ring8-ns-collapsed" tools/make-states.sh
#
# A state keeps a saved run's files (run.json, weights, optimisers' state, state.json with the
# curves, and curves.csv or the race's race.csv); tests/ready_made_states.rs opens each and
# checks it shows what its name says. Training is seeded, but the hand-written kernels differ per instruction set, so another
# processor may end at slightly other weights: rerun the tests after regenerating. The states
# in the repository were made on an AMD EPYC (AVX-512).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/latent-lab}
[ -x "$BIN" ] || { echo "no $BIN: build it first (cargo build --release)" >&2; exit 1; }
ALL="ring8-ns-collapsed ring8-wgan-gp-all-modes mnist5k-ae-vae js-w1-race-finished"
STATES=${STATES:-$ALL}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# state NAME ARGS…: trains `latent-lab ARGS` and keeps its saved run as assets/states/NAME.
state() {
  local name=$1
  shift
  case " $STATES " in *" $name "*) ;; *) return 0 ;; esac
  echo "$name: latent-lab $*" >&2
  "$BIN" "$@" --out "$tmp/$name" --quiet
  rm -rf "assets/states/$name"
  mkdir -p "assets/states/$name"
  cp "$tmp/$name"/{run.json,weights.safetensors,optimizers.safetensors,state.json} "assets/states/$name/"
  # The lab's CSV for people: the curves, or the race's θs at every step.
  for csv in curves.csv race.csv; do
    [ -f "$tmp/$name/$csv" ] && cp "$tmp/$name/$csv" "assets/states/$name/"
  done
  return 0
}

# The non-saturating GAN on the ring of 8: by step 6000 it covers 2 of the 8 modes (collapse).
state ring8-ns-collapsed train gan --data ring8 --loss ns --seed 6 --steps 6000 --eval-every 250
# The same data and seed under WGAN-GP: every mode covered by step 15000.
state ring8-wgan-gp-all-modes train gan --data ring8 --loss wgan-gp --seed 6 --steps 15000 --eval-every 500
# An AE and a VAE (K = 2) trained side by side on MNIST-5k. Hidden width 64 keeps the state,
# optimisers' moments included, under 3 MB; the log p(x) settings are the window's.
state mnist5k-ae-vae train vae --data mnist5k --hidden 64 --seed 1 --steps 6000 --eval-every 250 \
  --iw-samples 50 --iw-images 100
# The JS vs W1 race from θ0 = 1 (gradient penalty): the WGAN's θ reaches 0, the GAN's stalls.
state js-w1-race-finished lines --race --theta0 1 --steps 600 --seed 0
du -sh assets/states >&2
