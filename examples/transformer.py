"""A pre-norm transformer encoder (PyTorch): LayerNorm before attention, RMSNorm before the MLP,
a final LayerNorm, and the functional forms used for query/key normalization."""
import torch
import torch.nn.functional as F
from torch import nn


def qk_norm(q: torch.Tensor, k: torch.Tensor, eps: float = 1e-6):
    """Normalize queries and keys over the head dimension before the attention scores."""
    head_dim = q.shape[-1]
    return F.rms_norm(q, (head_dim,), eps=eps), F.rms_norm(k, (head_dim,), eps=eps)


class PreNormBlock(nn.Module):
    def __init__(self, dim: int = 512, heads: int = 8, mlp_ratio: int = 4, dropout: float = 0.1):
        super().__init__()
        self.attn_norm = nn.LayerNorm(dim, eps=1e-6)
        self.attn = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.mlp_norm = nn.RMSNorm(dim)
        self.mlp = nn.Sequential(
            nn.Linear(dim, mlp_ratio * dim),
            nn.GELU(),
            nn.Linear(mlp_ratio * dim, dim),
            nn.Dropout(dropout),
        )

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        h = self.attn_norm(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.mlp(self.mlp_norm(x))


class Encoder(nn.Module):
    def __init__(self, vocab: int = 32000, dim: int = 512, depth: int = 6):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.blocks = nn.ModuleList([PreNormBlock(dim) for _ in range(depth)])
        self.final_norm = nn.LayerNorm(dim, elementwise_affine=True, bias=False)
        self.head = nn.Linear(dim, vocab, bias=False)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.embed(tokens)
        for block in self.blocks:
            x = block(x)
        x = F.layer_norm(x, (x.shape[-1],), self.final_norm.weight, None, 1e-5)
        return self.head(x)
