"""Writes a GLAM encoder bundle at ViT-B/14 width (D=768, 12 heads, 12 layers) for benchmarks.

The full GLAM encoder is the glam-small-opset18 fixture's graph (ViT-S/14, D=384, 6 heads,
12 layers, 4 registers, 518 px) at D=768 with 12 heads of 64. This script rewrites that graph:
every weight dimension of 384, 1152 or 1536 doubles, the head count in the attention reshape
goes from 6 to 12, and weights are drawn at random with each tensor's original standard
deviation (LayerNorm scales stay 1). The result has ViT-B's shapes and FLOPs, not its accuracy.

    python3 benchmarks/make_vit_b.py SMALL_BUNDLE_DIR OUTPUT_DIR

Needs the onnx and numpy packages. The output (about 350 MB) stays out of git.
"""

import os
import shutil
import sys

import numpy as np
import onnx
from onnx import numpy_helper

WIDTH = {384: 768, 1152: 2304, 1536: 3072}


def widen_float(tensor, generator):
    values = numpy_helper.to_array(tensor)
    shape = tuple(WIDTH.get(dimension, dimension) for dimension in values.shape)
    if shape == values.shape:
        return tensor
    name = tensor.name
    if name.endswith(("norm1.weight", "norm2.weight", "norm.weight")):
        widened = np.ones(shape, dtype=np.float32)
    elif name.endswith(".ls1") or name.endswith(".ls2"):
        widened = np.full(shape, float(values.mean()), dtype=np.float32)
    else:
        scale = float(values.std()) or 0.02
        # Doubling the fan-in doubles the output variance; keep activations at the same scale.
        fan_in = values.shape[-1] if values.ndim == 2 else 1
        if values.ndim == 2 and WIDTH.get(fan_in):
            scale /= np.sqrt(2.0)
        widened = generator.normal(float(values.mean()), scale, size=shape).astype(np.float32)
    return numpy_helper.from_array(widened, name)


def widen_shape(tensor):
    values = numpy_helper.to_array(tensor)
    if values.dtype != np.int64 or values.ndim != 1:
        return tensor
    widened = values.copy()
    if values.size == 5 and values[2] == 3:
        # [batch, tokens, 3, heads, head_dim]: twice the heads of 64.
        widened[3] = values[3] * 2
    else:
        widened = np.array([WIDTH.get(int(value), int(value)) for value in values], dtype=np.int64)
    return numpy_helper.from_array(widened, tensor.name)


def main():
    source, target = sys.argv[1], sys.argv[2]
    os.makedirs(target, exist_ok=True)
    generator = np.random.default_rng(0)
    model = onnx.load(os.path.join(source, "encoder.onnx"))
    initializers = []
    for tensor in model.graph.initializer:
        if tensor.data_type == onnx.TensorProto.FLOAT:
            initializers.append(widen_float(tensor, generator))
        else:
            initializers.append(widen_shape(tensor))
    del model.graph.initializer[:]
    model.graph.initializer.extend(initializers)
    del model.graph.value_info[:]
    for output in model.graph.output:
        for dimension in output.type.tensor_type.shape.dim:
            if dimension.HasField("dim_value"):
                dimension.dim_value = WIDTH.get(dimension.dim_value, dimension.dim_value)
    for entry in model.metadata_props:
        if entry.key == "glam.dim":
            entry.value = "768"
        elif entry.key == "glam.heads":
            entry.value = "12"
    onnx.save(model, os.path.join(target, "encoder.onnx"))
    print(f"wrote {os.path.join(target, 'encoder.onnx')}")


if __name__ == "__main__":
    main()
