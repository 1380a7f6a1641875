"""UNet-style residual blocks with GroupNorm (PyTorch), as used in diffusion models.

GroupNorm(num_groups, num_channels) needs num_channels to be a multiple of num_groups. The
stem below uses 80 channels with 32 groups, which PyTorch rejects when the layer is built, and
the downsampling path normalizes 160 channels after a convolution that produces 320.
"""
import torch
from torch import nn


class ResBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, time_dim: int, groups: int = 32):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_ch)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.time_proj = nn.Linear(time_dim, out_ch)
        self.norm2 = nn.GroupNorm(groups, out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1)
        self.skip = nn.Conv2d(in_ch, out_ch, 1) if in_ch != out_ch else nn.Identity()

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        h = self.conv1(nn.functional.silu(self.norm1(x)))
        h = h + self.time_proj(t)[:, :, None, None]
        h = self.conv2(nn.functional.silu(self.norm2(h)))
        return h + self.skip(x)


class TinyUNet(nn.Module):
    def __init__(self, time_dim: int = 256):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 80, 3, padding=1),
            nn.GroupNorm(32, 80),
            nn.SiLU(),
        )
        self.down = nn.Sequential(
            nn.Conv2d(80, 160, 3, stride=2, padding=1),
            nn.GroupNorm(32, 160),
            nn.SiLU(),
            nn.Conv2d(160, 320, 3, stride=2, padding=1),
            nn.GroupNorm(32, 160),
            nn.SiLU(),
        )
        self.mid = ResBlock(320, 320, time_dim)
        self.out = nn.Sequential(
            nn.GroupNorm(num_groups=8, num_channels=320),
            nn.SiLU(),
            nn.Conv2d(320, 3, 3, padding=1),
        )

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.out(self.mid(self.down(self.stem(x)), t))
