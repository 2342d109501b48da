"""Exporting a checkpoint to a libglam bundle: ONNX graphs, glam.* metadata, test data, self-check."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from .checkpoint import Architecture, Checkpoint, CheckpointError, infer_architecture, load_state_dict, split_checkpoint
from .modules import ALIGN_INPUTS, ALIGN_OUTPUTS, ENCODER_OUTPUTS, AlignmentHead, build_modules
from .selfcheck import CaseResult, check_bundle

EXPORTER = "libglam.export 0.1"
OPSET = 17


@dataclass
class ExportOptions:
    """Settings that shapes cannot supply; None means infer (see infer_architecture)."""

    heads: Optional[int] = None
    pooler_heads: Optional[int] = None
    view_heads: Optional[int] = None
    image_size: Optional[int] = None
    embed_dim: Optional[int] = None
    # Regions per side written for an encoder-only export, whose checkpoint has no alignment head.
    regions: Optional[int] = None
    pixel_mean: float = 0.5
    pixel_std: float = 0.5
    tolerance: float = 1e-4
    seed: int = 0
    untrained: bool = False
    allow_unrecognized: bool = False
    # A serialized TensorProto [2, 3, S, S] to use as encoder/test_data_set_0 in place of the
    # preprocessed real pair.
    test_input: Optional[Path] = None
    # Extra facts recorded in the report (fixture.json or export.json).
    notes: Dict[str, object] = field(default_factory=dict)


@dataclass
class ExportResult:
    bundle: Path
    architecture: Architecture
    self_check: List[CaseResult]
    unused: Dict[str, str]
    unrecognized: List[str]
    report: Dict[str, object]


def read_checkpoint(path: Path, options: ExportOptions):
    """Load, sort and check a checkpoint; return (checkpoint, architecture)."""
    state, hyper_parameters = load_state_dict(str(path))
    checkpoint = split_checkpoint(state, hyper_parameters)
    arch = infer_architecture(
        checkpoint, heads=options.heads, image_size=options.image_size, pooler_heads=options.pooler_heads,
        view_heads=options.view_heads, embed_dim=options.embed_dim,
    )
    arch = dataclasses.replace(arch, pixel_mean=options.pixel_mean, pixel_std=options.pixel_std)
    if checkpoint.unrecognized and not options.allow_unrecognized:
        listed = ", ".join(f"'{key}'" for key in checkpoint.unrecognized[:20])
        more = f" and {len(checkpoint.unrecognized) - 20} more" if len(checkpoint.unrecognized) > 20 else ""
        raise CheckpointError(
            f"{len(checkpoint.unrecognized)} checkpoint keys are not recognised: {listed}{more}. They may change the "
            "model in ways the bundle would not reproduce; check them, then pass --allow-unrecognized to export "
            "without them"
        )
    return checkpoint, arch


def metadata(arch: Architecture, regions: int, region_size: int, options: ExportOptions) -> Dict[str, str]:
    """Return the glam.* metadata_props that libglam's BundleGeometry reads, plus descriptive keys."""
    channels = lambda value: ",".join([f"{value:g}"] * 3)  # noqa: E731
    values = {
        "glam.image_size": arch.image_size, "glam.patch_size": arch.patch_size, "glam.dim": arch.dim,
        "glam.depth": arch.depth, "glam.heads": arch.heads, "glam.mlp_ratio": f"{arch.mlp_ratio:g}",
        "glam.registers": arch.registers, "glam.embed_dim": arch.embed_dim, "glam.region_size": region_size,
        "glam.pooler_heads": arch.pooler_heads, "glam.view_heads": arch.view_heads,
        "glam.layer_norm_eps": f"{arch.layer_norm_eps:g}", "glam.grid": arch.grid, "glam.regions": regions,
        "glam.pixel_mean": channels(arch.pixel_mean), "glam.pixel_std": channels(arch.pixel_std),
        # The preprocessing profile: GLAM's own steps (8-bit scaling by the image maximum, MLO
        # pectoral alignment, label removal, Otsu crop, bilinear resize), then (x - mean) / std.
        "glam.preprocessing": "glam-release",
        "glam.embed_head": arch.embed_head,
        "glam.exporter": EXPORTER,
        "glam.weights": "random" if options.untrained else "trained",
    }
    if not arch.has_alignment:
        values["glam.components"] = "encoder"
    return {key: str(value) for key, value in values.items()}


def export_graph(module: torch.nn.Module, arguments, path: Path, input_names, output_names, dynamic_axes,
                 props: Dict[str, str]) -> onnx.ModelProto:
    """Export one module with the TorchScript exporter and attach the metadata."""
    buffer = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(
            module, arguments, buffer, opset_version=OPSET, input_names=list(input_names),
            output_names=list(output_names), dynamic_axes=dynamic_axes, do_constant_folding=True,
        )
    model = onnx.load_from_string(buffer.getvalue())
    del model.metadata_props[:]
    for key, value in props.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return model


def check_alignment_for(arch: Architecture, options: ExportOptions, seed: int) -> Architecture:
    """Return the architecture of the stand-in alignment head used to run an encoder-only export."""
    regions = options.regions or max(1, arch.grid // 4)
    if regions > arch.grid:
        raise CheckpointError(f"--regions {regions} exceeds the {arch.grid}×{arch.grid} patch grid")
    return dataclasses.replace(arch, regions=regions, pooler_heads=1, view_heads=1, has_alignment=True)


def random_alignment(arch: Architecture, seed: int) -> AlignmentHead:
    """Return a seeded random alignment head; only for running an encoder-only export through libglam."""
    generator = torch.Generator().manual_seed(seed)
    head = AlignmentHead(arch)
    with torch.no_grad():
        for parameter in head.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.1)
    return head.eval()


def write_tensor(path: Path, array: np.ndarray, name: str) -> None:
    path.write_bytes(numpy_helper.from_array(np.ascontiguousarray(array), name).SerializeToString())


def write_test_sets(folder: Path, encoder, alignment, image: np.ndarray) -> Dict[str, np.ndarray]:
    """Write encoder/ and align/ test_data_set_0 with PyTorch eager outputs for image [2, 3, S, S]."""
    with torch.no_grad():
        embedding, tokens = encoder(torch.from_numpy(image))
        aligned = alignment(tokens[:1], tokens[1:]) if alignment is not None else ()
    encoder_set = folder / "encoder" / "test_data_set_0"
    encoder_set.mkdir(parents=True)
    write_tensor(encoder_set / "input_0.pb", image, "image")
    for index, (name, value) in enumerate(zip(ENCODER_OUTPUTS, (embedding, tokens))):
        write_tensor(encoder_set / f"output_{index}.pb", value.numpy(), name)
    if alignment is not None:
        align_set = folder / "align" / "test_data_set_0"
        align_set.mkdir(parents=True)
        for index, (name, value) in enumerate(zip(ALIGN_INPUTS, (tokens[:1], tokens[1:]))):
            write_tensor(align_set / f"input_{index}.pb", value.numpy(), name)
        for index, (name, value) in enumerate(zip(ALIGN_OUTPUTS, aligned)):
            write_tensor(align_set / f"output_{index}.pb", value.numpy(), name)
    return {"embedding": embedding.numpy(), "patch_tokens": tokens.numpy()}


def read_test_input(path: Path, arch: Architecture) -> np.ndarray:
    tensor = onnx.TensorProto()
    tensor.ParseFromString(Path(path).read_bytes())
    array = numpy_helper.to_array(tensor).astype(np.float32)
    expected = (2, 3, arch.image_size, arch.image_size)
    if array.shape != expected:
        raise CheckpointError(f"--test-input {path} has shape {list(array.shape)}, expected {list(expected)} (CC, MLO)")
    return array


def graph_summary(model: onnx.ModelProto) -> Dict[str, object]:
    return {
        "ir_version": model.ir_version,
        "opsets": {entry.domain or "ai.onnx": entry.version for entry in model.opset_import},
        "op_types": sorted({node.op_type for node in model.graph.node}),
        "nodes": len(model.graph.node),
    }


def export_checkpoint(checkpoint_path, output_dir, options: Optional[ExportOptions] = None,
                      tamper: Optional[Callable[[Path], None]] = None) -> ExportResult:
    """Export a GLAM or DINOv2 checkpoint to a libglam bundle folder.

    The bundle is assembled in a temporary folder next to output_dir, run through libglam on a
    random and a real pair, and moved into place only when every output is within
    options.tolerance of PyTorch eager. output_dir must not exist or be empty. `tamper` is a test
    hook called with the temporary folder before the self-check.
    """
    options = options or ExportOptions()
    checkpoint_path = Path(checkpoint_path)
    output_dir = Path(output_dir)
    if output_dir.exists() and (not output_dir.is_dir() or any(output_dir.iterdir())):
        raise FileExistsError(f"output folder {output_dir} exists and is not empty; remove it or pick another")

    checkpoint, arch = read_checkpoint(checkpoint_path, options)
    torch.manual_seed(options.seed)
    encoder, alignment = build_modules(arch, checkpoint.encoder, checkpoint.embed_head, checkpoint.alignment)
    check_arch = arch if arch.has_alignment else check_alignment_for(arch, options, options.seed)
    check_head = alignment if alignment is not None else random_alignment(check_arch, options.seed)
    regions, region_size = check_arch.regions, check_arch.region_size
    props = metadata(arch, regions, region_size, options)

    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.", dir=output_dir.parent))
    try:
        side, tokens = arch.image_size, arch.grid * arch.grid
        encoder_model = export_graph(
            encoder, (torch.zeros(2, 3, side, side),), staging / "encoder.onnx", ["image"], ENCODER_OUTPUTS,
            {"image": {0: "batch"}, "embedding": {0: "batch"}, "patch_tokens": {0: "batch"}}, props,
        )
        check_props = metadata(check_arch, regions, region_size, options)
        if not arch.has_alignment:
            check_props["glam.weights"] = "random"
        # libglam binds the head to one pair; other runtimes may batch pairs.
        align_batch = {name: {0: "batch"} for name in list(ALIGN_INPUTS) + list(ALIGN_OUTPUTS)}
        align_model = export_graph(
            check_head, (torch.zeros(1, tokens, arch.dim), torch.zeros(1, tokens, arch.dim)), staging / "align.onnx",
            ALIGN_INPUTS, ALIGN_OUTPUTS, align_batch, check_props,
        )
        if tamper is not None:
            tamper(staging)

        results = check_bundle(staging, encoder, check_head, options.tolerance, options.seed)
        if not arch.has_alignment:
            # The stand-in head only made the bundle loadable for the check.
            (staging / "align.onnx").unlink()

        image = read_test_input(options.test_input, arch) if options.test_input else results[1].model_input
        write_test_sets(staging, encoder, alignment, image)

        report = build_report(checkpoint_path, checkpoint, arch, regions, region_size, options, results,
                              encoder_model, align_model if arch.has_alignment else None)
        report_name = "fixture.json" if options.untrained else "export.json"
        (staging / report_name).write_text(json.dumps(report, indent=1) + "\n")

        # mkdtemp creates the folder private (0700); give the bundle the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)
        if output_dir.exists():
            output_dir.rmdir()
        staging.rename(output_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExportResult(output_dir, arch, results, checkpoint.unused, checkpoint.unrecognized, report)


def build_report(checkpoint_path: Path, checkpoint: Checkpoint, arch: Architecture, regions: int, region_size: int,
                 options: ExportOptions, results: List[CaseResult], encoder_model, align_model) -> Dict[str, object]:
    digest = hashlib.sha256(checkpoint_path.read_bytes()).hexdigest()
    architecture = dataclasses.asdict(arch)
    architecture.update(grid=arch.grid, regions=regions, region_size=region_size, variant=arch.variant)
    report: Dict[str, object] = {
        "exporter": EXPORTER,
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "opset": OPSET,
        "weights": "random (untrained)" if options.untrained else "trained",
        "untrained": options.untrained,
        "checkpoint": {"file": checkpoint_path.name, "sha256": digest, "kind": checkpoint.kind},
        "seed": options.seed,
        "architecture": architecture,
        "self_check": {
            "tolerance": options.tolerance,
            "max_abs_diff_libglam_vs_torch": {result.name: result.differences for result in results},
        },
        "unused_keys": checkpoint.unused,
        "unrecognized_keys": checkpoint.unrecognized,
        "models": {"encoder.onnx": graph_summary(encoder_model)},
    }
    if align_model is not None:
        report["models"]["align.onnx"] = graph_summary(align_model)
    report.update(options.notes)
    return report
