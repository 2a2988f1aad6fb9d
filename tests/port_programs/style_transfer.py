# tolerance: 1e-7
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(0)
content_img = torch.from_numpy(rng.uniform(0, 1, (1, 3, 16, 16)))
style_img = torch.from_numpy(np.sin(np.arange(3 * 16 * 16).reshape(1, 3, 16, 16) / 7.0) * 0.5 + 0.5)


class ContentLoss(nn.Module):
    def __init__(self, target):
        super().__init__()
        self.target = target.detach()  # a constant, not a graph

    def forward(self, input):
        self.loss = F.mse_loss(input, self.target)
        return input


def gram_matrix(input):
    a, b, c, d = input.size()
    features = input.view(a * b, c * d)
    G = torch.mm(features, features.t())
    return G.div(a * b * c * d)


class StyleLoss(nn.Module):
    def __init__(self, target_feature):
        super().__init__()
        self.target = gram_matrix(target_feature).detach()

    def forward(self, input):
        G = gram_matrix(input)
        self.loss = F.mse_loss(G, self.target)
        return input


class Normalization(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.mean = torch.tensor(mean).view(-1, 1, 1)
        self.std = torch.tensor(std).view(-1, 1, 1)

    def forward(self, img):
        return (img - self.mean) / self.std


# a small stand-in for VGG's first blocks, with fixed weights
cnn = nn.Sequential(
    nn.Conv2d(3, 8, 3, padding=1),
    nn.ReLU(),
    nn.Conv2d(8, 8, 3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Conv2d(8, 16, 3, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 16, 3, padding=1),
)
with torch.no_grad():
    for p in cnn.parameters():
        p.copy_(torch.from_numpy(rng.normal(0, 0.3, tuple(p.shape))))
cnn.eval()
for p in cnn.parameters():
    p.requires_grad_(False)

content_layers, style_layers = ["conv_4"], ["conv_1", "conv_2", "conv_3", "conv_4"]


def get_style_model_and_losses(cnn, style_img, content_img):
    normalization = Normalization([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    content_losses, style_losses = [], []
    model = nn.Sequential(normalization)
    i = 0
    for layer in cnn.children():
        if isinstance(layer, nn.Conv2d):
            i += 1
            name = f"conv_{i}"
        elif isinstance(layer, nn.ReLU):
            name = f"relu_{i}"
            layer = nn.ReLU(inplace=False)
        elif isinstance(layer, nn.MaxPool2d):
            name = f"pool_{i}"
        else:
            raise RuntimeError(f"Unrecognized layer: {layer.__class__.__name__}")
        model.add_module(name, layer)
        if name in content_layers:
            target = model(content_img).detach()
            content_loss = ContentLoss(target)
            model.add_module(f"content_loss_{i}", content_loss)
            content_losses.append(content_loss)
        if name in style_layers:
            target_feature = model(style_img).detach()
            style_loss = StyleLoss(target_feature)
            model.add_module(f"style_loss_{i}", style_loss)
            style_losses.append(style_loss)
    for i in range(len(model) - 1, -1, -1):  # cut the layers after the last loss
        if isinstance(model[i], (ContentLoss, StyleLoss)):
            break
    return model[: (i + 1)], style_losses, content_losses


model, style_losses, content_losses = get_style_model_and_losses(cnn, style_img, content_img)
print(len(model), [name for name, _ in model.named_children()][-3:])
input_img = content_img.clone()
input_img.requires_grad_(True)
model.eval()
model.requires_grad_(False)
optimizer = optim.LBFGS([input_img])
style_weight, content_weight = 10.0, 1.0
run = [0]
while run[0] <= 12:

    def closure():
        with torch.no_grad():
            input_img.clamp_(0, 1)
        optimizer.zero_grad()
        model(input_img)
        style_score = sum(sl.loss for sl in style_losses) * style_weight
        content_score = sum(cl.loss for cl in content_losses) * content_weight
        loss = style_score + content_score
        loss.backward()
        run[0] += 1
        if run[0] % 4 == 0:
            print(f"run {run[0]}: style {style_score.item():.10e} content {content_score.item():.10e}")
        return style_score + content_score

    optimizer.step(closure)
with torch.no_grad():
    input_img.clamp_(0, 1)
print(
    f"{input_img.mean().item():.10e} {input_img.std().item():.10e} {(input_img - content_img).abs().max().item():.10e}"
)

# a forward hook collecting a layer's features (the loss modules hold non-leaf losses now: PyTorch's
# deepcopy of the model would refuse them)
features = {}
handle = model.conv_2.register_forward_hook(lambda m, i, o: features.__setitem__("conv_2", o.detach()))
model(input_img.detach())
handle.remove()
print(features["conv_2"].shape, f"{gram_matrix(features['conv_2']).trace().item():.10e}")
print(f"{sum(sl.loss for sl in style_losses).item():.10e}")
