#!/usr/bin/env python3
"""Loads an `nnclr export` ResNet file into PyTorch with load_state_dict(strict=True) and prints its features of a
seeded input. Needs only torch (no torchvision, no safetensors package): the safetensors file is parsed here and the
network is a copy of torchvision's ResNet layout (same module names), with fc replaced by Identity — or, for an
`nnclr finetune` export (fc.weight / fc.bias present), by a Linear of the head's size, so backbone and head load
strictly and the printed values are class scores.

  /usr/bin/python3 scripts/check_export_pytorch.py model.safetensors
"""
import json
import struct
import sys

import torch
from torch import nn

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64, "F64": torch.float64}


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    out = {}
    for name, t in header.items():
        b, e = t["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[b:e]), dtype=DTYPES[t["dtype"]]).reshape(t["shape"]).clone()
    return out, meta


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin, c, stride, downsample):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, c, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(c, c, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.downsample = downsample

    def forward(self, x):
        idt = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + idt)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, c, stride, downsample):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, c, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.conv3 = nn.Conv2d(c, c * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(c * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        idt = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + idt)


class ResNet(nn.Module):
    """torchvision.models.ResNet's module tree (conv1, bn1, relu, maxpool, layer1-4, avgpool, fc)."""

    def __init__(self, block, layers, cifar_stem=False):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False) if cifar_stem else nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.Identity() if cifar_stem else nn.MaxPool2d(3, 2, 1)
        self.layer1 = self._make(block, 64, layers[0], 1)
        self.layer2 = self._make(block, 128, layers[1], 2)
        self.layer3 = self._make(block, 256, layers[2], 2)
        self.layer4 = self._make(block, 512, layers[3], 2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512 * block.expansion, 1000)

    def _make(self, block, c, n, stride):
        down = None
        if stride != 1 or self.inplanes != c * block.expansion:
            down = nn.Sequential(nn.Conv2d(self.inplanes, c * block.expansion, 1, stride, bias=False), nn.BatchNorm2d(c * block.expansion))
        blocks = [block(self.inplanes, c, stride, down)]
        self.inplanes = c * block.expansion
        blocks += [block(self.inplanes, c, 1, None) for _ in range(1, n)]
        return nn.Sequential(*blocks)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


ARCHS = {"resnet18": (BasicBlock, [2, 2, 2, 2]), "resnet34": (BasicBlock, [3, 4, 6, 3]), "resnet50": (Bottleneck, [3, 4, 6, 3])}

state, meta = load_safetensors(sys.argv[1])
block, layers = ARCHS[meta["architecture"]]
model = ResNet(block, layers, cifar_stem=meta.get("stem") == "cifar")
if "fc.weight" in state:
    model.fc = nn.Linear(state["fc.weight"].shape[1], state["fc.weight"].shape[0])
else:
    model.fc = nn.Identity()
model.load_state_dict(state, strict=True)
model.eval()
size = int(meta["input_size"])
x = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(0))
with torch.no_grad():
    f = model(x)
print(json.dumps({"strict": True, "metadata": meta, "features": list(f.shape), "first": [round(v, 6) for v in f[0, :4].tolist()]}))
