# The JS vs W1 lab's default step in PyTorch, for side-by-side timing: at theta = 0.5, one
# step of a GAN discriminator (non-saturating loss) and one step of a WGAN-GP critic
# (lambda = 10), each an MLP 2 -> 64 -> 64 -> 1 (leaky ReLU 0.2), batch 256 points per line,
# Adam(lr 1e-3, betas (0.5, 0.9)). Real: (0, y), fake: (theta, y), y ~ U[0, 1].
# Prints steps/s after 50 warm-up steps.
import torch, time, sys
torch.manual_seed(0)
b, h, theta, lam = 256, 64, 0.5, 10.0
def mlp():
    return torch.nn.Sequential(torch.nn.Linear(2, h), torch.nn.LeakyReLU(0.2), torch.nn.Linear(h, h), torch.nn.LeakyReLU(0.2), torch.nn.Linear(h, 1))
D, C = mlp(), mlp()
od = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.9)); oc = torch.optim.Adam(C.parameters(), lr=1e-3, betas=(0.5, 0.9))
sp = torch.nn.functional.softplus
n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
def batch():
    real = torch.cat([torch.zeros(b, 1), torch.rand(b, 1)], 1)
    fake = torch.cat([torch.full((b, 1), theta), torch.rand(b, 1)], 1)
    return real, fake
def step():
    real, fake = batch()
    dl = sp(-D(real)).mean() + sp(D(fake)).mean()
    od.zero_grad(); dl.backward(); od.step()
    real, fake = batch()
    alpha = torch.rand(b, 1)
    xh = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    g, = torch.autograd.grad(C(xh).sum(), xh, create_graph=True)
    gp = lam * ((g.pow(2).sum(1) + 1e-12).sqrt() - 1).pow(2).mean()
    cl = C(fake).mean() - C(real).mean() + gp
    oc.zero_grad(); cl.backward(); oc.step()
for _ in range(50): step()
t = time.time()
for _ in range(n): step()
print(f"{n/(time.time()-t):.1f} steps/s torch threads={torch.get_num_threads()}")
