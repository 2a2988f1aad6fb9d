# tolerance: 1e-9
import io

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(0)

corpus = (
    "the quick brown fox jumps over the lazy dog the dog sleeps and the fox runs "
    "a quick dog and a lazy fox meet the brown dog jumps"
).split()
vocab = sorted(set(corpus))
word_to_ix = {w: i for i, w in enumerate(vocab)}
counts = np.bincount([word_to_ix[w] for w in corpus], minlength=len(vocab)).astype(np.float64)
noise = counts**0.75 / (counts**0.75).sum()  # word2vec's unigram^(3/4) noise distribution
print(len(vocab), vocab[:5], f"{noise.max():.10f}")

window = 2
pairs = [
    (word_to_ix[corpus[i]], word_to_ix[corpus[j]])
    for i in range(len(corpus))
    for j in range(max(0, i - window), min(len(corpus), i + window + 1))
    if i != j
]
print(len(pairs), pairs[:4])


class SkipGram(nn.Module):
    """Skip-gram with negative sampling, as the popular word2vec ports write it: two sparse tables,
    the centre one uniform in +-0.5/dim and the context one at zeros."""

    def __init__(self, vocab_size, dim):
        super().__init__()
        self.u_embeddings = nn.Embedding(vocab_size, dim, sparse=True)
        self.v_embeddings = nn.Embedding(vocab_size, dim, sparse=True)
        init_range = 0.5 / dim
        with torch.no_grad():
            self.u_embeddings.weight.copy_(torch.from_numpy(rng.uniform(-init_range, init_range, (vocab_size, dim))))
        nn.init.constant_(self.v_embeddings.weight.data, 0)

    def forward(self, pos_u, pos_v, neg_v):
        emb_u = self.u_embeddings(pos_u)
        emb_v = self.v_embeddings(pos_v)
        emb_neg_v = self.v_embeddings(neg_v)
        score = torch.clamp(torch.sum(torch.mul(emb_u, emb_v), dim=1), max=10, min=-10)
        score = -F.logsigmoid(score)
        neg_score = torch.bmm(emb_neg_v, emb_u.unsqueeze(2)).squeeze()
        neg_score = torch.clamp(neg_score, max=10, min=-10)
        neg_score = -torch.sum(F.logsigmoid(-neg_score), dim=1)
        return torch.mean(score + neg_score)


model = SkipGram(len(vocab), 8)
optimizer = torch.optim.SparseAdam(list(model.parameters()), lr=0.05)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=12)
pair_array = np.array(pairs)
for epoch in range(3):
    order = rng.permutation(len(pairs))
    total = 0.0
    for start in range(0, len(order), 32):
        batch = pair_array[order[start : start + 32]]
        pos_u, pos_v = torch.from_numpy(batch[:, 0]), torch.from_numpy(batch[:, 1])
        neg_v = torch.from_numpy(rng.choice(len(vocab), size=(len(batch), 4), p=noise))
        optimizer.zero_grad()
        loss = model(pos_u, pos_v, neg_v)
        loss.backward()
        optimizer.step()
        scheduler.step()
        total += loss.item()
    print(f"epoch {epoch} loss {total:.12e} lr {scheduler.get_last_lr()[0]:.10e}")
print(f"u {model.u_embeddings.weight.norm().item():.12e} v {model.v_embeddings.weight.norm().item():.12e}")
untouched = (model.v_embeddings.weight.abs().sum(1) == 0).sum().item()
print("context rows never stepped", untouched)

# nearest neighbours by cosine similarity
emb = F.normalize(model.u_embeddings.weight.detach(), dim=1)
sims = emb @ emb.T
for word in ("dog", "fox"):
    i = word_to_ix[word]
    values, indices = sims[i].topk(3)
    print(word, [vocab[j] for j in indices.tolist()], [f"{v:.8f}" for v in values.tolist()])

# a checkpoint through an in-memory buffer, loaded into a fresh model by assignment
buffer = io.BytesIO()
torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3}, buffer)
buffer.seek(0)
checkpoint = torch.load(buffer)
fresh = SkipGram(len(vocab), 8)
result = fresh.load_state_dict(checkpoint["model"], assign=True)
print(result, checkpoint["epoch"], fresh.u_embeddings.weight.requires_grad)
print(torch.equal(fresh.u_embeddings.weight, model.u_embeddings.weight))
resumed = torch.optim.SparseAdam(list(fresh.parameters()), lr=0.05)
resumed.load_state_dict(checkpoint["optimizer"])
print(f"{resumed.state_dict()['state'][0]['exp_avg_sq'].sum().item():.12e}")
