#!/usr/bin/env python3
"""Writes the PyTorch fixture of WeightsTests (run once, by hand; the outputs are committed):

  tiny-cnn.pth         torch.save(model.state_dict()) of nnclr's tiny-cnn backbone (torch.save's zip format),
                       weights stored as float16 (so the file is small; nnclr converts them to float32)
  tiny-cnn-input.npy   float32 [4, 3, 32, 32] input, seeded
  tiny-cnn-features.npy float32 [4, 256] PyTorch's features of that input (eval mode, float32 compute)

Written with Debian's python3-torch 1.13 (`apt-get install python3-torch`):  /usr/bin/python3 make_pth_fixture.py
"""
import os
import numpy as np
import torch
from torch import nn

torch.manual_seed(0)


def block(cin, cout, stride):
    return [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)]


class Tiny(nn.Module):
    """nnclr's TinyBackbone: 3x3 convs of 32, 64, 128, 256 (strides 1, 2, 2, 2), BN + ReLU each, global average pool."""

    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = block(3, 32, 1)
        self.conv2, self.bn2 = block(32, 64, 2)
        self.conv3, self.bn3 = block(64, 128, 2)
        self.conv4, self.bn4 = block(128, 256, 2)

    def forward(self, x):
        for i in range(1, 5):
            x = torch.relu(getattr(self, f"bn{i}")(getattr(self, f"conv{i}")(x)))
        return torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)


model = Tiny()
# Non-trivial BN statistics and affine parameters: a few training-mode passes, then random gamma/beta.
model.train()
with torch.no_grad():
    for _ in range(3):
        model(torch.randn(16, 3, 32, 32) * 2 + 0.5)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.2, 0.2)
model.eval()
# Store half-precision floats; compute the expected features from exactly those values.
state = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
x = torch.randn(4, 3, 32, 32, generator=torch.Generator().manual_seed(1))
with torch.no_grad():
    features = model(x)

here = os.path.dirname(os.path.abspath(__file__))
torch.save(state, os.path.join(here, "tiny-cnn.pth"))
np.save(os.path.join(here, "tiny-cnn-input.npy"), x.numpy().astype(np.float32))
np.save(os.path.join(here, "tiny-cnn-features.npy"), features.numpy().astype(np.float32))
print("torch", torch.__version__, "num_batches_tracked", int(state["bn1.num_batches_tracked"]), "features", tuple(features.shape))
