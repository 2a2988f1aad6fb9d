# tolerance: 1e-10
import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
r = np.random.default_rng(0)
x = torch.from_numpy(r.normal(size=(4, 6))).requires_grad_()
labels = torch.tensor([2, 0, 5, 1])

# one-hot three ways
one_hot = torch.zeros(4, 6).scatter_(1, labels.unsqueeze(1), 1.0)
print(torch.equal(one_hot, F.one_hot(labels, num_classes=6).double()), one_hot.sum(0).tolist())
print(torch.zeros(4, 6, dtype=torch.long).scatter(1, labels[:, None], torch.ones(4, 1, dtype=torch.long)).tolist()[0])

# picking the label's score: gather, and advanced indexing
picked = x.gather(1, labels.unsqueeze(1)).squeeze(1)
print(torch.allclose(picked, x[torch.arange(4), labels]), [f"{v:.10f}" for v in picked.tolist()])

# top-k, sort, argsort, stable sort of ties
values, indices = x.topk(3, dim=1, largest=True, sorted=True)
print(indices.tolist(), f"{values.sum().item():.10f}")
s, order = torch.sort(torch.tensor([3, 1, 2, 1, 3, 0]), stable=True, descending=True)
print(s.tolist(), order.tolist(), torch.argsort(torch.tensor([2.0, -1.0, 0.5])).tolist())
print(x.detach().kthvalue(2, dim=1).indices.tolist(), x.detach().argmax(dim=1).tolist())

# masks: masked_fill, where, nonzero, masked_select
mask = (x > 0.5) | (torch.arange(6) == labels[:, None])  # the label always kept
filled = x.masked_fill(~mask, float("-inf"))
probs = torch.softmax(filled, dim=1)
print(mask.sum().item(), torch.nonzero(mask).tolist()[:4], [t.tolist() for t in mask.nonzero(as_tuple=True)][0])
print([f"{v:.10f}" for v in probs[0].tolist()])
print(torch.where(mask, x, torch.zeros_like(x)).sum().item() == x[mask].sum().item(), x.masked_select(mask).shape)
print(torch.where(torch.tensor([True, False, True]))[0].tolist(), torch.argwhere(mask[:2]).tolist())

# cumulative ops and running statistics
c = torch.tensor([1.0, 2.0, 3.0, 4.0])
print(c.cumsum(0).tolist(), c.cumprod(0).tolist(), torch.cummax(torch.tensor([1, 3, 2, 5, 4]), 0).values.tolist())
print(abs(torch.logcumsumexp(c, 0)[-1] - torch.logsumexp(c, 0)).item() < 1e-12)

# repeat_interleave, repeat, expand, tile
print(torch.repeat_interleave(torch.tensor([1, 2, 3]), torch.tensor([2, 0, 3])).tolist())
print(torch.tensor([[1, 2]]).repeat(2, 2).tolist(), torch.tensor([[1], [2]]).expand(2, 3).tolist())
print(torch.arange(3).repeat_interleave(2).tolist(), torch.tile(torch.tensor([1, 2]), (2,)).tolist())

# triangular masks
n = 4
causal = torch.tril(torch.ones(n, n, dtype=torch.bool))
print(causal.int().tolist(), torch.triu(torch.ones(n, n), diagonal=1).sum().item())
rows, cols = torch.triu_indices(3, 3, offset=1)
print(rows.tolist(), cols.tolist(), torch.tril_indices(3, 3).shape)

# index_select, index_add_, scatter_add_, scatter_reduce, bincount, unique
emb = torch.from_numpy(r.normal(size=(5, 3))).requires_grad_()
idx = torch.tensor([4, 0, 4, 2])
sel = emb.index_select(0, idx)
pooled = torch.zeros(2, 3).index_add(0, torch.tensor([0, 1, 1, 0]), sel)
segment_sum = torch.zeros(2, 3).scatter_add(0, torch.tensor([0, 1, 1, 0])[:, None].expand(4, 3), sel)
print(torch.allclose(pooled, segment_sum), [f"{v:.10f}" for v in pooled.flatten().tolist()[:3]])
seg_max = torch.zeros(2, 3).scatter_reduce(
    0, torch.tensor([0, 1, 1, 0])[:, None].expand(4, 3), sel, reduce="amax", include_self=False
)
print([f"{v:.10f}" for v in seg_max.flatten().tolist()])
print(
    torch.bincount(torch.tensor([1, 1, 3, 0, 3, 3])).tolist(),
    torch.bincount(torch.tensor([0, 2]), minlength=4).tolist(),
)
u, inv, counts = torch.unique(torch.tensor([3, 1, 3, 2, 1, 3]), return_inverse=True, return_counts=True)
print(u.tolist(), inv.tolist(), counts.tolist(), torch.unique(torch.tensor([[1, 2], [1, 2], [0, 1]]), dim=0).tolist())

# shapes: chunk, split, narrow, unbind, stack, flatten, unflatten, permute, movedim, roll, flip
t = torch.arange(24.0).view(2, 3, 4)
print([p.shape for p in t.chunk(3, dim=2)], [p.shape for p in torch.split(t, [1, 2], dim=1)])
print(t.narrow(2, 1, 2).sum().item(), t.permute(2, 0, 1).shape, t.movedim(0, -1).shape, t.unflatten(2, (2, 2)).shape)
print(t.roll(1, dims=2)[0, 0].tolist(), t.flip(-1)[0, 0].tolist(), torch.rot90(t[0], 1, (0, 1))[0].tolist())
print(torch.take_along_dim(t, torch.tensor([[[3], [0], [1]]]), dim=2).flatten().tolist())
print(
    t.unfold(2, 2, 1).shape,
    F.pad(t, (1, 1)).shape,
    torch.meshgrid(torch.arange(2), torch.arange(3), indexing="ij")[1].tolist(),
)

# einsum: batch matmul, trace, outer, bilinear, ellipsis, diagonal
A = torch.from_numpy(r.normal(size=(2, 3, 4))).requires_grad_()
B = torch.from_numpy(r.normal(size=(2, 4, 5)))
W = torch.from_numpy(r.normal(size=(3, 4, 4)))
print(torch.allclose(torch.einsum("bij,bjk->bik", A, B), A @ B))
print(f"{torch.einsum('ii', A[0, :, :3]).item():.10f}", torch.einsum("i,j->ij", c, c[:2]).shape)
bil = torch.einsum("bn,anm,bm->ba", A[:, 0], W, A[:, 1])
print([f"{v:.10f}" for v in bil.flatten().tolist()])
print(torch.einsum("...ij->...ji", A).shape, f"{torch.einsum('bii->b', A[:, :, :3]).sum().item():.10f}")

# gradients through the idioms
loss = (
    probs.pow(2).sum()
    + values.sum()
    + picked.sum()
    + bil.pow(2).sum()
    + pooled.pow(2).sum()
    + seg_max.sum()
    + torch.cumsum(x, 1).pow(2).mean()
    + x.gather(1, indices).prod(1).sum()
)
loss.backward()
print(f"{loss.item():.12f}")
print([f"{v:.10f}" for v in x.grad[0].tolist()])
print([f"{v:.10f}" for v in emb.grad.flatten().tolist()])
print(f"{A.grad.norm().item():.12f}")
