# tolerance: 1e-9
import copy

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset, Subset, TensorDataset, random_split

torch.set_default_dtype(torch.float64)


class Regression(Dataset):
    def __init__(self, n, seed):
        r = np.random.default_rng(seed)
        self.x = r.normal(size=(n, 5))
        self.y = np.sin(self.x[:, :2].sum(1)) + 0.1 * r.normal(size=n)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"features": torch.from_numpy(self.x[i]), "target": float(self.y[i]), "index": i}


def collate(batch):
    return (
        torch.stack([b["features"] for b in batch]),
        torch.tensor([b["target"] for b in batch]).unsqueeze(1),
        [b["index"] for b in batch],
    )


full = Regression(70, 0)
train_set, val_set = Subset(full, range(50)), Subset(full, range(50, 70))
g = torch.Generator()
g.manual_seed(1234)
shuffled = DataLoader(train_set, batch_size=16, shuffle=True, drop_last=True, collate_fn=collate, generator=g)
seen = [idx for _, _, batch in shuffled for idx in batch]
print(len(shuffled), len(seen), len(set(seen)), all(0 <= i < 50 for i in seen))
a, b = random_split(range(10), [0.7, 0.3], generator=torch.Generator().manual_seed(42))
print(len(a), len(b), sorted(list(a) + list(b)) == list(range(10)))

# the compared run: a fixed order
train_loader = DataLoader(train_set, batch_size=16, shuffle=False, drop_last=True, collate_fn=collate)
val_loader = DataLoader(val_set, batch_size=8, collate_fn=collate)
print(len(train_loader), len(val_loader), [len(idx) for _, _, idx in val_loader])


def make_model():
    model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1))
    r = np.random.default_rng(7)
    model.load_state_dict(
        {k: torch.from_numpy(r.normal(0, 0.4, tuple(v.shape))) for k, v in model.state_dict().items()}
    )
    return model


def evaluate(model, loader, loss_fn):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for x, y, _ in loader:
            total += loss_fn(model(x), y).item() * len(y)
    return total / len(loader.dataset)


def train(model, optimizer, scheduler, plateau, epochs, start_epoch=0, ckpt=None, best=None):
    loss_fn = nn.MSELoss()
    best_loss = float("inf") if best is None else best
    patience, bad_epochs = 3, 0
    for epoch in range(start_epoch, epochs):
        model.train()
        for step, (x, y, _) in enumerate(train_loader):
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=2.0, norm_type=2)
            optimizer.step()
            scheduler.step()
        val = evaluate(model, val_loader, loss_fn)
        plateau.step(val)
        lrs = [f"{group['lr']:.8f}" for group in optimizer.param_groups]
        print(f"epoch {epoch} train {loss.item():.12f} val {val:.12f} norm {norm.item():.10f} lr {lrs}")
        if val < best_loss - 1e-4:
            best_loss, bad_epochs = val, 0
            if ckpt is not None:
                torch.save(
                    {
                        "epoch": epoch,
                        "model_state_dict": model.state_dict(),
                        "optimizer_state_dict": optimizer.state_dict(),
                        "scheduler_state_dict": scheduler.state_dict(),
                        "plateau_state_dict": plateau.state_dict(),
                        "best": best_loss,
                    },
                    ckpt,
                )
        else:
            bad_epochs += 1
            if bad_epochs >= patience:
                print(f"early stop at epoch {epoch}")
                break
    return best_loss


def build(model):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if name.endswith("bias") else decay).append(p)
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
        lr=0.004,
        betas=(0.9, 0.99),
    )
    warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.2, total_iters=4)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=20, eta_min=1e-4)
    scheduler = torch.optim.lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[4])
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=1)
    return optimizer, scheduler, plateau


model = make_model()
optimizer, scheduler, plateau = build(model)
best = train(model, optimizer, scheduler, plateau, epochs=6, ckpt="SAVE_DIR/best.pt")
print(f"best {best:.12f}")
final_state = copy.deepcopy(model.state_dict())

# resume from the best checkpoint into fresh objects, train on
checkpoint = torch.load("SAVE_DIR/best.pt", weights_only=False)
model2 = make_model()
model2.load_state_dict(checkpoint["model_state_dict"])
optimizer2, scheduler2, plateau2 = build(model2)
optimizer2.load_state_dict(checkpoint["optimizer_state_dict"])
scheduler2.load_state_dict(checkpoint["scheduler_state_dict"])
plateau2.load_state_dict(checkpoint["plateau_state_dict"])
print(checkpoint["epoch"], sorted(checkpoint["optimizer_state_dict"]["state"][0]), scheduler2.last_epoch)
print(f"{evaluate(model2, val_loader, nn.MSELoss()):.12f}")
train(model2, optimizer2, scheduler2, plateau2, epochs=12, start_epoch=checkpoint["epoch"] + 1, best=checkpoint["best"])

# a state_dict alone, saved and loaded back into the same architecture
torch.save(model2.state_dict(), "SAVE_DIR/weights.pth")
model3 = make_model()
missing = model3.load_state_dict(torch.load("SAVE_DIR/weights.pth", weights_only=True))
print(missing, all(torch.equal(p, q) for p, q in zip(model2.parameters(), model3.parameters())))
print(any(not torch.equal(final_state[k], v) for k, v in model3.state_dict().items()))

# TensorDataset with a default collate: tuples of stacked tensors
td = TensorDataset(torch.arange(10.0).view(5, 2), torch.tensor([0, 1, 0, 1, 1]))
for xb, yb in DataLoader(td, batch_size=2):
    print(xb.tolist(), yb.tolist(), yb.dtype)
