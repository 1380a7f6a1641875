"""A ResNet-style block and a transformer layer whose norms are never named at the call."""
from functools import partial

import torch.nn as nn

from .norms import LayerNorm2d, SimpleRMSNorm

NORMS = {"batch": nn.BatchNorm2d, "group": partial(nn.GroupNorm, 32), "layer2d": LayerNorm2d}


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self.conv1 = nn.Conv2d(inplanes, planes, 3, padding=1, bias=False)
        self.bn1 = norm_layer(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = norm_layer(planes)


class Stage(nn.Module):
    def __init__(self, planes, norm="batch"):
        super().__init__()
        self._norm_layer = NORMS[norm]
        self.block = BasicBlock(planes, planes, norm_layer=self._norm_layer)
        self.head_norm = self._norm_layer(planes)


class DecoderLayer(nn.Module):
    def __init__(self, hidden_size=512, eps=1e-5):
        super().__init__()
        self.input_layernorm = SimpleRMSNorm(hidden_size, eps=eps)
        self.post_norm = partial(nn.LayerNorm, eps=1e-6)(hidden_size)
