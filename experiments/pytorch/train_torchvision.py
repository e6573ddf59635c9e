#!/usr/bin/python3
"""Trains one of torchvision's classification CNNs on Fashion-MNIST the way a PyTorch user with their own data would,
with Debian's PyTorch, and exports it to ONNX. The images are resized to 32x32 and replicated to 3 channels, and
written as NumPy arrays (DATA_DIR/{train,val,test}_{images,labels}.npy, uint8 N x 3 x 32 x 32): the user's data set,
with its own held-out split (the last 2,000 training images, never trained on), which Ascai reads with
`--dataset npy --data-dir DATA_DIR`. Inputs are normalised by mean 0.2860 and std 0.3530 on every channel.
Usage: /usr/bin/python3 experiments/pytorch/train_torchvision.py ARCH DATA_DIR OUT.onnx [EPOCHS [TRAIN_IMAGES]]
(TRAIN_IMAGES: train on the first that many images of the training split only, to keep CPU training short.)
ARCH: mobilenet_v3_small, efficientnet_b0, densenet121 (growth rate 12 instead of 32), shufflenet_v2_x0_5, resnet20
(He et al.'s CIFAR ResNet-20 made of torchvision's BasicBlock: 16, 32 and 64 channels, 1x1-conv shortcuts).
Trained in channels-last memory format (Debian's PyTorch runs convolutions several times faster so on CPU)."""
import gzip, os, sys, time
import numpy as np
import torch
import torch.nn as nn
import torchvision

arch, data_dir, out = sys.argv[1], sys.argv[2], sys.argv[3]
epochs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
train_images = int(sys.argv[5]) if len(sys.argv) > 5 else None
torch.manual_seed(0)
torch.set_num_threads(2)
source = "/usr/share/datasets/fashion-mnist"
HELD_OUT = 2000
MEAN, STD = 0.2860, 0.3530


def idx(name, offset):
    with gzip.open(f"{source}/{name}", "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def images_3x32(raw):
    """28x28 grayscale to 3x32x32 uint8: bilinear resize (as torchvision's Resize on tensors), replicated channels."""
    x = torch.from_numpy(raw.reshape(-1, 1, 28, 28).astype(np.float32))
    x = nn.functional.interpolate(x, size=(32, 32), mode="bilinear", align_corners=False)
    return x.round().clamp(0, 255).to(torch.uint8).repeat(1, 3, 1, 1).numpy()


os.makedirs(data_dir, exist_ok=True)
if not os.path.exists(os.path.join(data_dir, "test_labels.npy")):
    train_x, train_y = images_3x32(idx("train-images-idx3-ubyte.gz", 16)), idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64)
    test_x, test_y = images_3x32(idx("t10k-images-idx3-ubyte.gz", 16)), idx("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64)
    for split, x, y in (("train", train_x[:-HELD_OUT], train_y[:-HELD_OUT]), ("val", train_x[-HELD_OUT:], train_y[-HELD_OUT:]), ("test", test_x, test_y)):
        np.save(os.path.join(data_dir, f"{split}_images.npy"), x)
        np.save(os.path.join(data_dir, f"{split}_labels.npy"), y)
x = torch.from_numpy(np.load(os.path.join(data_dir, "train_images.npy"))[:train_images])
y = torch.from_numpy(np.load(os.path.join(data_dir, "train_labels.npy"))[:train_images])

def resnet20():
    from torchvision.models.resnet import BasicBlock
    layers, width = [nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True)], 16
    for stage, channels in enumerate((16, 32, 64)):
        for block in range(3):
            stride = 2 if stage > 0 and block == 0 else 1
            shortcut = None if stride == 1 and width == channels else nn.Sequential(
                nn.Conv2d(width, channels, 1, stride=stride, bias=False), nn.BatchNorm2d(channels))
            layers.append(BasicBlock(width, channels, stride, shortcut))
            width = channels
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


if arch == "resnet20":
    model = resnet20()
elif arch == "densenet121":
    model = torchvision.models.DenseNet(growth_rate=12, block_config=(6, 12, 24, 16), num_init_features=24, num_classes=10)
else:
    model = getattr(torchvision.models, arch)(num_classes=10)
model = model.to(memory_format=torch.channels_last)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=4e-5)
steps = epochs * ((len(y) + 127) // 128)
schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.05, total_steps=steps)
for epoch in range(epochs):
    start, order, total = time.time(), torch.randperm(len(y)), 0.0
    model.train()
    for b in range(0, len(y), 128):
        i = order[b:b + 128]
        batch = ((x[i].float() / 255 - MEAN) / STD).contiguous(memory_format=torch.channels_last)
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(batch), y[i])
        loss.backward()
        optimizer.step()
        schedule.step()
        total += loss.item() * len(i)
    print(f"{arch} epoch {epoch + 1}/{epochs}: loss {total / len(y):.4f} ({time.time() - start:.0f} s)", flush=True)

# Batch-norm statistics re-estimated on 5,120 training images: torchvision's MobileNetV3 and EfficientNet update theirs
# with momentum 0.01, too slowly for a few epochs of training to leave them right (the trained MobileNetV3-small scored
# 10% in eval mode without this).
for m in model.modules():
    if isinstance(m, nn.BatchNorm2d):
        m.reset_running_stats()
        m.momentum = None  # a plain average over the batches
model.train()
with torch.no_grad():
    for b in range(0, min(len(y), 5120), 128):
        model((x[b:b + 128].float() / 255 - MEAN) / STD)
model.eval()
torch.onnx.export(model, torch.zeros(1, 3, 32, 32), out, opset_version=13, input_names=["input"], output_names=["logits"],
                  dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, do_constant_folding=True)
with torch.no_grad():
    test_x = torch.from_numpy(np.load(os.path.join(data_dir, "test_images.npy")))
    test_y = torch.from_numpy(np.load(os.path.join(data_dir, "test_labels.npy")))
    correct = sum((model((test_x[b:b + 500].float() / 255 - MEAN) / STD).argmax(1) == test_y[b:b + 500]).sum().item() for b in range(0, len(test_y), 500))
print(f"exported {out}: test accuracy in PyTorch {100 * correct / len(test_y):.2f}% (trained on {len(y)} images, {HELD_OUT} held out)")
