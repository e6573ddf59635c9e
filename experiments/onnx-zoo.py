#!/usr/bin/python3
"""Exports torchvision's classification CNNs the way a user would, for `bench onnx-zoo`: random seeded weights,
10 classes, a 64x64 input (3 channels; larger where a model needs it, SIZES), torch.onnx.export in eval mode at
opset 13 with a dynamic batch. Beside each NAME.onnx, NAME.io.bin holds a fixed input and PyTorch's output (float32, little-endian, input then output), and
NAME.macs the MACs per image counted by forward hooks on PyTorch's conv and linear layers.
Usage: /usr/bin/python3 experiments/onnx-zoo.py OUT_DIR [NAME...] (Debian's python3-torch, python3-torchvision)."""
import os, sys
import torch
import torchvision.models as models

MODELS = ["alexnet", "vgg11_bn", "resnet18", "resnet50", "resnext50_32x4d", "wide_resnet50_2", "densenet121", "googlenet",
          "inception_v3", "squeezenet1_0", "squeezenet1_1", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
          "mnasnet0_5", "shufflenet_v2_x0_5", "efficientnet_b0", "regnet_x_400mf", "regnet_y_400mf", "convnext_tiny"]
# The input size where 64x64 does not export: AlexNet's and VGG's adaptive pooling to 6x6 / 7x7 needs a multiple of
# it (PyTorch exports adaptive pooling only then), Inception v3 needs at least 75x75.
SIZES = {"alexnet": 224, "vgg11_bn": 224, "inception_v3": 128}

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name in sys.argv[2:] or MODELS:
    torch.manual_seed(0)
    kwargs = {"aux_logits": False, "init_weights": True} if name in ("googlenet", "inception_v3") else {}
    model = getattr(models, name)(num_classes=10, **kwargs).eval()
    # Batch-norm statistics and scales drawn at random, as a trained model has them: torchvision's initialisation
    # leaves some networks' outputs near 1e-10, where a comparison says nothing.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    # An independent count of the MACs per image (conv: Cin/groups * kh * kw * Cout * Hout * Wout; linear: in * out),
    # from forward hooks, for `bench onnx-zoo` to compare with Ascai's profile.
    macs = []
    def count(m, inputs, output):
        if isinstance(m, torch.nn.Conv2d):
            macs.append(m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1] * output[0].numel())
        elif isinstance(m, torch.nn.Linear):  # on every position of its input (ConvNeXt's are channels-last 1x1 convs)
            macs.append(m.in_features * output[0].numel())
    hooks = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    size = SIZES.get(name, 64)
    x = torch.randn(2, 3, size, size)
    with torch.no_grad():
        y = model(x)
    for h in hooks:
        h.remove()
    path = os.path.join(out, name + ".onnx")
    try:
        torch.onnx.export(model, x, path, opset_version=13, input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    except Exception as e:
        print(name, "does not export:", str(e).split("\n")[0][:120], flush=True)
        continue
    with open(os.path.join(out, name + ".macs"), "w") as f:
        f.write(str(sum(macs)))
    with open(os.path.join(out, name + ".io.bin"), "wb") as f:
        f.write(x.numpy().astype("<f4").tobytes())
        f.write(y.numpy().astype("<f4").tobytes())
    print(name, os.path.getsize(path) // 1024, "KB", flush=True)
