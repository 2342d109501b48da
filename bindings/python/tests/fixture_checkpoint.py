"""Reads the initializers of a libglam fixture bundle back into a GLAM-release state dict.

The fixtures were exported from modules named vit.*, global_embed, merge_cc/merge_mlo,
region_ln and attn_cc/attn_mlo; GLAM's checkpoint calls them img_encoder_q.model.*,
img_encoder_q.global_embed, merge_patch1/merge_patch2, patch_ln and view_attn1/view_attn2.
Exporters fold linear weights into anonymous transposed MatMul initializers and share equal
tensors (an Identity node or one initializer used by several nodes), so this recovers both.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict

import numpy as np
import onnx
import torch
from onnx import numpy_helper

RENAMES = [
    (r"^vit\.patch_embed\.(weight|bias)$", r"img_encoder_q.model.patch_embed.proj.\1"),
    (r"^vit\.blocks\.(\d+)\.(qkv|proj)\.", r"img_encoder_q.model.blocks.\1.attn.\2."),
    (r"^vit\.blocks\.(\d+)\.(fc1|fc2)\.", r"img_encoder_q.model.blocks.\1.mlp.\2."),
    (r"^vit\.blocks\.(\d+)\.(ls1|ls2)$", r"img_encoder_q.model.blocks.\1.\2.gamma"),
    (r"^vit\.", "img_encoder_q.model."),
    (r"^global_embed\.", "img_encoder_q.global_embed."),
    (r"^merge_cc\.", "merge_patch1."),
    (r"^merge_mlo\.", "merge_patch2."),
    (r"^region_ln\.", "patch_ln."),
    (r"^attn_cc\.", "view_attn1."),
    (r"^attn_mlo\.", "view_attn2."),
]


def _graph_tensors(path: Path) -> Dict[str, np.ndarray]:
    """Return the fixture's parameters under its own module names, with folded weights recovered."""
    model = onnx.load(str(path))
    initializers = {tensor.name: numpy_helper.to_array(tensor) for tensor in model.graph.initializer}
    named = {name: value for name, value in initializers.items() if "." in name and not name.startswith("onnx::")}
    for node in model.graph.node:
        if node.op_type == "Identity" and node.input[0] in initializers:
            named[node.output[0]] = initializers[node.input[0]]

    consumers = {}
    for node in model.graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    for node in model.graph.node:
        if node.op_type != "MatMul" or node.input[1] not in initializers or node.input[1] in named:
            continue
        for consumer in consumers.get(node.output[0], []):
            biases = [name for name in consumer.input if name.endswith(".bias")]
            if consumer.op_type == "Add" and biases:
                named[biases[0][: -len("bias")] + "weight"] = initializers[node.input[1]].T
    return named


def state_dict_from_fixture(folder: Path, depth: int) -> Dict[str, torch.Tensor]:
    """Return a GLAM-release state dict holding the fixture's encoder and alignment weights."""
    tensors = _graph_tensors(folder / "encoder.onnx")
    tensors.update(_graph_tensors(folder / "align.onnx"))

    # Shared tensors that an exporter kept under one name only: every layer scale of the
    # fixtures is one value, and so are the zero-initialised attention biases.
    layer_scale = next(value for name, value in tensors.items() if re.match(r"vit\.blocks\.\d+\.ls[12]$", name))
    for index in range(depth):
        for name in ("ls1", "ls2"):
            tensors.setdefault(f"vit.blocks.{index}.{name}", layer_scale)
    for module in ("merge_mlo.attn.", "attn_cc.", "attn_mlo."):
        for name in ("in_proj_bias", "out_proj.bias"):
            tensors.setdefault(module + name, tensors["merge_cc.attn." + name])

    state = {}
    for name, value in tensors.items():
        renamed = name
        for pattern, replacement in RENAMES:
            renamed, count = re.subn(pattern, replacement, renamed)
            if count:
                break
        state[renamed] = torch.from_numpy(np.array(value, dtype=np.float32))
    return state
