"""Exporter from GLAM training checkpoints (and DINOv2 hub checkpoints) to libglam bundles.

    python3 -m libglam.export CHECKPOINT OUTDIR [--heads N] [--pooler-heads N] ...

This subpackage needs PyTorch and the onnx package; `import libglam` alone does not.
"""

from .bundle import ExportOptions, ExportResult, export_checkpoint
from .checkpoint import Architecture, CheckpointError
from .selfcheck import SelfCheckError

__all__ = ["Architecture", "CheckpointError", "ExportOptions", "ExportResult", "SelfCheckError", "export_checkpoint"]
