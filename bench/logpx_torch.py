# Reference: the time of the importance-weighted log p(x) estimate that `latent-lab train vae`
# ends with (k samples of z for each of the first N test images), on a VAE of the lab's default
# shape (784-256-256-2, Bernoulli likelihood). The weights are left untrained: the time does
# not depend on them. Prints "seconds=S log_px=L".
#   OMP_NUM_THREADS=2 K=1000 N=750 python3 bench/logpx_torch.py assets/mnist_5k.csv.gz
import torch, time, sys, os, gzip, numpy as np, math
torch.manual_seed(0); np.random.seed(0)
data = np.loadtxt(gzip.open(sys.argv[1]), delimiter=',')
D = data.shape[1] - 1; scale = 16.0 if D == 64 else 255.0
X = torch.tensor(data[:, :D] / scale, dtype=torch.float32)
X = X[torch.randperm(len(X))]
ntr = int(0.85 * len(X)); te = X[ntr:]
H = int(os.environ.get("H", 256)); K = int(os.environ.get("LATENT", 2))
k = int(os.environ.get("K", 1000)); n = min(int(os.environ.get("N", 750)), len(te))
CHUNK = int(os.environ.get("CHUNK", 100))  # images per pass (k·CHUNK decoded rows)
te = te[:n]
enc = torch.nn.Sequential(torch.nn.Linear(D, H), torch.nn.ReLU(), torch.nn.Linear(H, H), torch.nn.ReLU(), torch.nn.Linear(H, 2 * K))
dec = torch.nn.Sequential(torch.nn.Linear(K, H), torch.nn.ReLU(), torch.nn.Linear(H, H), torch.nn.ReLU(), torch.nn.Linear(H, D))
bce = torch.nn.functional.binary_cross_entropy_with_logits
def estimate():
    total = 0.0
    for s in range(0, n, CHUNK):
        x = te[s:s + CHUNK]
        mu, logvar = enc(x).chunk(2, -1); std = (0.5 * logvar).exp()
        eps = torch.randn(k, *mu.shape); z = mu + eps * std
        logpx_z = -bce(dec(z), x.expand(k, -1, -1), reduction='none').sum(-1)
        logpz = -0.5 * (z.pow(2) + math.log(2 * math.pi)).sum(-1)
        logq = -0.5 * (eps.pow(2) + math.log(2 * math.pi) + logvar).sum(-1)
        lw = logpx_z + logpz - logq
        total += (torch.logsumexp(lw, 0) - math.log(k)).sum().item()
    return total / n
with torch.no_grad():
    estimate()  # warm-up
    t = time.time(); lp = estimate(); dt = time.time() - t
print(f"seconds={dt:.3f} log_px={lp:.2f}")
