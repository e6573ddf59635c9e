#!/usr/bin/python3
"""Trains a small CNN on Fashion-MNIST with Debian's PyTorch and exports it to ONNX, leaving out the validation
images Ascai will score the search on (their indices come from `ascai split`).
Usage: /usr/bin/python3 experiments/pytorch/train_fashion_mnist.py VAL_INDICES OUT.onnx [EPOCHS]"""
import gzip, sys, time
import numpy as np
import torch
import torch.nn as nn

data = "/usr/share/datasets/fashion-mnist"
val_file, out, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 3
torch.manual_seed(0)
torch.set_num_threads(2)


def idx(name, offset):
    with gzip.open(f"{data}/{name}", "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


images = idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28)
labels = idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64)
held_out = set(int(line) for line in open(val_file) if line.strip())
keep = np.array([i for i in range(len(labels)) if i not in held_out])
# Ascai's Fashion-MNIST normalisation (its data set default for ONNX models): mean 0.2860, std 0.3530.
x = (torch.from_numpy(images[keep].astype(np.float32)) / 255 - 0.2860) / 0.3530
y = torch.from_numpy(labels[keep])

model = nn.Sequential(
    nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
    nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
    nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
steps = epochs * ((len(y) + 127) // 128)
schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.05, total_steps=steps)
for epoch in range(epochs):
    start, order, total = time.time(), torch.randperm(len(y)), 0.0
    model.train()
    for b in range(0, len(y), 128):
        i = order[b:b + 128]
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x[i]), y[i])
        loss.backward()
        optimizer.step()
        schedule.step()
        total += loss.item() * len(i)
    print(f"epoch {epoch + 1}/{epochs}: loss {total / len(y):.4f} ({time.time() - start:.0f} s)", flush=True)

model.eval()
torch.onnx.export(model, torch.zeros(1, 1, 28, 28), out, opset_version=13, input_names=["input"], output_names=["logits"],
                  dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, do_constant_folding=True)
print(f"exported {out} (trained on {len(y)} images, {len(held_out)} held out for Ascai's validation)")
