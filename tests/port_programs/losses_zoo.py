# tolerance: 1e-9
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(9)
x = torch.tensor(rng.normal(size=(16, 4)))
y_reg = torch.tensor(rng.normal(size=(16, 1)))
y_count = torch.tensor(rng.poisson(2.0, size=(16, 1))).double()
y_bin = torch.tensor(rng.integers(0, 2, size=(16, 3))).double()
y_cls = torch.tensor(rng.integers(0, 4, size=16))


class MDN(nn.Module):
    """A mixture density network: K Gaussians per input."""

    def __init__(self, k=3):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 16), nn.Softplus(beta=2.0), nn.Linear(16, 3 * k))
        self.k = k

    def forward(self, x):
        logits, mu, log_sigma = self.body(x).chunk(3, dim=-1)
        return F.log_softmax(logits, -1), mu, log_sigma.clamp(-5, 5)


def mdn_nll(log_pi, mu, log_sigma, y):
    dist = torch.distributions.Normal(mu, log_sigma.exp())
    return -torch.logsumexp(log_pi + dist.log_prob(y), dim=-1).mean()


def load(model, seed):
    r = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.tensor(r.normal(0, 0.4, tuple(p.shape))))


mdn = MDN()
load(mdn, 1)
opt = torch.optim.NAdam(mdn.parameters(), lr=0.02)
for step in range(6):
    opt.zero_grad()
    loss = mdn_nll(*mdn(x), y_reg)
    loss.backward()
    opt.step()
    print("mdn", step, round(loss.item(), 10))

head = nn.Linear(4, 1)
load(head, 2)
out = head(x)
var = F.softplus(out) + 0.1
criteria = {
    "huber": nn.HuberLoss(delta=0.5)(out, y_reg),
    "smooth_l1": nn.SmoothL1Loss(beta=0.3)(out, y_reg),
    "poisson": nn.PoissonNLLLoss(log_input=True)(out, y_count),
    "poisson_full": nn.PoissonNLLLoss(log_input=False, full=True)(var, y_count),
    "gaussian": nn.GaussianNLLLoss(full=True)(out, y_reg, var),
    "l1": F.l1_loss(out, y_reg, reduction="sum"),
}
for name, value in criteria.items():
    (g,) = torch.autograd.grad(value, head.weight, retain_graph=True)
    print(name, round(value.item(), 10), [round(v, 10) for v in g.flatten().tolist()])

multi = nn.Linear(4, 3)
load(multi, 3)
logits = multi(x)
pos_weight = torch.tensor([1.0, 2.0, 0.5])
for name, value in {
    "bce_pos_weight": nn.BCEWithLogitsLoss(pos_weight=pos_weight)(logits, y_bin),
    "bce_weight": F.binary_cross_entropy(torch.sigmoid(logits), y_bin, weight=torch.tensor([0.2, 1.0, 3.0])),
    "multilabel_margin_soft": nn.MultiLabelSoftMarginLoss()(logits, y_bin),
    "hinge": nn.HingeEmbeddingLoss(margin=0.5)(logits, 2 * y_bin - 1),
    "soft_margin": nn.SoftMarginLoss()(logits, 2 * y_bin - 1),
}.items():
    (g,) = torch.autograd.grad(value, multi.weight, retain_graph=True)
    print(name, round(value.item(), 10), round(g.abs().sum().item(), 10))

cls = nn.Linear(4, 4)
load(cls, 4)
scores = cls(x)
weights = torch.tensor([1.0, 0.5, 2.0, 1.5])
for name, value in {
    "ce_weight": nn.CrossEntropyLoss(weight=weights)(scores, y_cls),
    "ce_weight_smooth": nn.CrossEntropyLoss(weight=weights, label_smoothing=0.2)(scores, y_cls),
    "ce_ignore": F.cross_entropy(scores, torch.where(y_cls == 2, -100, y_cls)),
    "ce_soft_targets": F.cross_entropy(scores, F.softmax(torch.tensor(rng.normal(size=(16, 4))), dim=1)),
    "multi_margin": nn.MultiMarginLoss(p=1, margin=0.8, weight=weights)(scores, y_cls),
    "nll_sum": F.nll_loss(F.log_softmax(scores, 1), y_cls, reduction="sum"),
}.items():
    (g,) = torch.autograd.grad(value, cls.weight, retain_graph=True)
    print(name, round(value.item(), 10), round(g.abs().sum().item(), 10))

emb_a, emb_b, emb_c = (torch.tensor(rng.normal(size=(8, 5)), requires_grad=True) for _ in range(3))
target = torch.tensor(rng.choice([-1.0, 1.0], size=8))
for name, value in {
    "triplet": nn.TripletMarginLoss(margin=1.0, p=2)(emb_a, emb_b, emb_c),
    "triplet_swap": nn.TripletMarginLoss(margin=0.5, swap=True)(emb_a, emb_b, emb_c),
    "triplet_cosine": nn.TripletMarginWithDistanceLoss(distance_function=lambda a, b: 1 - F.cosine_similarity(a, b))(
        emb_a, emb_b, emb_c
    ),
    "cosine_embedding": nn.CosineEmbeddingLoss(margin=0.2)(emb_a, emb_b, target),
    "margin_ranking": nn.MarginRankingLoss(margin=0.1)(emb_a[:, 0], emb_b[:, 0], target),
}.items():
    grads = torch.autograd.grad(value, (emb_a, emb_b), retain_graph=True, allow_unused=True)
    print(name, round(value.item(), 10), [round(g.abs().sum().item(), 10) for g in grads if g is not None])
