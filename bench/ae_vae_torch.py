# The AE vs VAE lab's step in PyTorch, for side-by-side timing: an AE and a VAE of the same
# shape (784 -> 256 -> 256 -> K or 2K, decoders mirrored, ReLU), each with its own Adam
# (lr 1e-3), both updated on the same minibatch of 128 MNIST-5k images, Bernoulli likelihood,
# one sample of z. Prints steps/s (no evaluation).
import torch, time, sys, os, gzip, numpy as np
torch.manual_seed(0)
data = np.loadtxt(gzip.open(sys.argv[1]), delimiter=',')
D = data.shape[1] - 1; scale = 16.0 if D == 64 else 255.0
X = torch.tensor(data[:, :D] / scale, dtype=torch.float32)
X = X[torch.randperm(len(X))][: int(0.85 * len(X))]
H = int(os.environ.get("H", 256)); K = int(os.environ.get("K", 2)); B = int(os.environ.get("B", 128)); steps = int(os.environ.get("STEPS", 500))
def mlp(i, o):
    return torch.nn.Sequential(torch.nn.Linear(i, H), torch.nn.ReLU(), torch.nn.Linear(H, H), torch.nn.ReLU(), torch.nn.Linear(H, o))
vae_enc, vae_dec, ae_enc, ae_dec = mlp(D, 2 * K), mlp(K, D), mlp(D, K), mlp(K, D)
opt_vae = torch.optim.Adam(list(vae_enc.parameters()) + list(vae_dec.parameters()), lr=1e-3)
opt_ae = torch.optim.Adam(list(ae_enc.parameters()) + list(ae_dec.parameters()), lr=1e-3)
bce = torch.nn.functional.binary_cross_entropy_with_logits
def step():
    x = X[torch.randint(0, len(X), (B,))]
    mu, logvar = vae_enc(x).chunk(2, -1)
    z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
    rec = bce(vae_dec(z), x, reduction='none').sum(-1)
    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(-1)
    opt_vae.zero_grad(); (rec + kl).mean().backward(); opt_vae.step()
    ae_loss = bce(ae_dec(ae_enc(x)), x, reduction='none').sum(-1).mean()
    opt_ae.zero_grad(); ae_loss.backward(); opt_ae.step()
for _ in range(20): step()
t = time.time()
for _ in range(steps): step()
print(f"{steps/(time.time()-t):.1f} steps/s torch threads={torch.get_num_threads()}")
