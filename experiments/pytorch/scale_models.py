#!/usr/bin/python3
"""A torchvision network at a real resolution, for `bench scale` and memory checks: ARCH (resnet18, mobilenet_v2,
efficientnet_b0) with seeded random weights and randomised batch-norm statistics, 10 classes, exported the way a user
exports (eval mode, batch-norms folded, input `images`, output `logits`, dynamic batch, opset 13) as OUT/ARCH-SIZE.onnx,
and a NumPy data set beside it (OUT/ARCH-SIZE-data/{train,val}_{images,labels}.npy, uint8 N x 3 x SIZE x SIZE):
smooth random images labelled by the network's own prediction under ImageNet's normalisation, so the original scores
100% and a compressed candidate scores its agreement with it. Timing and memory do not depend on the weights.
Usage: /usr/bin/python3 experiments/pytorch/scale_models.py OUT ARCH SIZE [VAL_IMAGES=1000] [TRAIN_IMAGES=256]"""
import os, sys
import numpy as np
import torch
import torch.nn.functional as F
import torchvision.models as models

out, arch, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
val_images = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
train_images = int(sys.argv[5]) if len(sys.argv) > 5 else 256
torch.manual_seed(0)
model = getattr(models, arch)(num_classes=10).eval()
for m in model.modules():
    if isinstance(m, torch.nn.BatchNorm2d):
        m.running_mean.uniform_(-0.2, 0.2)
        m.running_var.uniform_(0.5, 1.5)
        m.weight.data.uniform_(0.5, 1.5)
        m.bias.data.uniform_(-0.2, 0.2)
mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def images(n, seed):
    """Smooth random colour images: coarse noise upsampled, with a little fine grain, as uint8."""
    g = torch.Generator().manual_seed(seed)
    x = torch.empty(n, 3, size, size, dtype=torch.uint8)
    for start in range(0, n, 64):
        k = min(64, n - start)
        coarse = torch.rand(k, 3, 8, 8, generator=g)
        fine = F.interpolate(coarse, size=(size, size), mode="bilinear", align_corners=False)
        fine = fine + 0.05 * torch.randn(k, 3, size, size, generator=g)
        x[start:start + k] = (fine.clamp(0, 1) * 255).round().to(torch.uint8)
    return x


@torch.no_grad()
def centre_classifier(x):
    """Random weights send every image to one or two classes (the pooled features of such a network vary along few
    directions); reading the last linear layer's input along its leading principal directions, each scaled to unit
    spread over these images, spreads the predictions over the classes, as a trained network's are. (EfficientNet-B0's
    random squeeze-excitation blocks wash the image out: its features vary by about 1e-8, and its labels say little.)"""
    head = [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1]
    seen = []
    hook = head.register_forward_pre_hook(lambda m, inputs: seen.append(inputs[0]))
    for i in range(0, len(x), 64):
        model((x[i:i + 64].float() / 255 - mean) / std)
    hook.remove()
    features = torch.cat(seen)
    centre = features.mean(0)
    _, spread, directions = torch.linalg.svd(features - centre, full_matrices=False)
    k = min(8, len(spread))
    whitening = directions[:k] / (spread[:k, None] / len(features) ** 0.5)
    head.weight.data = torch.randn(head.out_features, k) @ whitening
    head.bias.data = -head.weight.data @ centre


@torch.no_grad()
def labels(x):
    return torch.cat([model((x[i:i + 64].float() / 255 - mean) / std).argmax(1) for i in range(0, len(x), 64)])


os.makedirs(os.path.join(out, f"{arch}-{size}-data"), exist_ok=True)
splits = {"val": images(val_images, 1), "train": images(train_images, 2)}
centre_classifier(torch.cat(list(splits.values())))
for split, x in splits.items():
    y = labels(x)
    np.save(os.path.join(out, f"{arch}-{size}-data", f"{split}_images.npy"), x.numpy())
    np.save(os.path.join(out, f"{arch}-{size}-data", f"{split}_labels.npy"), y.numpy().astype(np.int64))
    print(f"{arch} {size}px {split}: {len(x)} images, classes used {torch.bincount(y, minlength=10).tolist()}")
torch.onnx.export(model, torch.randn(1, 3, size, size), os.path.join(out, f"{arch}-{size}.onnx"), opset_version=13,
                  input_names=["images"], output_names=["logits"], dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}})
