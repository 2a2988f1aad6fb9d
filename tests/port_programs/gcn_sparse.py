# tolerance: 1e-9
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(4)
num_nodes, feats, classes = 12, 5, 3
edges = set()
for i in range(num_nodes):
    for j in rng.choice(num_nodes, size=2, replace=False):
        if i != j:
            edges.add((i, int(j)))
            edges.add((int(j), i))
edge_index = torch.tensor(sorted(edges)).t().contiguous()
print(edge_index.shape, edge_index.dtype)
x = torch.tensor(rng.normal(size=(num_nodes, feats)))
y = torch.tensor(rng.integers(0, classes, size=num_nodes))
train_mask = torch.zeros(num_nodes, dtype=torch.bool)
train_mask[:8] = True

# normalized adjacency with self loops, sparse and dense
loops = torch.arange(num_nodes).unsqueeze(0).repeat(2, 1)
ei = torch.cat([edge_index, loops], dim=1)
deg = torch.zeros(num_nodes).scatter_add_(0, ei[0], torch.ones(ei.size(1)))
deg_inv_sqrt = deg.pow(-0.5)
deg_inv_sqrt[torch.isinf(deg_inv_sqrt)] = 0
values = deg_inv_sqrt[ei[0]] * deg_inv_sqrt[ei[1]]
A = torch.sparse_coo_tensor(ei, values, (num_nodes, num_nodes)).coalesce()
A_dense = A.to_dense()
print(A.is_sparse, A._nnz(), torch.allclose(A_dense, A_dense.t()), round(A_dense.sum().item(), 10))


class GCNLayer(nn.Module):
    def __init__(self, fin, fout):
        super().__init__()
        self.linear = nn.Linear(fin, fout, bias=False)
        self.bias = nn.Parameter(torch.zeros(fout))

    def forward(self, x, adj):
        return torch.sparse.mm(adj, self.linear(x)) + self.bias


class MessagePassing(nn.Module):
    """The same layer by gathering neighbours and index_add_."""

    def __init__(self, fin, fout):
        super().__init__()
        self.linear = nn.Linear(fin, fout, bias=False)
        self.bias = nn.Parameter(torch.zeros(fout))

    def forward(self, x, ei, weight):
        h = self.linear(x)
        messages = h[ei[1]] * weight.unsqueeze(-1)
        out = torch.zeros_like(h).index_add_(0, ei[0], messages)
        return out + self.bias


class GCN(nn.Module):
    def __init__(self, layer):
        super().__init__()
        self.l1 = layer(feats, 8)
        self.l2 = layer(8, classes)

    def forward(self, *graph):
        h = F.relu(self.l1(x, *graph))
        h = F.dropout(h, p=0.5, training=False)
        return F.log_softmax(self.l2(h, *graph), dim=1)


def load(model, seed):
    r = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.tensor(r.normal(0, 0.5, tuple(p.shape))))


for name, model, graph in (("sparse", GCN(GCNLayer), (A,)), ("messages", GCN(MessagePassing), (ei, values))):
    load(model, 5)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05, weight_decay=5e-4)
    for epoch in range(6):
        model.train()
        optimizer.zero_grad()
        out = model(*graph)
        loss = F.nll_loss(out[train_mask], y[train_mask])
        loss.backward()
        optimizer.step()
        if epoch % 2 == 0:
            print(name, epoch, round(loss.item(), 10), round(model.l1.linear.weight.grad.abs().sum().item(), 10))
    model.eval()
    with torch.no_grad():
        pred = model(*graph).argmax(dim=1)
        acc = (pred[~train_mask] == y[~train_mask]).float().mean().item()
    print(name, pred.tolist(), acc)

# torch_scatter-style pooling with scatter_reduce
batch = torch.tensor([0] * 5 + [1] * 7)
pooled_sum = torch.zeros(2, feats).index_add_(0, batch, x)
counts = torch.bincount(batch).unsqueeze(1)
pooled_max = torch.zeros(2, feats).scatter_reduce(
    0, batch.unsqueeze(1).expand(-1, feats), x, reduce="amax", include_self=False
)
print((pooled_sum / counts).sum().item().__round__(10), pooled_max.sum().item().__round__(10))
