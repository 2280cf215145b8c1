# The GAN reference of issue 6 (../shared/bench/gan_torch.py), with the number of hidden
# layers as a variable (LAYERS, default 2 as there) so that the GAN lab's default (3) can be
# compared too. H, B: width and batch. Prints steps/s after 50 warm-up steps.
import torch, time, sys, os
torch.manual_seed(0)
h = int(os.environ.get("H", 128)); b = int(os.environ.get("B", 256)); layers = int(os.environ.get("LAYERS", 2))
def mlp(i, o):
    mods = [torch.nn.Linear(i, h), torch.nn.ReLU()]
    for _ in range(layers - 1):
        mods += [torch.nn.Linear(h, h), torch.nn.ReLU()]
    return torch.nn.Sequential(*mods, torch.nn.Linear(h, o))
G = mlp(2, 2); D = mlp(2, 1)
og = torch.optim.AdamW(G.parameters(), lr=1e-3, weight_decay=0.0); od = torch.optim.AdamW(D.parameters(), lr=1e-3, weight_decay=0.0)
n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
def step():
    real = torch.randn(b, 2); z = torch.randn(b, 2)
    fake = G(z).detach()
    dl = -(torch.sigmoid(D(real)).log().mean()) - (1 - torch.sigmoid(D(fake))).log().mean()
    od.zero_grad(); dl.backward(); od.step()
    z = torch.randn(b, 2)
    gl = -(torch.sigmoid(D(G(z))).log().mean())
    og.zero_grad(); gl.backward(); og.step()
for _ in range(50): step()
t = time.time()
for _ in range(n): step()
print(f"{n/(time.time()-t):.1f} steps/s torch threads={torch.get_num_threads()}")
