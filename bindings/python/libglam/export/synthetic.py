"""Seeded, randomly initialised checkpoints with the GLAM release's key layout.

    python3 -m libglam.export.synthetic OUT.ckpt --seed 0 --dim 96 --depth 4 --heads 3 ...

They stand in for trained checkpoints in tests and in the embedded demo bundle.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict

import torch

ENCODER = "img_encoder_q.model."


def glam_state_dict(seed: int, dim: int = 96, depth: int = 4, registers: int = 4, patch_size: int = 14,
                    image_size: int = 518, embed_dim: int = 128, regions: int = 9, mlp_ratio: int = 4,
                    embed_head: str = "linear", text_encoder: bool = True) -> Dict[str, torch.Tensor]:
    """Return a state dict laid out as GLAM's LightningModule saves it, filled from a seeded generator."""
    generator = torch.Generator().manual_seed(seed)

    def normal(*shape, std=0.02, mean=0.0):
        return torch.randn(*shape, generator=generator) * std + mean

    def uniform(*shape, low, high):
        return torch.rand(*shape, generator=generator) * (high - low) + low

    grid = image_size // patch_size
    hidden = mlp_ratio * dim
    state: Dict[str, torch.Tensor] = {
        ENCODER + "cls_token": normal(1, 1, dim, std=0.5),
        ENCODER + "pos_embed": normal(1, grid * grid + 1, dim, std=0.5),
        ENCODER + "mask_token": torch.zeros(1, dim),
        ENCODER + "patch_embed.proj.weight": normal(dim, 3, patch_size, patch_size, std=0.05),
        ENCODER + "patch_embed.proj.bias": normal(dim),
    }
    if registers:
        state[ENCODER + "register_tokens"] = normal(1, registers, dim, std=0.5)
    for index in range(depth):
        block = f"{ENCODER}blocks.{index}."
        state.update({
            block + "norm1.weight": uniform(dim, low=0.8, high=1.2), block + "norm1.bias": normal(dim),
            block + "attn.qkv.weight": normal(3 * dim, dim, std=0.1), block + "attn.qkv.bias": normal(3 * dim),
            block + "attn.proj.weight": normal(dim, dim, std=0.1), block + "attn.proj.bias": normal(dim),
            block + "ls1.gamma": uniform(dim, low=0.1, high=0.5),
            block + "norm2.weight": uniform(dim, low=0.8, high=1.2), block + "norm2.bias": normal(dim),
            block + "mlp.fc1.weight": normal(hidden, dim, std=0.1), block + "mlp.fc1.bias": normal(hidden),
            block + "mlp.fc2.weight": normal(dim, hidden, std=0.05), block + "mlp.fc2.bias": normal(dim),
            block + "ls2.gamma": uniform(dim, low=0.1, high=0.5),
        })
    state[ENCODER + "norm.weight"] = uniform(dim, low=0.8, high=1.2)
    state[ENCODER + "norm.bias"] = normal(dim)

    head = "img_encoder_q.global_embed."
    if embed_head == "linear":
        state[head + "weight"] = normal(embed_dim, dim, std=0.1)
        state[head + "bias"] = normal(embed_dim)
    else:
        hidden_head = 2 * dim
        state.update({
            head + "head.0.weight": normal(hidden_head, dim, std=0.1), head + "head.0.bias": normal(hidden_head),
            head + "head.1.weight": uniform(hidden_head, low=0.8, high=1.2), head + "head.1.bias": normal(hidden_head),
            head + "head.1.running_mean": normal(hidden_head, std=0.1),
            head + "head.1.running_var": uniform(hidden_head, low=0.5, high=1.5),
            head + "head.1.num_batches_tracked": torch.tensor(1000),
            head + "head.3.weight": normal(embed_dim, hidden_head, std=0.1), head + "head.3.bias": normal(embed_dim),
            head + "head.4.running_mean": normal(embed_dim, std=0.1),
            head + "head.4.running_var": uniform(embed_dim, low=0.5, high=1.5),
            head + "head.4.num_batches_tracked": torch.tensor(1000),
        })

    for pooler in ("merge_patch1.", "merge_patch2."):
        state.update({
            pooler + "query": normal(regions * regions, dim, std=1.0),
            pooler + "ln_q.weight": uniform(dim, low=0.8, high=1.2), pooler + "ln_q.bias": normal(dim),
            pooler + "ln_k.weight": uniform(dim, low=0.8, high=1.2), pooler + "ln_k.bias": normal(dim),
            pooler + "attn.in_proj_weight": normal(3 * dim, dim, std=0.15), pooler + "attn.in_proj_bias": normal(3 * dim),
            pooler + "attn.out_proj.weight": normal(dim, dim, std=0.1), pooler + "attn.out_proj.bias": normal(dim),
        })
    state["patch_ln.weight"] = uniform(dim, low=0.8, high=1.2)
    state["patch_ln.bias"] = normal(dim)
    for attention in ("view_attn1.", "view_attn2."):
        state.update({
            attention + "in_proj_weight": normal(3 * dim, dim, std=0.15), attention + "in_proj_bias": normal(3 * dim),
            attention + "out_proj.weight": normal(dim, dim, std=0.1), attention + "out_proj.bias": normal(dim),
        })
    state["patch_scale"] = torch.tensor(2.6593)
    state["logit_scale"] = torch.tensor(2.6593)
    if text_encoder:
        # A token stand-in for the BERT branch, so that exports exercise the unused-key report.
        state["text_encoder_q.model.embeddings.word_embeddings.weight"] = normal(8, dim)
        state["text_encoder_q.global_embed.weight"] = normal(embed_dim, dim)
    return state


def lightning_checkpoint(state: Dict[str, torch.Tensor], hyper_parameters: Dict[str, object]) -> Dict[str, object]:
    """Wrap a state dict the way PyTorch Lightning's ModelCheckpoint saves it."""
    return {
        "epoch": 0,
        "global_step": 0,
        "pytorch-lightning_version": "2.0.0",
        "state_dict": state,
        "hyper_parameters": hyper_parameters,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m libglam.export.synthetic",
                                     description="Write a seeded random GLAM checkpoint in the release's key layout.")

    parser.add_argument("output", type=Path, help=".ckpt file to write")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default: 0)")
    parser.add_argument("--dim", type=int, default=96, help="ViT width (default: 96)")
    parser.add_argument("--depth", type=int, default=4, help="ViT blocks (default: 4)")
    parser.add_argument("--registers", type=int, default=4, help="register tokens (default: 4)")
    parser.add_argument("--patch-size", type=int, default=14, help="patch side in pixels (default: 14)")
    parser.add_argument("--image-size", type=int, default=518, help="input side in pixels (default: 518)")
    parser.add_argument("--embed-dim", type=int, default=128, help="embedding width (default: 128)")
    parser.add_argument("--regions", type=int, default=9, help="regions per side (default: 9)")
    parser.add_argument("--view-heads", type=int, default=4, help="num_heads hyper-parameter (default: 4)")
    parser.add_argument("--embed-head", choices=("linear", "mlp"), default="linear",
                        help="linear projection (--linear_proj) or GLAM's MLP head (default: linear)")

    arguments = parser.parse_args(argv)
    state = glam_state_dict(
        arguments.seed, dim=arguments.dim, depth=arguments.depth, registers=arguments.registers,
        patch_size=arguments.patch_size, image_size=arguments.image_size, embed_dim=arguments.embed_dim,
        regions=arguments.regions, embed_head=arguments.embed_head,
    )

    grid = arguments.image_size // arguments.patch_size
    hyper_parameters = {
        "img_encoder": "dinov2_vitb14_reg", "emb_dim": arguments.embed_dim, "crop_size": arguments.image_size,
        "num_heads": arguments.view_heads, "linear_proj": arguments.embed_head == "linear", "patch_contrast": True,
        "attn_pooler": True, "mega_patch_size": grid // arguments.regions, "seed": arguments.seed,
    }

    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    torch.save(lightning_checkpoint(state, hyper_parameters), arguments.output)
    print(f"wrote {arguments.output}: seed {arguments.seed}, {len(state)} tensors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
