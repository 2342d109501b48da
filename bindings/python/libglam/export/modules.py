"""PyTorch modules that recompute GLAM's inference path from a checkpoint's tensors.

Attention is written out with matmul and softmax rather than nn.MultiheadAttention, so that the
TorchScript exporter of old torch releases emits plain MatMul/Softmax graphs and the head-averaged
attention weights that GLAM returns stay part of the graph.
"""

from __future__ import annotations

from typing import Dict, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from .checkpoint import Architecture

# F.normalize's default epsilon, which GLAM uses for embeddings and region features.
NORMALIZE_EPS = 1e-12


def multi_head_attention(query: torch.Tensor, key: torch.Tensor, in_weight: torch.Tensor, in_bias: torch.Tensor,
                         out_weight: torch.Tensor, out_bias: torch.Tensor, heads: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Compute nn.MultiheadAttention(batch_first=True) with key = value.

    Returns the output [B, Lq, D] and the attention weights averaged over heads [B, Lq, Lk],
    as nn.MultiheadAttention does with average_attn_weights=True.
    """
    batch, query_length, dim = query.shape
    key_length = key.shape[1]
    head_dim = dim // heads
    w_q, w_k, w_v = in_weight.chunk(3, dim=0)
    b_q, b_k, b_v = in_bias.chunk(3, dim=0)
    q = F.linear(query, w_q, b_q).reshape(batch, query_length, heads, head_dim).transpose(1, 2)
    k = F.linear(key, w_k, b_k).reshape(batch, key_length, heads, head_dim).transpose(1, 2)
    v = F.linear(key, w_v, b_v).reshape(batch, key_length, heads, head_dim).transpose(1, 2)
    weights = torch.softmax(torch.matmul(q * (head_dim ** -0.5), k.transpose(-2, -1)), dim=-1)
    output = torch.matmul(weights, v).transpose(1, 2).reshape(batch, query_length, dim)
    return F.linear(output, out_weight, out_bias), weights.mean(dim=1)


class Block(nn.Module):
    """One DINOv2 transformer block: pre-norm attention and MLP, each with optional layer scale."""

    def __init__(self, arch: Architecture):
        super().__init__()
        dim = arch.dim
        self.heads = arch.heads
        self.norm1 = nn.LayerNorm(dim, eps=arch.layer_norm_eps)
        self.attn = nn.Module()
        self.attn.qkv = nn.Linear(dim, 3 * dim)
        self.attn.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, eps=arch.layer_norm_eps)
        self.mlp = nn.Module()
        self.mlp.fc1 = nn.Linear(dim, arch.mlp_hidden)
        self.mlp.fc2 = nn.Linear(arch.mlp_hidden, dim)
        self.layer_scale = arch.layer_scale
        if arch.layer_scale:
            self.ls1 = nn.Module()
            self.ls1.gamma = nn.Parameter(torch.ones(dim))
            self.ls2 = nn.Module()
            self.ls2.gamma = nn.Parameter(torch.ones(dim))

    def attention(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, dim = x.shape
        head_dim = dim // self.heads
        qkv = self.attn.qkv(x).reshape(batch, tokens, 3, self.heads, head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        weights = torch.softmax(torch.matmul(q * (head_dim ** -0.5), k.transpose(-2, -1)), dim=-1)
        return self.attn.proj(torch.matmul(weights, v).transpose(1, 2).reshape(batch, tokens, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        attended = self.attention(self.norm1(x))
        if self.layer_scale:
            attended = attended * self.ls1.gamma
        x = x + attended
        hidden = self.mlp.fc2(F.gelu(self.mlp.fc1(self.norm2(x))))
        if self.layer_scale:
            hidden = hidden * self.ls2.gamma
        return x + hidden


class VisionTransformer(nn.Module):
    """A DINOv2 ViT at one fixed image size; parameter names match the DINOv2 hub state dict."""

    def __init__(self, arch: Architecture):
        super().__init__()
        dim = arch.dim
        self.registers = arch.registers
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(3, dim, kernel_size=arch.patch_size, stride=arch.patch_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        if arch.registers:
            self.register_tokens = nn.Parameter(torch.zeros(1, arch.registers, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, arch.grid * arch.grid + 1, dim))
        self.blocks = nn.ModuleList(Block(arch) for _ in range(arch.depth))
        self.norm = nn.LayerNorm(dim, eps=arch.layer_norm_eps)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """Return the final-LayerNorm tokens [B, 1 + registers + grid², dim]: class, registers, patches."""
        patches = self.patch_embed.proj(image).flatten(2).transpose(1, 2)
        cls = self.cls_token.expand(patches.shape[0], -1, -1)
        # DINOv2 adds position embeddings before inserting the registers, which have none.
        x = torch.cat([cls, patches], dim=1) + self.pos_embed
        if self.registers:
            registers = self.register_tokens.expand(patches.shape[0], -1, -1)
            x = torch.cat([x[:, :1], registers, x[:, 1:]], dim=1)
        for block in self.blocks:
            x = block(x)
        return self.norm(x)


def batch_norm_eval(x: torch.Tensor, norm: nn.BatchNorm1d) -> torch.Tensor:
    """Apply BatchNorm1d with its running statistics as Sub/Mul/Add.

    The exporter would emit BatchNormalization, which libglam does not implement; written this
    way, constant folding leaves one scale and one shift vector.
    """
    scale = torch.rsqrt(norm.running_var + norm.eps)
    if norm.affine:
        scale = scale * norm.weight
    x = (x - norm.running_mean) * scale
    return x + norm.bias if norm.affine else x


class MlpEmbedHead(nn.Module):
    """GLAM's GlobalEmbedding (trained without --linear_proj), in eval mode."""

    def __init__(self, dim: int, hidden: int, embed_dim: int):
        super().__init__()
        self.head = nn.Sequential(
            nn.Linear(dim, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, embed_dim),
            nn.BatchNorm1d(embed_dim, affine=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(batch_norm_eval(self.head[0](x), self.head[1]))
        return batch_norm_eval(self.head[3](x), self.head[4])


class Encoder(nn.Module):
    """image [B, 3, S, S] -> (embedding [B, E], patch_tokens [B, grid², D])."""

    def __init__(self, arch: Architecture):
        super().__init__()
        self.vit = VisionTransformer(arch)
        self.skip = 1 + arch.registers
        if arch.embed_head == "linear":
            self.global_embed = nn.Linear(arch.dim, arch.embed_dim)
        elif arch.embed_head == "mlp":
            self.global_embed = MlpEmbedHead(arch.dim, arch.embed_hidden, arch.embed_dim)
        else:
            self.global_embed = nn.Identity()

    def forward(self, image: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        tokens = self.vit(image)
        embedding = F.normalize(self.global_embed(tokens[:, 0]), dim=-1, eps=NORMALIZE_EPS)
        return embedding, tokens[:, self.skip:]


class AttentionalPooler(nn.Module):
    """Learned queries attending over the patch tokens of one view (GLAM's merge_patch1/2)."""

    def __init__(self, arch: Architecture):
        super().__init__()
        dim = arch.dim
        self.heads = arch.pooler_heads
        self.query = nn.Parameter(torch.zeros(arch.regions * arch.regions, dim))
        self.ln_q = nn.LayerNorm(dim, eps=arch.head_layer_norm_eps)
        self.ln_k = nn.LayerNorm(dim, eps=arch.head_layer_norm_eps)
        self.attn = ViewAttention(dim)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        keys = self.ln_k(tokens)
        queries = self.ln_q(self.query).unsqueeze(0).expand(tokens.shape[0], -1, -1)
        pooled, _ = self.attn(queries, keys, self.heads)
        return pooled


class ViewAttention(nn.Module):
    """nn.MultiheadAttention's parameters (in_proj_weight, in_proj_bias, out_proj)."""

    def __init__(self, dim: int):
        super().__init__()
        self.in_proj_weight = nn.Parameter(torch.zeros(3 * dim, dim))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * dim))
        self.out_proj = nn.Linear(dim, dim)

    def forward(self, query: torch.Tensor, key: torch.Tensor, heads: int) -> Tuple[torch.Tensor, torch.Tensor]:
        return multi_head_attention(query, key, self.in_proj_weight, self.in_proj_bias, self.out_proj.weight,
                                    self.out_proj.bias, heads)


class AlignmentHead(nn.Module):
    """GLAM's geometry-guided alignment: pooled regions of one view attend to the same column of the other.

    Inputs: cc_patch_tokens and mlo_patch_tokens [B, grid², D]. Outputs:
    - cc_regions, mlo_regions [B, R, R, D], indexed (row, column);
    - cc_to_mlo, mlo_to_cc [B, R, R, R], indexed (column, source row, target row);
    - cc_similarity, mlo_similarity [B, R, R], indexed (row, column).
    """

    def __init__(self, arch: Architecture):
        super().__init__()
        self.regions = arch.regions
        self.view_heads = arch.view_heads
        self.merge_patch1 = AttentionalPooler(arch)
        self.merge_patch2 = AttentionalPooler(arch)
        self.patch_ln = nn.LayerNorm(arch.dim, eps=arch.head_layer_norm_eps)
        self.view_attn1 = ViewAttention(arch.dim)
        self.view_attn2 = ViewAttention(arch.dim)

    def columns(self, pooled: torch.Tensor) -> torch.Tensor:
        """[B, R*R (row-major), D] -> [B*R, R, D]: one sequence of rows per column, as in GLAM."""
        batch, _, dim = pooled.shape
        grid = pooled.reshape(batch, self.regions, self.regions, dim)
        return self.patch_ln(grid.transpose(1, 2).reshape(batch * self.regions, self.regions, dim))

    def outputs(self, own: torch.Tensor, gathered: torch.Tensor, weights: torch.Tensor, batch: int):
        regions = self.regions
        own = F.normalize(own, dim=-1, eps=NORMALIZE_EPS)
        gathered = F.normalize(gathered, dim=-1, eps=NORMALIZE_EPS)
        similarity = (own * gathered).sum(dim=-1).reshape(batch, regions, regions).transpose(1, 2)
        features = own.reshape(batch, regions, regions, -1).transpose(1, 2)
        return features, weights.reshape(batch, regions, regions, regions), similarity

    def forward(self, cc_patch_tokens: torch.Tensor, mlo_patch_tokens: torch.Tensor):
        batch = cc_patch_tokens.shape[0]
        cc = self.columns(self.merge_patch1(cc_patch_tokens))
        mlo = self.columns(self.merge_patch2(mlo_patch_tokens))
        cc_gathered, cc_weights = self.view_attn1(cc, mlo, self.view_heads)
        mlo_gathered, mlo_weights = self.view_attn2(mlo, cc, self.view_heads)
        cc_regions, cc_to_mlo, cc_similarity = self.outputs(cc, cc_gathered, cc_weights, batch)
        mlo_regions, mlo_to_cc, mlo_similarity = self.outputs(mlo, mlo_gathered, mlo_weights, batch)
        return cc_regions, mlo_regions, cc_to_mlo, mlo_to_cc, cc_similarity, mlo_similarity


ENCODER_OUTPUTS = ("embedding", "patch_tokens")
ALIGN_INPUTS = ("cc_patch_tokens", "mlo_patch_tokens")
ALIGN_OUTPUTS = ("cc_regions", "mlo_regions", "cc_to_mlo", "mlo_to_cc", "cc_similarity", "mlo_similarity")


def build_modules(arch: Architecture, encoder_state: Dict[str, torch.Tensor], embed_state: Dict[str, torch.Tensor],
                  alignment_state: Dict[str, torch.Tensor]) -> Tuple[Encoder, "AlignmentHead | None"]:
    """Build both modules in eval mode and load the checkpoint's tensors into them strictly."""
    encoder = Encoder(arch)
    state = {"vit." + key: value for key, value in encoder_state.items()}
    state.update({"global_embed." + key: value for key, value in embed_state.items()})
    _load(encoder, state)
    alignment = None
    if arch.has_alignment:
        alignment = AlignmentHead(arch)
        _load(alignment, alignment_state)
    return encoder, alignment


def _load(module: nn.Module, state: Dict[str, torch.Tensor]) -> None:
    """Copy the module's parameters and buffers from state, ignoring keys the module lacks.

    The checkpoint reader has already checked every shape and reported keys it does not use.
    """
    own = module.state_dict()
    missing = [key for key in own if key not in state and not key.endswith("num_batches_tracked")]
    if missing:
        raise KeyError(f"no checkpoint tensor for {', '.join(missing)}")
    module.load_state_dict({key: state[key] for key in own if key in state}, strict=False)
    module.eval()
