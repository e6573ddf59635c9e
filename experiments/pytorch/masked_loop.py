#!/usr/bin/python3
"""The plain PyTorch evaluation loop a search without Ascai's engine would run: per candidate, a fresh copy of the
full-size model, the pruned channels of each layer masked to zero (the lowest-L1 output filters, exact counts, their
batch-norm scale and shift zeroed too, so the channel is 0 after it: the paper's masked model with zero fill), then
the validation images in eager PyTorch. Its time per candidate is what Ascai's engine is compared with (`bench
pytorch-loop` writes the request and runs this script on the same candidates in the same run). With "channels_last",
images and conv weights are held channels-last: Debian's PyTorch (generic BLAS) runs NCHW convolutions about 10x
slower than channels-last ones, which go to oneDNN.

Usage: /usr/bin/python3 experiments/pytorch/masked_loop.py REQUEST.json
REQUEST.json: {"onnx": model path, "dataset": Fashion-MNIST idx folder, "indices": validation indices of the training
images, "mean": [..], "std": [..], "batch": 250, "threads": 2, "channels_last": false, "candidates": [{"layer name": pruned outputs, ...}, ...]}
Prints one JSON line per candidate ({"seconds", "accuracy"}), after one untimed warm-up candidate."""
import copy, gzip, json, sys, time
import numpy as np
import onnx
from onnx import numpy_helper
import torch
import torch.nn.functional as F

request = json.load(open(sys.argv[1]))
torch.set_num_threads(request["threads"])


def idx(name, offset):
    with gzip.open(f"{request['dataset']}/{name}", "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


indices = np.array(request["indices"])
images = idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28)[indices].astype(np.float32) / 255
mean = np.array(request["mean"], np.float32).reshape(1, -1, 1, 1)
std = np.array(request["std"], np.float32).reshape(1, -1, 1, 1)
layout = torch.channels_last if request.get("channels_last") else torch.contiguous_format
x = torch.from_numpy((images - mean) / std).contiguous(memory_format=layout)
y = torch.from_numpy(idx("train-labels-idx1-ubyte.gz", 8)[indices].astype(np.int64))
batches = [(x[i:i + request["batch"]], y[i:i + request["batch"]]) for i in range(0, len(y), request["batch"])]

graph = onnx.load(request["onnx"]).graph
weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
nodes = list(graph.node)


def attributes(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def forward(params, input):
    """The ONNX graph run op by op in eager PyTorch (the ops Ascai's CNN exports use)."""
    values = {graph.input[0].name: input}
    for node in nodes:
        a, ins = attributes(node), [values[i] if i in values else params[i] for i in node.input if i]
        op = node.op_type
        if op == "Conv":
            pads = a.get("pads", [0, 0, 0, 0])
            out = F.conv2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None, a.get("strides", [1, 1]), pads[:2],
                           a.get("dilations", [1, 1]), a.get("group", 1))
        elif op == "BatchNormalization":
            out = F.batch_norm(ins[0], ins[3], ins[4], ins[1], ins[2], False, 0.0, a.get("epsilon", 1e-5))
        elif op == "Relu":
            out = F.relu(ins[0])
        elif op == "MaxPool":
            out = F.max_pool2d(ins[0], a["kernel_shape"], a.get("strides", a["kernel_shape"]), a.get("pads", [0, 0, 0, 0])[:2])
        elif op == "Flatten":
            out = torch.flatten(ins[0], a.get("axis", 1))
        elif op == "Gemm":
            out = F.linear(ins[0], ins[1] if a.get("transB", 0) else ins[1].t(), ins[2] if len(ins) > 2 else None)
        elif op == "Add":
            out = ins[0] + ins[1]
        elif op == "GlobalAveragePool":
            out = ins[0].mean((2, 3), keepdim=True)
        else:
            raise SystemExit(f"error: op {op} is not supported by this loop")
        values[node.output[0]] = out
    return values[graph.output[0].name]


def masked(pruned):
    """A fresh copy of the weights with each named layer's lowest-L1 outputs zeroed, and its batch-norm's scale and shift."""
    params = copy.deepcopy(weights)
    for layer, count in pruned.items():
        node = next(n for n in nodes if n.name == layer)
        weight = params[node.input[1]]
        rows = weight if node.op_type == "Conv" or attributes(node).get("transB", 0) else weight.t()
        drop = rows.abs().flatten(1).sum(1).argsort()[:count]
        rows[drop] = 0
        if len(node.input) > 2:
            params[node.input[2]][drop] = 0
        for bn in (n for n in nodes if n.op_type == "BatchNormalization" and n.input[0] == node.output[0]):
            params[bn.input[1]][drop] = 0
            params[bn.input[2]][drop] = 0
    return {name: w.contiguous(memory_format=layout) if w.dim() == 4 else w for name, w in params.items()}


def evaluate(pruned):
    start = time.perf_counter()
    params, correct = masked(pruned), 0
    with torch.inference_mode():
        for images, labels in batches:
            correct += (forward(params, images).argmax(1) == labels).sum().item()
    return time.perf_counter() - start, 100.0 * correct / len(y)


evaluate(request["candidates"][0])  # warm-up: allocator, kernels
for candidate in request["candidates"]:
    seconds, accuracy = evaluate(candidate)
    print(json.dumps({"seconds": seconds, "accuracy": accuracy}), flush=True)
