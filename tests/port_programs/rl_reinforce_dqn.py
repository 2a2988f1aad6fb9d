# tolerance: 1e-9
import copy

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(71)


def load(model, seed):
    r = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.tensor(r.normal(0, 0.4, tuple(p.shape))))


# REINFORCE on logged episodes (states, actions and rewards drawn with NumPy)
policy = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2))
load(policy, 1)
optimizer = torch.optim.Adam(policy.parameters(), lr=0.01)
gamma = 0.95
for episode in range(4):
    T = 6 + episode
    states = torch.tensor(rng.normal(size=(T, 4)))
    actions = torch.tensor(rng.integers(0, 2, size=T))
    rewards = rng.normal(size=T).tolist()
    returns, G = [], 0.0
    for r in reversed(rewards):
        G = r + gamma * G
        returns.insert(0, G)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + 1e-8)
    dist = Categorical(logits=policy(states))
    log_probs = dist.log_prob(actions)
    entropy = dist.entropy().mean()
    loss = -(log_probs * returns).sum() - 0.01 * entropy
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(episode, round(loss.item(), 10), round(entropy.item(), 10), [round(p, 10) for p in dist.probs[0].tolist()])

# DQN updates from a replay buffer
q_net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
load(q_net, 2)
target_net = copy.deepcopy(q_net)
target_net.load_state_dict(q_net.state_dict())
target_net.eval()
buffer = [
    (rng.normal(size=4), int(rng.integers(0, 3)), float(rng.normal()), rng.normal(size=4), bool(rng.random() < 0.2))
    for _ in range(40)
]
optimizer = torch.optim.RMSprop(q_net.parameters(), lr=0.005, alpha=0.95, eps=0.01, centered=True)
criterion = nn.SmoothL1Loss()
for step in range(8):
    batch = [buffer[i] for i in rng.choice(len(buffer), size=8, replace=False)]
    s, a, r, s2, done = zip(*batch)
    s = torch.tensor(np.array(s))
    a = torch.tensor(a).unsqueeze(1)
    r = torch.tensor(r)
    s2 = torch.tensor(np.array(s2))
    done = torch.tensor(done, dtype=torch.float64)
    q = q_net(s).gather(1, a).squeeze(1)
    with torch.no_grad():
        best = q_net(s2).argmax(dim=1, keepdim=True)  # double DQN
        target = r + 0.99 * target_net(s2).gather(1, best).squeeze(1) * (1 - done)
    loss = criterion(q, target)
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_value_(q_net.parameters(), 1.0)
    optimizer.step()
    if step % 4 == 3:
        for tp, p in zip(target_net.parameters(), q_net.parameters()):
            tp.data.copy_(0.9 * tp.data + 0.1 * p.data)  # soft update
    print(step, round(loss.item(), 10), round(q.mean().item(), 10), round(target.max().item(), 10))
with torch.no_grad():
    values, greedy = q_net(torch.tensor(np.array([b[0] for b in buffer[:5]]))).max(dim=1)
print(greedy.tolist(), [round(v, 10) for v in values.tolist()])
eps_greedy = torch.where(torch.tensor(rng.random(5)) < 0.1, torch.tensor(rng.integers(0, 3, size=5)), greedy)
print(eps_greedy.tolist(), F.one_hot(greedy, num_classes=3).sum(0).tolist())
