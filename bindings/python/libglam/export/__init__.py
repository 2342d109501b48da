"""Exporter from GLAM training checkpoints (and DINOv2 hub checkpoints) to libglam bundles.

    python3 -m libglam.export CHECKPOINT OUTDIR [--heads N] [--pooler-heads N] ...

This subpackage needs PyTorch and the onnx package; `import libglam` alone does not.
"""

try:
    import onnx  # noqa: F401
    import torch  # noqa: F401
except ImportError as error:
    raise ImportError(
        f"libglam.export needs PyTorch 1.13 or later and the onnx package ({error}); install them into this "
        "Python, or see Docs/exporter.md for Debian's CPU build in a virtual environment"
    ) from error

from .bundle import ExportOptions, ExportResult, export_checkpoint
from .checkpoint import Architecture, CheckpointError
from .selfcheck import SelfCheckError

__all__ = ["Architecture", "CheckpointError", "ExportOptions", "ExportResult", "SelfCheckError", "export_checkpoint"]
