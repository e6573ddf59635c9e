#!/usr/bin/python3
"""Trains a VGG of the small VGG's shape or a ResNet-20 on Fashion-MNIST the way a PyTorch user would, with Debian's
PyTorch, and exports it the way PyTorch exports: `torch.onnx.export` in eval mode, so every batch-norm is folded into
the conv before it, with the user's own input and output names (`images`, `logits`) and a dynamic batch axis.
The last HELD_OUT training images are never trained on (the user's held-out images: `--val-range 58000:60000` for
2,000), and the model file's sidecar JSON says what PyTorch measured on them and on the 10,000 test images.
Usage: /usr/bin/python3 experiments/pytorch/train_folded.py vgg|resnet20 OUT.onnx [EPOCHS [HELD_OUT [SEED]]]
(default 10 epochs, 2,000 held out, seed 0). Inputs are normalised by mean 0.2860 and std 0.3530."""
import gzip, json, sys, time
import numpy as np
import torch
import torch.nn as nn

arch, out = sys.argv[1], sys.argv[2]
epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 10
HELD_OUT = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
seed = int(sys.argv[5]) if len(sys.argv) > 5 else 0
torch.manual_seed(seed)
torch.set_num_threads(2)
source = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530


def idx(name, offset):
    with gzip.open(f"{source}/{name}", "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def tensors(stem):
    images = idx(f"{stem}-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28)
    labels = idx(f"{stem}-labels-idx1-ubyte.gz", 8).astype(np.int64)
    return (torch.from_numpy(images.astype(np.float32)) / 255 - MEAN) / STD, torch.from_numpy(labels)


def vgg():
    """Ascai's small VGG: three blocks of two 3x3 conv-BN-ReLU (32, 64, 128) and a max pool, a 256-unit classifier."""
    layers, width = [], 1
    for channels in (32, 32, "M", 64, 64, "M", 128, 128, "M"):
        if channels == "M":
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(width, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels), nn.ReLU(inplace=True)]
            width = channels
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(128 * 3 * 3, 256), nn.ReLU(inplace=True), nn.Linear(256, 10))


def resnet20():
    """He et al.'s CIFAR ResNet-20 (16, 32, 64 channels) of torchvision's BasicBlock, 1x1-conv shortcuts."""
    from torchvision.models.resnet import BasicBlock
    layers, width = [nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True)], 16
    for stage, channels in enumerate((16, 32, 64)):
        for block in range(3):
            stride = 2 if stage > 0 and block == 0 else 1
            shortcut = None if stride == 1 and width == channels else nn.Sequential(
                nn.Conv2d(width, channels, 1, stride=stride, bias=False), nn.BatchNorm2d(channels))
            layers.append(BasicBlock(width, channels, stride, shortcut))
            width = channels
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


x, y = tensors("train")
train_x, train_y, held_x, held_y = x[:-HELD_OUT], y[:-HELD_OUT], x[-HELD_OUT:], y[-HELD_OUT:]
test_x, test_y = tensors("t10k")
model = {"vgg": vgg, "resnet20": resnet20}[arch]().to(memory_format=torch.channels_last)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.05, total_steps=epochs * ((len(train_y) + 127) // 128))
begin = time.time()
for epoch in range(epochs):
    start, order, total = time.time(), torch.randperm(len(train_y)), 0.0
    model.train()
    for b in range(0, len(train_y), 128):
        i = order[b:b + 128]
        batch = train_x[i]
        # Random shifts of up to 2 pixels and horizontal flips, as Ascai's own training.
        dx, dy = np.random.randint(-2, 3, 2)
        batch = torch.roll(batch, shifts=(int(dy), int(dx)), dims=(2, 3))
        if np.random.rand() < 0.5:
            batch = batch.flip(3)
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(batch.contiguous(memory_format=torch.channels_last)), train_y[i])
        loss.backward()
        optimizer.step()
        schedule.step()
        total += loss.item() * len(i)
    print(f"{arch} epoch {epoch + 1}/{epochs}: loss {total / len(train_y):.4f} ({time.time() - start:.0f} s)", flush=True)

model.eval()
with torch.no_grad():
    def correct(images, labels):
        return sum(int((model(images[b:b + 500]).argmax(1) == labels[b:b + 500]).sum()) for b in range(0, len(labels), 500))
    held_correct, test_correct = correct(held_x, held_y), correct(test_x, test_y)
model = model.to(memory_format=torch.contiguous_format)
torch.onnx.export(model, torch.zeros(1, 1, 28, 28), out, opset_version=13, input_names=["images"], output_names=["logits"],
                  dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}}, do_constant_folding=True)
with open(out.rsplit(".", 1)[0] + ".json", "w") as f:
    json.dump({"arch": arch, "epochs": epochs, "seed": seed, "trainedOn": f"0..{len(y) - HELD_OUT - 1}", "heldOut": f"{len(y) - HELD_OUT}:{len(y)}",
               "mean": [MEAN], "std": [STD], "heldOutAccuracy": 100 * held_correct / HELD_OUT, "testAccuracy": 100 * test_correct / len(test_y),
               "seconds": round(time.time() - begin)}, f, indent=2)
print(f"{out}: held out {100 * held_correct / HELD_OUT:.2f}%, test {100 * test_correct / len(test_y):.2f}% ({time.time() - begin:.0f} s)")
