"""Regenerating libglam's embedded demo bundle: a seeded random GLAM exported by this exporter.

    python3 -m libglam.export.demo OUTDIR --test-input INPUT.pb [--seed 0]

The demo has GLAM's geometry (518 px, 14 px patches, 37×37 grid, 9×9 regions of 4×4 patches)
with a narrow 4-block ViT, so it is small enough to ship. Its weights are untrained.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import torch

from .bundle import ExportOptions, export_checkpoint
from .synthetic import glam_state_dict, lightning_checkpoint

CHECKPOINT_SETTINGS = dict(dim=96, depth=4, registers=4, patch_size=14, image_size=518, embed_dim=128, regions=9,
                           embed_head="linear")
EXPORT_SETTINGS = dict(heads=3, pooler_heads=4, view_heads=4)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m libglam.export.demo", description=__doc__.split("\n")[0])
    parser.add_argument("output", type=Path, help="bundle folder to create (must not exist or be empty)")
    parser.add_argument("--test-input", type=Path, required=True,
                        help="TensorProto [2, 3, 518, 518]: the preprocessed CC + MLO pair for the test data")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and the self-check (default: 0)")
    arguments = parser.parse_args(argv)

    state = glam_state_dict(arguments.seed, **CHECKPOINT_SETTINGS)
    options = ExportOptions(
        untrained=True, seed=arguments.seed, test_input=arguments.test_input,
        notes={"generator": {
            "command": "python3 -m libglam.export.demo OUTDIR --test-input INPUT.pb --seed SEED",
            "checkpoint": CHECKPOINT_SETTINGS, "export": EXPORT_SETTINGS,
            "test_input": "the NYU left CC + MLO pair after GLAM's preprocessing",
        }},
        **EXPORT_SETTINGS,
    )
    with tempfile.TemporaryDirectory() as scratch:
        checkpoint = Path(scratch) / f"glam-demo-seed{arguments.seed}.ckpt"
        torch.save(lightning_checkpoint(state, {"num_heads": EXPORT_SETTINGS["view_heads"]}), checkpoint)
        result = export_checkpoint(checkpoint, arguments.output, options)
    for case in result.self_check:
        name, worst = case.worst
        print(f"self-check, {case.name} input: max abs diff {worst:.2e} ({name})")
    print(f"wrote {result.bundle} (seed {arguments.seed}, untrained)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
