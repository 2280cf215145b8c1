# The optimal-discriminator lab's default step in PyTorch, for side-by-side timing: D an MLP
# 1 -> 64 -> 64 -> 1 (ReLU), G affine x = a z + b, batch 1024, non-saturating losses with a
# stable softplus, Adam(lr 1e-3, betas (0.5, 0.999)); one D step then one G step. Data: an
# equal mixture of N(-2, 0.5^2) and N(2, 0.5^2). Prints steps/s after 50 warm-up steps.
import torch, time, sys, os
torch.manual_seed(0)
b = int(os.environ.get("B", 1024)); h = int(os.environ.get("H", 64))
D = torch.nn.Sequential(torch.nn.Linear(1, h), torch.nn.ReLU(), torch.nn.Linear(h, h), torch.nn.ReLU(), torch.nn.Linear(h, 1))
G = torch.nn.Linear(1, 1)
od = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999)); og = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
sp = torch.nn.functional.softplus
n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
def data(k):
    sign = torch.randint(0, 2, (k, 1)).float() * 4 - 2
    return sign + 0.5 * torch.randn(k, 1)
def step():
    real = data(b); fake = G(torch.randn(b, 1)).detach()
    dl = sp(-D(real)).mean() + sp(D(fake)).mean()
    od.zero_grad(); dl.backward(); od.step()
    gl = sp(-D(G(torch.randn(b, 1)))).mean()
    og.zero_grad(); gl.backward(); og.step()
for _ in range(50): step()
t = time.time()
for _ in range(n): step()
print(f"{n/(time.time()-t):.1f} steps/s torch threads={torch.get_num_threads()}")
