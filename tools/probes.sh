#!/usr/bin/env bash
# The probes behind issue 13's numbered defects ("Hardening"), re-run against the release
# binary: each probe is a hostile but fair input or setting; for each the script records the
# exit code, the first line of what the program said on stderr (or stdout when stderr is
# empty) and the peak resident memory (GNU time's "Maximum resident set size"), and prints a
# Markdown table. Each probe runs a few steps only; the whole script takes a few minutes.
#
# Usage: tools/probes.sh [path/to/latent-lab]   (default: target/release/latent-lab; build it
# with `cargo build --release`). Needs GNU time (/usr/bin/time; apt-get install time) and
# python3 (to write the binary inputs). Inputs and outputs go to a temporary folder, removed
# at the end.

set -u

BIN=${1:-target/release/latent-lab}
BIN=$(readlink -f "$BIN")
TIME=/usr/bin/time
[ -x "$BIN" ] || { echo "no binary at $BIN (cargo build --release)" >&2; exit 2; }
[ -x "$TIME" ] || { echo "GNU time is needed at $TIME (apt-get install time)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 2; }

W=$(mktemp -d /tmp/latent-lab-probes.XXXXXX)
trap 'rm -rf "$W"' EXIT
ROWS=()

# probe DEFECT INPUT CMD...: runs CMD under GNU time and adds a row.
probe() {
    local defect=$1 input=$2
    shift 2
    local out=$W/out.txt err=$W/err.txt tv=$W/time.txt
    "$TIME" -v -o "$tv" "$@" >"$out" 2>"$err"
    local code=$?
    cat "$out" "$err" >>"$W/everything-said.log"
    # GNU time reports a killed child as "Command terminated by signal N" and exits 128+N.
    local said
    said=$(grep -v '^\s*$' "$err" | head -n 1)
    [ -z "$said" ] && said=$(grep -v '^\s*$' "$out" | head -n 1)
    [ -z "$said" ] && said="(nothing)"
    said=${said//|/\\|}
    [ ${#said} -gt 150 ] && said="${said:0:150}…"
    local kb
    kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tv")
    local mb=$(( ${kb:-0} / 1024 ))
    ROWS+=("| $defect | $input | $code | \`$said\` | $mb MB |")
}

# --- inputs ----------------------------------------------------------------------------------
python3 - "$W" <<'EOF'
import gzip, os, struct, sys
w = sys.argv[1]
def idx_images(count, rows, cols, body):
    return struct.pack('>IIII', 0x803, count, rows, cols) + body
def idx_labels(count, body):
    return struct.pack('>II', 0x801, count) + body
def folder(name, files):
    d = os.path.join(w, name)
    os.makedirs(d, exist_ok=True)
    for f, data in files.items():
        open(os.path.join(d, f), 'wb').write(data)
ok_images = idx_images(4, 8, 8, bytes(range(256)))
ok_labels = idx_labels(4, bytes([1, 2, 3, 4]))
ok_test_images = idx_images(2, 8, 8, bytes(128))
ok_test_labels = idx_labels(2, bytes([5, 6]))
# 1. gzip bomb: a header promising 10 labels, then 400 MB of zeros (about 400 KB gzipped).
bomb = gzip.compress(idx_labels(10, bytes(10)) + bytes(400 << 20), 6)
folder('bomb', {'train-images-idx3-ubyte.gz': gzip.compress(idx_images(10, 8, 8, bytes(640))),
                'train-labels-idx1-ubyte.gz': bomb,
                't10k-images-idx3-ubyte': ok_test_images, 't10k-labels-idx1-ubyte': ok_test_labels})
# 1. a gzip labels file whose size trailer lies (says 4 GiB - 1): 177 bytes or so.
liar = bytearray(gzip.compress(idx_labels(4, bytes([1, 2, 3, 4]))))
liar[-4:] = struct.pack('<I', 0xFFFFFFFF)
folder('liar', {'train-images-idx3-ubyte': ok_images, 'train-labels-idx1-ubyte.gz': bytes(liar),
                't10k-images-idx3-ubyte': ok_test_images, 't10k-labels-idx1-ubyte': ok_test_labels})
# 1. a header that promises 4 G images of 4096x4096.
folder('huge-header', {'train-images-idx3-ubyte': idx_images(0xFFFFFFFF, 4096, 4096, bytes(64)),
                       'train-labels-idx1-ubyte': ok_labels,
                       't10k-images-idx3-ubyte': ok_test_images, 't10k-labels-idx1-ubyte': ok_test_labels})
# 2. two 512x512 images per set: models of about 6 GiB at width 256.
big = idx_images(2, 512, 512, bytes(2 * 512 * 512))
folder('big512', {'train-images-idx3-ubyte': big, 'train-labels-idx1-ubyte': idx_labels(2, bytes([0, 1])),
                  't10k-images-idx3-ubyte': big, 't10k-labels-idx1-ubyte': idx_labels(2, bytes([0, 1]))})
# 7. a bad IDX file: wrong magic.
folder('bad-magic', {'train-images-idx3-ubyte': struct.pack('>I', 0x12345678) + ok_images[4:],
                     'train-labels-idx1-ubyte': ok_labels,
                     't10k-images-idx3-ubyte': ok_test_images, 't10k-labels-idx1-ubyte': ok_test_labels})
# 7. a truncated IDX file.
folder('truncated', {'train-images-idx3-ubyte': ok_images[:100], 'train-labels-idx1-ubyte': ok_labels,
                     't10k-images-idx3-ubyte': ok_test_images, 't10k-labels-idx1-ubyte': ok_test_labels})
# 5. points of 1e30 and of 3e38.
def points(path, value):
    with open(os.path.join(w, path), 'w') as f:
        f.write('x,y\n')
        for i in range(200):
            f.write(f'{value * (1 + i % 7)},{-value * (1 + i % 5) / 3}\n')
points('p1e30.csv', 1e30)
points('p3e38.csv', 3e38 / 7)
# 7. not UTF-8.
open(os.path.join(w, 'latin1.csv'), 'wb').write(b'x,y\n1,2\n\xe9,3\n')
# 9. a long line: one field followed by 32 MB of commas.
open(os.path.join(w, 'long.csv'), 'wb').write(b'1' + b',' * (32 << 20) + b'\n')
# 9. a file past the 64 MiB cap.
with open(os.path.join(w, 'huge.csv'), 'wb') as f:
    f.write(b'0.5,0.5\n' * ((64 << 20) // 8 + 16))
# a good small points file, for the output probes.
points('good.csv', 1.0)
EOF

GAN_FAST=(--steps 20 --eval-every 10 --quiet)

# --- 1. bounded decompression ----------------------------------------------------------------
probe 1 "gzip bomb labels (10 labels + 400 MB of zeros, ~400 KB file)" \
    "$BIN" train vae --data "idx:$W/bomb" --steps 1 --out "$W/o1" --quiet
probe 1 "gzip labels file whose size trailer lies (4 GiB)" \
    "$BIN" train vae --data "idx:$W/liar" --steps 1 --out "$W/o2" --quiet
probe 1 "IDX header promising 4 G images of 4096x4096 (80-byte file)" \
    "$BIN" train vae --data "idx:$W/huge-header" --steps 1 --out "$W/o3" --quiet

# --- 2. image size tied to model size --------------------------------------------------------
probe 2 "VAE on 512x512 IDX images (width 256)" \
    "$BIN" train vae --data "idx:$W/big512" --steps 1 --out "$W/o4" --quiet

# --- 3. atomic outputs -----------------------------------------------------------------------
# A run of 1500 steps is timed, then 12 runs are killed (SIGKILL) at 20 % to 105 % of that time,
# so that some die while writing their end files: summary.json must be whole or absent.
ATOMIC=(train gan --steps 1500 --eval-every 1500 --quiet --force --out "$W/atomic")
t0=$(date +%s%N)
"$BIN" "${ATOMIC[@]}" >/dev/null 2>&1
run_ns=$(( $(date +%s%N) - t0 ))
whole=0 absent=0 broken=0
for pct in 20 40 60 75 85 90 93 96 98 100 102 105; do
    "$BIN" "${ATOMIC[@]}" >/dev/null 2>&1 &
    pid=$!
    sleep "$(python3 -c "print($run_ns * $pct / 100 / 1e9)")"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if [ ! -e "$W/atomic/summary.json" ]; then
        absent=$((absent + 1))
    elif python3 -m json.tool "$W/atomic/summary.json" >/dev/null 2>&1; then
        whole=$((whole + 1))
    else
        broken=$((broken + 1))
    fi
done
left=$(ls -A "$W/atomic" | grep -c '\.tmp-' || true)
probe 3 "12 GAN runs killed at 20–105 % of a run's time: summary.json whole $whole, absent $absent, broken $broken; temporary files left $left; then one full run" \
    "$BIN" train gan "${GAN_FAST[@]}" --force --out "$W/atomic"

# --- 4. reused output folders, --steps 0 ------------------------------------------------------
"$BIN" train gan "${GAN_FAST[@]}" --out "$W/reuse" >/dev/null 2>&1
probe 4 "a second GAN run into a non-empty --out" \
    "$BIN" train gan "${GAN_FAST[@]}" --out "$W/reuse"
probe 4 "the same with --force" \
    "$BIN" train gan "${GAN_FAST[@]}" --out "$W/reuse" --force
probe 4 "train gan --steps 0" "$BIN" train gan --steps 0 --out "$W/s0-gan"
probe 4 "train vae --steps 0 (Fashion-MNIST)" \
    "$BIN" train vae --steps 0 --data idx:/usr/share/datasets/fashion-mnist --out "$W/s0-vae"
probe 4 "train optimal-d --steps 0" "$BIN" train optimal-d --steps 0 --out "$W/s0-optd"
probe 4 "lines --steps 0" "$BIN" lines --steps 0 --out "$W/s0-lines"
probe 4 "--steps 0 left a folder?" \
    sh -c "ls -d '$W'/s0-* 2>/dev/null | wc -l | sed 's/^/folders made: /'"

# --- 5. finite blow-ups ----------------------------------------------------------------------
probe 5 "optimal-d --lr-d 1e6" "$BIN" train optimal-d --lr-d 1e6 --steps 300 --out "$W/o5" --quiet
probe 5 "GAN on CSV points of 1e30" "$BIN" train gan --data "csv:$W/p1e30.csv" "${GAN_FAST[@]}" --out "$W/o6"
probe 5 "GAN on CSV points of 3e38" "$BIN" train gan --data "csv:$W/p3e38.csv" "${GAN_FAST[@]}" --out "$W/o7"
probe 5 "GAN, SGD at learning rate 10 on both nets" \
    "$BIN" train gan --optimizer-d sgd --optimizer-g sgd --lr-d 10 --lr-g 10 --steps 300 --eval-every 100 --out "$W/o8" --quiet

# --- 6. samples.csv is what summary.json measured ---------------------------------------------
"$BIN" train gan --data grid25 --loss ns --steps 3000 --eval-every 1000 --seed 2 --out "$W/o9" --quiet >/dev/null 2>&1
probe 6 "GAN grid25 NS 3000 steps seed 2: modes covered in summary.json vs recomputed from samples.csv" \
    python3 - "$W/o9" <<'EOF'
import csv, json, sys
d = sys.argv[1]
s = json.load(open(f'{d}/summary.json'))
pts = [(float(r['x']), float(r['y'])) for r in csv.DictReader(open(f'{d}/samples.csv'))]
centres = [(2.0 * (k % 5 - 2), 2.0 * (k // 5 - 2)) for k in range(25)]
hq = [0] * 25
for x, y in pts:
    k = min(range(25), key=lambda k: (x - centres[k][0]) ** 2 + (y - centres[k][1]) ** 2)
    if (x - centres[k][0]) ** 2 + (y - centres[k][1]) ** 2 <= (3 * 0.05) ** 2:
        hq[k] += 1
print(f"summary.json modes_covered={s['modes_covered']}, recomputed from the {len(pts)} rows of samples.csv: {sum(c >= 20 for c in hq)}")
EOF

# --- 7. messages -----------------------------------------------------------------------------
probe 7 "non-UTF-8 CSV" "$BIN" train gan --data "csv:$W/latin1.csv" "${GAN_FAST[@]}" --out "$W/o10"
probe 7 "a bad IDX file (wrong magic)" "$BIN" train vae --data "idx:$W/bad-magic" --steps 1 --out "$W/o11"
probe 7 "a truncated IDX file" "$BIN" train vae --data "idx:$W/truncated" --steps 1 --out "$W/o12"
probe 7 "train gan --lr-d -0.1" "$BIN" train gan --lr-d -0.1 --steps 1 --out "$W/o13"
probe 7 "train optimal-d --lr-d -0.1" "$BIN" train optimal-d --lr-d -0.1 --steps 1 --out "$W/o14"
probe 7 "train vae --beta -1" "$BIN" train vae --beta -1 --steps 1 --out "$W/o15"
probe 7 "lines --theta 3" "$BIN" lines --theta 3 --steps 1 --out "$W/o16"
probe 7 "a missing CSV file" "$BIN" train gan --data "csv:$W/nope.csv" --steps 1 --out "$W/o17"
probe 7 "any message saying 'press Reset'? (all of the above)" \
    sh -c "grep -c 'press Reset' '$W/everything-said.log' | sed 's/^/lines saying it: /'"

# --- 8. progress on long work ----------------------------------------------------------------
probe 8 "VAE, 1 step on Fashion-MNIST: the final log p(x) is bounded and announced" \
    sh -c "'$BIN' train vae --data idx:/usr/share/datasets/fashion-mnist --steps 1 --iw-samples 10 --out '$W/o18' 2>&1 | grep -m1 -i 'log p(x)'"

# --- 9. smaller -------------------------------------------------------------------------------
probe 9 "CSV with a 32 MB line of commas" "$BIN" train gan --data "csv:$W/long.csv" "${GAN_FAST[@]}" --out "$W/o19"
probe 9 "CSV past the 64 MiB cap" "$BIN" train gan --data "csv:$W/huge.csv" "${GAN_FAST[@]}" --out "$W/o20"
"$BIN" train gan "${GAN_FAST[@]}" --out "$W/modes" >/dev/null 2>&1
probe 9 "file modes of a run's outputs" \
    sh -c "cd '$W/modes' && stat -c '%a %n' * | tr '\n' ' '"
probe 9 "a failed VAE data load: folder left?" \
    sh -c "'$BIN' train vae --data 'idx:$W/bad-magic' --steps 1 --out '$W/o21' --quiet 2>/dev/null; test -e '$W/o21' && echo 'folder left' || echo 'no folder'"

echo "| defect | input | exit | first line said | peak RSS |"
echo "|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
