"""Reading GLAM and DINOv2 checkpoints: key layout, shape checks and architecture inference.

The key layout follows the GLAM release (model.py: `img_encoder_q` is a DinoEncoder wrapping a
DINOv2 hub ViT as `.model`, `merge_patch1`/`merge_patch2` are attentional poolers over the
first (CC) and second (MLO) view, `patch_ln`, and `view_attn1`/`view_attn2` are
nn.MultiheadAttention with batch_first=True) and the DINOv2 hub ViT (`patch_embed.proj`,
`cls_token`, `register_tokens`, `pos_embed`, `mask_token`, `blocks.N.*`, `norm`).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field, replace
from typing import Dict, List, Mapping, Optional, Tuple

import torch

ENCODER_PREFIX = "img_encoder_q.model."
EMBED_PREFIX = "img_encoder_q.global_embed."

# Parts of a GLAM checkpoint that the inference graphs do not use. They are listed in the
# export report so that nothing disappears without a trace.
UNUSED_PREFIXES = {
    "text_encoder_q.": "text encoder (GLAM's BERT branch; the bundle holds the image side only)",
    "img_encoder_q.local_embed.": "local embedding head (unused by GLAM's forward pass)",
    "simclr_proj.": "SimCLR projection head (training loss only)",
    "ema_img_encoder.": "EMA copy of the image encoder (training only; export the EMA weights by loading them first)",
}
UNUSED_KEYS = {
    "logit_scale": "image-text logit scale (training loss only)",
    "patch_scale": "patch contrast logit scale (training loss only)",
    ENCODER_PREFIX + "mask_token": "DINOv2 mask token (masked-image training only)",
}


class CheckpointError(ValueError):
    """A checkpoint that cannot be exported: a key is missing, misshapen or not recognised."""


@dataclass(frozen=True)
class Architecture:
    """Everything needed to rebuild GLAM's inference graphs from a state dict."""

    image_size: int
    patch_size: int
    dim: int
    depth: int
    heads: int
    mlp_hidden: int
    registers: int
    layer_scale: bool
    embed_dim: int
    # "linear", "mlp" (GLAM's GlobalEmbedding with BatchNorm) or "none" (backbone only).
    embed_head: str
    embed_hidden: int
    regions: int
    pooler_heads: int
    view_heads: int
    has_alignment: bool
    layer_norm_eps: float = 1e-6
    head_layer_norm_eps: float = 1e-5
    pixel_mean: float = 0.5
    pixel_std: float = 0.5

    @property
    def grid(self) -> int:
        return self.image_size // self.patch_size

    @property
    def region_size(self) -> int:
        return self.grid // self.regions if self.regions else 0

    @property
    def mlp_ratio(self) -> float:
        return self.mlp_hidden / self.dim

    @property
    def variant(self) -> str:
        names = {(384, 12): "ViT-S", (768, 12): "ViT-B", (1024, 24): "ViT-L", (1536, 40): "ViT-g"}
        name = names.get((self.dim, self.depth), f"ViT (dim {self.dim}, depth {self.depth})")
        return f"{name}/{self.patch_size}"


@dataclass
class Checkpoint:
    """A state dict split into the tensors the export uses and the ones it leaves out."""

    encoder: Dict[str, torch.Tensor]
    embed_head: Dict[str, torch.Tensor]
    alignment: Dict[str, torch.Tensor]
    hyper_parameters: Dict[str, object]
    kind: str
    unused: Dict[str, str] = field(default_factory=dict)
    unrecognized: List[str] = field(default_factory=list)


def load_state_dict(path: str) -> Tuple[Dict[str, torch.Tensor], Dict[str, object]]:
    """Read a Lightning checkpoint, a bare state dict or a DINOv2 hub file onto the CPU."""
    if not os.path.isfile(path):
        raise CheckpointError(f"checkpoint {path} not found")
    try:
        # weights_only is not available before torch 1.13, and Lightning checkpoints pickle
        # their hyper-parameters, so the file must come from a trusted source.
        loaded = torch.load(path, map_location="cpu")
    except Exception as error:  # torch raises many types for a corrupt or foreign file
        raise CheckpointError(f"failed to read checkpoint {path}: {error}") from error
    if not isinstance(loaded, Mapping):
        raise CheckpointError(f"{path} contains a {type(loaded).__name__}, not a state dict or a Lightning checkpoint")
    hyper_parameters: Dict[str, object] = {}
    state = loaded
    if "state_dict" in loaded and isinstance(loaded["state_dict"], Mapping):
        state = loaded["state_dict"]
        hyper_parameters = dict(loaded.get("hyper_parameters") or {})
    elif "model" in loaded and isinstance(loaded["model"], Mapping):
        state = loaded["model"]
    tensors = {}
    for key, value in state.items():
        if not isinstance(value, torch.Tensor):
            raise CheckpointError(f"{path}: state dict entry '{key}' is a {type(value).__name__}, not a tensor")
        tensors[str(key)] = value.detach().to(torch.float32) if value.is_floating_point() else value.detach()
    if not tensors:
        raise CheckpointError(f"{path} contains an empty state dict")
    return tensors, hyper_parameters


def split_checkpoint(state: Dict[str, torch.Tensor], hyper_parameters: Dict[str, object]) -> Checkpoint:
    """Sort every key into encoder, embedding head, alignment head, known-unused or unrecognised."""
    # Some training wrappers (torch.compile, DDP) prefix every key; strip a prefix shared by all.
    for wrapper in ("module.", "_orig_mod."):
        if all(key.startswith(wrapper) for key in state):
            state = {key[len(wrapper):]: value for key, value in state.items()}

    if any(key.startswith(ENCODER_PREFIX) for key in state):
        kind = "glam"
    elif "cls_token" in state and "pos_embed" in state:
        kind = "dinov2"
        state = {ENCODER_PREFIX + key: value for key, value in state.items()}
    else:
        sample = ", ".join(sorted(state)[:5])
        raise CheckpointError(
            f"no key starts with '{ENCODER_PREFIX}' and there is no 'cls_token'/'pos_embed', so this is "
            f"neither a GLAM checkpoint nor a DINOv2 hub checkpoint (first keys: {sample}); pass the .ckpt "
            "written by GLAM's train.py or a DINOv2 hub .pth"
        )

    checkpoint = Checkpoint({}, {}, {}, hyper_parameters, kind)
    alignment_prefixes = ("merge_patch1.", "merge_patch2.", "patch_ln.", "view_attn1.", "view_attn2.")
    for key, value in state.items():
        if key in UNUSED_KEYS:
            checkpoint.unused[key] = UNUSED_KEYS[key]
        elif any(key.startswith(prefix) for prefix in UNUSED_PREFIXES):
            prefix = next(prefix for prefix in UNUSED_PREFIXES if key.startswith(prefix))
            checkpoint.unused[prefix + "*"] = UNUSED_PREFIXES[prefix]
        elif key.startswith(ENCODER_PREFIX):
            checkpoint.encoder[key[len(ENCODER_PREFIX):]] = value
        elif key.startswith(EMBED_PREFIX):
            checkpoint.embed_head[key[len(EMBED_PREFIX):]] = value
        elif key.startswith(alignment_prefixes):
            checkpoint.alignment[key] = value
        else:
            checkpoint.unrecognized.append(key)
    return checkpoint


_BLOCK_KEYS = {
    "norm1.weight", "norm1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight", "attn.proj.bias",
    "norm2.weight", "norm2.bias", "mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight", "mlp.fc2.bias",
    "ls1.gamma", "ls2.gamma",
}
_ENCODER_KEYS = {"cls_token", "register_tokens", "pos_embed", "patch_embed.proj.weight", "patch_embed.proj.bias",
                 "norm.weight", "norm.bias"}
_MLP_HEAD_KEYS = {
    "head.0.weight", "head.0.bias", "head.1.weight", "head.1.bias", "head.1.running_mean", "head.1.running_var",
    "head.1.num_batches_tracked", "head.3.weight", "head.3.bias", "head.4.running_mean", "head.4.running_var",
    "head.4.num_batches_tracked",
}
_POOLER_KEYS = {"query", "ln_q.weight", "ln_q.bias", "ln_k.weight", "ln_k.bias", "attn.in_proj_weight",
                "attn.in_proj_bias", "attn.out_proj.weight", "attn.out_proj.bias"}
_ATTENTION_KEYS = {"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"}


def _require(tensors: Mapping[str, torch.Tensor], key: str, shape: Optional[Tuple[int, ...]], shown: str,
             remedy: str) -> torch.Tensor:
    """Return tensors[key] after checking its shape; the error names the key as the checkpoint spells it."""
    if key not in tensors:
        expected = f" of shape {list(shape)}" if shape is not None else ""
        raise CheckpointError(f"missing key '{shown}'{expected}; {remedy}")
    value = tensors[key]
    if shape is not None and tuple(value.shape) != tuple(shape):
        raise CheckpointError(
            f"key '{shown}' has shape {list(value.shape)}, expected {list(shape)}; {remedy}"
        )
    return value


def infer_architecture(checkpoint: Checkpoint, *, heads: Optional[int] = None, image_size: Optional[int] = None,
                       pooler_heads: Optional[int] = None, view_heads: Optional[int] = None,
                       embed_dim: Optional[int] = None) -> Architecture:
    """Derive the architecture from tensor shapes, hyper-parameters and flags, and check every key.

    Shapes give dim, depth, patch size, registers, grid, MLP width, embedding size and region
    count. Attention head counts cannot be read from shapes: `heads` defaults to dim / 64 (every
    DINOv2 ViT), `view_heads` to the checkpoint's `num_heads` hyper-parameter (GLAM's default
    is 4), and `pooler_heads` to 8.
    """
    remedy_encoder = "the checkpoint does not match the DINOv2 ViT layout that GLAM's DinoEncoder wraps"
    prefix = ENCODER_PREFIX if checkpoint.kind == "glam" else ""
    encoder = checkpoint.encoder
    hp = checkpoint.hyper_parameters

    for name, reason in (("pool_feat", "the embedding is then the mean of un-normalised patch tokens"),
                         ("img_cls_ft", "global_embed is then a classifier, not an embedding"),
                         ("all_patch_contrast", "the alignment then attends across all regions, not per column")):
        if hp.get(name):
            raise CheckpointError(
                f"hyper-parameter '{name}' is set in this checkpoint; libglam's bundle contract does not cover it "
                f"because {reason}. Export a checkpoint trained without --{name}"
            )

    patch_weight = _require(encoder, "patch_embed.proj.weight", None, prefix + "patch_embed.proj.weight", remedy_encoder)
    if patch_weight.dim() != 4 or patch_weight.shape[1] != 3 or patch_weight.shape[2] != patch_weight.shape[3]:
        raise CheckpointError(
            f"key '{prefix}patch_embed.proj.weight' has shape {list(patch_weight.shape)}, expected "
            f"[dim, 3, patch, patch]; {remedy_encoder}"
        )
    dim, _, patch_size, _ = (int(size) for size in patch_weight.shape)

    pos_embed = _require(encoder, "pos_embed", None, prefix + "pos_embed", remedy_encoder)
    if pos_embed.dim() != 3 or pos_embed.shape[0] != 1 or pos_embed.shape[2] != dim:
        raise CheckpointError(f"key '{prefix}pos_embed' has shape {list(pos_embed.shape)}, expected [1, 1 + grid², {dim}]; {remedy_encoder}")
    grid = math.isqrt(int(pos_embed.shape[1]) - 1)
    if grid * grid + 1 != pos_embed.shape[1]:
        raise CheckpointError(
            f"key '{prefix}pos_embed' has {pos_embed.shape[1]} positions, which is not 1 + a square grid; {remedy_encoder}"
        )
    if image_size is None:
        image_size = grid * patch_size
    if image_size != grid * patch_size:
        raise CheckpointError(
            f"--image-size {image_size} needs a {image_size // patch_size}×{image_size // patch_size} position grid, but "
            f"'{prefix}pos_embed' holds {grid}×{grid} (image size {grid * patch_size}); the exporter does not interpolate "
            f"position embeddings, so pass --image-size {grid * patch_size}"
        )
    crop = hp.get("crop_size")
    if isinstance(crop, int) and crop != image_size:
        raise CheckpointError(
            f"hyper-parameter crop_size is {crop} but '{prefix}pos_embed' gives image size {image_size}; "
            "GLAM interpolates position embeddings at other sizes, which this exporter does not reproduce"
        )

    registers = 0
    if "register_tokens" in encoder:
        register_tokens = encoder["register_tokens"]
        if register_tokens.dim() != 3 or register_tokens.shape[0] != 1 or register_tokens.shape[2] != dim:
            raise CheckpointError(
                f"key '{prefix}register_tokens' has shape {list(register_tokens.shape)}, expected [1, registers, {dim}]; {remedy_encoder}"
            )
        registers = int(register_tokens.shape[1])

    block_indices = set()
    for key in encoder:
        match = re.match(r"blocks\.(\d+)\.(.+)$", key)
        if match:
            block_indices.add(int(match.group(1)))
    if not block_indices:
        raise CheckpointError(f"no '{prefix}blocks.N.*' keys found; {remedy_encoder}")
    depth = max(block_indices) + 1
    mlp_hidden = int(_require(encoder, "blocks.0.mlp.fc1.weight", None, prefix + "blocks.0.mlp.fc1.weight", remedy_encoder).shape[0])
    layer_scale = "blocks.0.ls1.gamma" in encoder

    if heads is None:
        if dim % 64:
            raise CheckpointError(f"dim {dim} is not a multiple of 64, so the head count cannot be inferred; pass --heads")
        heads = dim // 64
    if dim % heads:
        raise CheckpointError(f"--heads {heads} does not divide dim {dim}")

    expected = {
        "cls_token": (1, 1, dim), "pos_embed": (1, grid * grid + 1, dim),
        "patch_embed.proj.weight": (dim, 3, patch_size, patch_size), "patch_embed.proj.bias": (dim,),
        "norm.weight": (dim,), "norm.bias": (dim,),
    }
    if registers:
        expected["register_tokens"] = (1, registers, dim)
    for index in range(depth):
        block = {
            "norm1.weight": (dim,), "norm1.bias": (dim,), "attn.qkv.weight": (3 * dim, dim), "attn.qkv.bias": (3 * dim,),
            "attn.proj.weight": (dim, dim), "attn.proj.bias": (dim,), "norm2.weight": (dim,), "norm2.bias": (dim,),
            "mlp.fc1.weight": (mlp_hidden, dim), "mlp.fc1.bias": (mlp_hidden,), "mlp.fc2.weight": (dim, mlp_hidden),
            "mlp.fc2.bias": (dim,),
        }
        if layer_scale:
            block.update({"ls1.gamma": (dim,), "ls2.gamma": (dim,)})
        for name, shape in block.items():
            expected[f"blocks.{index}.{name}"] = shape
    for key, shape in expected.items():
        _require(encoder, key, shape, prefix + key, remedy_encoder)
    for key in encoder:
        if key in expected:
            continue
        match = re.match(r"blocks\.(\d+)\.(.+)$", key)
        known_block_key = match is not None and match.group(2) in _BLOCK_KEYS
        if not known_block_key and key not in _ENCODER_KEYS:
            checkpoint.unrecognized.append(prefix + key)

    embed_head, embed_hidden = "none", 0
    head = checkpoint.embed_head
    if checkpoint.kind == "glam":
        if "weight" in head:
            embed_head = "linear"
            weight = head["weight"]
            if weight.dim() != 2 or weight.shape[1] != dim:
                raise CheckpointError(f"key '{EMBED_PREFIX}weight' has shape {list(weight.shape)}, expected [embed_dim, {dim}]; "
                                      "the embedding head must read the class token")
            found_embed = int(weight.shape[0])
            _require(head, "bias", (found_embed,), EMBED_PREFIX + "bias", "GLAM's linear projection has a bias")
            known = {"weight", "bias"}
        elif "head.0.weight" in head:
            embed_head = "mlp"
            first = head["head.0.weight"]
            if first.dim() != 2 or first.shape[1] != dim:
                raise CheckpointError(f"key '{EMBED_PREFIX}head.0.weight' has shape {list(first.shape)}, expected [hidden, {dim}]; "
                                      "the embedding head must read the class token")
            embed_hidden = int(first.shape[0])
            found_embed = int(_require(head, "head.3.weight", None, EMBED_PREFIX + "head.3.weight",
                                       "GLAM's MLP head is Linear, BatchNorm1d, ReLU, Linear, BatchNorm1d").shape[0])
            shapes = {
                "head.0.bias": (embed_hidden,), "head.1.weight": (embed_hidden,), "head.1.bias": (embed_hidden,),
                "head.1.running_mean": (embed_hidden,), "head.1.running_var": (embed_hidden,),
                "head.3.weight": (found_embed, embed_hidden), "head.3.bias": (found_embed,),
                "head.4.running_mean": (found_embed,), "head.4.running_var": (found_embed,),
            }
            for key, shape in shapes.items():
                _require(head, key, shape, EMBED_PREFIX + key,
                         "GLAM's MLP head (trained without --linear_proj) is Linear, BatchNorm1d, ReLU, Linear, BatchNorm1d(affine=False)")
            known = _MLP_HEAD_KEYS
        else:
            raise CheckpointError(
                f"missing key '{EMBED_PREFIX}weight' (linear projection) or '{EMBED_PREFIX}head.0.weight' (MLP head); "
                "the checkpoint has no image embedding head"
            )
        checkpoint.unrecognized.extend(EMBED_PREFIX + key for key in head if key not in known)
        if embed_dim is not None and embed_dim != found_embed:
            raise CheckpointError(f"--embed-dim {embed_dim} differs from the {found_embed} outputs of '{EMBED_PREFIX}'")
        embed_dim = found_embed
        emb_hp = hp.get("emb_dim")
        if isinstance(emb_hp, int) and emb_hp != embed_dim:
            raise CheckpointError(f"hyper-parameter emb_dim is {emb_hp} but the embedding head has {embed_dim} outputs")
    else:
        embed_dim = dim

    regions = 0
    has_alignment = checkpoint.kind == "glam" and bool(checkpoint.alignment)
    if checkpoint.kind == "glam" and not has_alignment:
        raise CheckpointError(
            "missing key 'merge_patch1.query': the checkpoint has no alignment head; GLAM creates it only when "
            "trained with --patch_contrast --attn_pooler. Export the backbone alone from a DINOv2 checkpoint instead"
        )
    if has_alignment:
        remedy_alignment = "GLAM's alignment head needs --patch_contrast --attn_pooler at training time"
        query = _require(checkpoint.alignment, "merge_patch1.query", None, "merge_patch1.query", remedy_alignment)
        if query.dim() != 2 or query.shape[1] != dim:
            raise CheckpointError(f"key 'merge_patch1.query' has shape {list(query.shape)}, expected [regions², {dim}]; {remedy_alignment}")
        regions = math.isqrt(int(query.shape[0]))
        if regions * regions != query.shape[0] or regions == 0 or regions > grid:
            raise CheckpointError(
                f"key 'merge_patch1.query' has {query.shape[0]} queries, not a square number of regions up to {grid}²; {remedy_alignment}"
            )
        expected_alignment = {}
        for pooler in ("merge_patch1.", "merge_patch2."):
            expected_alignment.update({
                pooler + "query": (regions * regions, dim), pooler + "ln_q.weight": (dim,), pooler + "ln_q.bias": (dim,),
                pooler + "ln_k.weight": (dim,), pooler + "ln_k.bias": (dim,), pooler + "attn.in_proj_weight": (3 * dim, dim),
                pooler + "attn.in_proj_bias": (3 * dim,), pooler + "attn.out_proj.weight": (dim, dim),
                pooler + "attn.out_proj.bias": (dim,),
            })
        expected_alignment.update({"patch_ln.weight": (dim,), "patch_ln.bias": (dim,)})
        for attention in ("view_attn1.", "view_attn2."):
            expected_alignment.update({
                attention + "in_proj_weight": (3 * dim, dim), attention + "in_proj_bias": (3 * dim,),
                attention + "out_proj.weight": (dim, dim), attention + "out_proj.bias": (dim,),
            })
        for key, shape in expected_alignment.items():
            _require(checkpoint.alignment, key, shape, key, remedy_alignment)
        checkpoint.unrecognized.extend(key for key in checkpoint.alignment if key not in expected_alignment)

    if view_heads is None:
        view_heads = int(hp.get("num_heads", 4)) if has_alignment else 0
    # NOTE: GLAM builds its poolers without an explicit head count, so the class default
    # applies; 8 is open_clip's AttentionalPooler default, which GLAM's copy is assumed to keep.
    if pooler_heads is None:
        pooler_heads = 8 if has_alignment else 0
    for name, count in (("--view-heads", view_heads), ("--pooler-heads", pooler_heads)):
        if has_alignment and (count <= 0 or dim % count):
            raise CheckpointError(f"{name} {count} does not divide dim {dim}")

    return Architecture(
        image_size=image_size, patch_size=patch_size, dim=dim, depth=depth, heads=heads, mlp_hidden=mlp_hidden,
        registers=registers, layer_scale=layer_scale, embed_dim=embed_dim, embed_head=embed_head,
        embed_hidden=embed_hidden, regions=regions, pooler_heads=pooler_heads, view_heads=view_heads,
        has_alignment=has_alignment,
    )
