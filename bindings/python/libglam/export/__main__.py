"""Command line: python3 -m libglam.export CHECKPOINT OUTDIR [options]."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .bundle import ExportOptions, export_checkpoint
from .checkpoint import CheckpointError
from .selfcheck import SelfCheckError


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        prog="python3 -m libglam.export",
        description="Export a GLAM training checkpoint (Lightning .ckpt) or a DINOv2 hub checkpoint to a libglam "
        "bundle folder (encoder.onnx, align.onnx, glam.* metadata, test data), after checking the graphs with "
        "libglam against PyTorch.",
    )
    parser.add_argument("checkpoint", type=Path, help="GLAM .ckpt, bare state dict, or DINOv2 hub .pth")
    parser.add_argument("output", type=Path, help="bundle folder to create (must not exist or be empty)")

    parser.add_argument("--heads", type=int, help="ViT attention heads (default: dim / 64, as in every DINOv2 ViT)")
    parser.add_argument("--pooler-heads", type=int,
                        help="heads of the attentional poolers merge_patch1/2 (default: 8)")
    parser.add_argument("--view-heads", type=int,
                        help="heads of view_attn1/2 (default: the checkpoint's num_heads hyper-parameter, else 4)")
    parser.add_argument("--image-size", type=int,
                        help="model input side in pixels (default: patch size × the pos_embed grid; must match it)")
    parser.add_argument("--embed-dim", type=int, help="expected embedding width, checked against the checkpoint")
    parser.add_argument("--regions", type=int,
                        help="regions per side recorded for an encoder-only (DINOv2) export (default: grid / 4)")

    parser.add_argument("--pixel-mean", type=float, default=0.5, help="input normalisation mean (default: 0.5)")
    parser.add_argument("--pixel-std", type=float, default=0.5, help="input normalisation std (default: 0.5)")

    parser.add_argument("--tolerance", type=float, default=1e-4,
                        help="largest accepted max abs difference between libglam and PyTorch (default: 1e-4)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random self-check input (default: 0)")
    parser.add_argument("--test-input", type=Path,
                        help="TensorProto [2, 3, S, S] (CC, MLO) for encoder/test_data_set_0 (default: the "
                        "shipped NYU pair after libglam's preprocessing)")

    parser.add_argument("--untrained", action="store_true",
                        help="mark the weights as untrained (glam.weights=random, fixture.json) for demo bundles")
    parser.add_argument("--allow-unrecognized", action="store_true",
                        help="export even when the checkpoint has keys the exporter does not recognise (they are listed)")

    return parser.parse_args(argv)


def main(argv=None) -> int:
    arguments = parse_arguments(argv)
    options = ExportOptions(
        heads=arguments.heads, pooler_heads=arguments.pooler_heads, view_heads=arguments.view_heads,
        image_size=arguments.image_size, embed_dim=arguments.embed_dim, regions=arguments.regions,
        pixel_mean=arguments.pixel_mean, pixel_std=arguments.pixel_std, tolerance=arguments.tolerance,
        seed=arguments.seed, untrained=arguments.untrained, allow_unrecognized=arguments.allow_unrecognized,
        test_input=arguments.test_input,
    )
    try:
        result = export_checkpoint(arguments.checkpoint, arguments.output, options)
    except (CheckpointError, SelfCheckError, FileExistsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1

    arch = result.architecture
    print(f"wrote {result.bundle}")
    print(f"architecture: {arch.variant}, dim {arch.dim}, depth {arch.depth}, heads {arch.heads}, "
          f"registers {arch.registers}, image {arch.image_size} px, grid {arch.grid}, embedding {arch.embed_dim} "
          f"({arch.embed_head} head)")
    if arch.has_alignment:
        print(f"alignment head: {arch.regions}×{arch.regions} regions of {arch.region_size}×{arch.region_size} patches, "
              f"pooler heads {arch.pooler_heads}, view heads {arch.view_heads}")
    else:
        print("encoder only: libglam's glam_model_open needs align.onnx too; run encoder.onnx with `glam run`")
    for case in result.self_check:
        name, worst = case.worst
        print(f"self-check, {case.name} input: max abs diff {worst:.2e} ({name}), tolerance {options.tolerance:g}")
    for key, reason in sorted(result.unused.items()):
        print(f"not exported: {key}: {reason}")
    for key in result.unrecognized:
        print(f"warning: unrecognised key left out: {key}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
