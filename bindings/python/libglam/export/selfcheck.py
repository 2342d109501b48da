"""Running an exported bundle with libglam and comparing it with PyTorch eager."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import torch

from .modules import ALIGN_OUTPUTS, AlignmentHead, Encoder

DATA = Path(__file__).resolve().parent / "data"


class SelfCheckError(RuntimeError):
    """The exported graphs, run by libglam, differ from PyTorch eager by more than the tolerance."""


@dataclass
class CaseResult:
    """Max abs differences between libglam and PyTorch eager for one input pair."""

    name: str
    differences: Dict[str, float]
    # The [2, 3, S, S] batch that libglam fed to the encoder: the CC view, then the MLO view.
    model_input: np.ndarray

    @property
    def worst(self) -> Tuple[str, float]:
        return max(self.differences.items(), key=lambda item: item[1])


def real_pair() -> Tuple[np.ndarray, np.ndarray]:
    """Return the shipped left CC and MLO views (uint8) of the NYU exam."""
    with np.load(DATA / "nyu_left_pair.npz") as stored:
        return stored["cc"], stored["mlo"]


def random_pair(seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Return two seeded random uint16 images with 12 bits stored, in two different sizes."""
    generator = np.random.default_rng(seed)
    cc = generator.integers(0, 4096, size=(700, 560), dtype=np.uint16)
    mlo = generator.integers(0, 4096, size=(640, 520), dtype=np.uint16)
    return cc, mlo


def run_case(bundle: Path, name: str, cc: np.ndarray, mlo: np.ndarray, encoder: Encoder,
             alignment: AlignmentHead) -> CaseResult:
    """Encode and align one pair with libglam and recompute every output with PyTorch eager.

    The encoder is compared on the exact model inputs that libglam's preprocessing produced,
    and the alignment head on libglam's own patch tokens, so each graph is checked on its own.
    """
    import libglam  # loads libglam.so; imported here so that reading checkpoints does not need it

    differences: Dict[str, float] = {}
    try:
        model = libglam.Model(str(bundle), threads=0)
    except libglam.GlamError as error:
        raise SelfCheckError(
            f"libglam cannot load the exported graphs ({error}); the bundle was not written. Update libglam, "
            "or report the operator and the checkpoint's architecture"
        ) from error
    with model:
        with model.encode_pair(cc, mlo, laterality="L") as pair:
            views = ("CC", "MLO")
            inputs = np.stack([pair.model_input(view) for view in views])
            batch = np.repeat(inputs[:, None], 3, axis=1).astype(np.float32)
            embeddings = np.stack([pair.embedding(view) for view in views])
            tokens = np.stack([pair.patch_tokens(view).reshape(-1, model.info.feature_dim) for view in views])
            with model.align(pair) as aligned:
                glam_outputs = {
                    "cc_regions": aligned.regions("CC"), "mlo_regions": aligned.regions("MLO"),
                    "cc_to_mlo": aligned.attention("CC"), "mlo_to_cc": aligned.attention("MLO"),
                    "cc_similarity": aligned.similarity("CC"), "mlo_similarity": aligned.similarity("MLO"),
                }

    with torch.no_grad():
        eager_embedding, eager_tokens = encoder(torch.from_numpy(batch))
        eager_align = alignment(torch.from_numpy(tokens[:1]), torch.from_numpy(tokens[1:]))
    differences["embedding"] = _max_abs(embeddings, eager_embedding)
    differences["patch_tokens"] = _max_abs(tokens, eager_tokens)
    for output_name, eager in zip(ALIGN_OUTPUTS, eager_align):
        differences[output_name] = _max_abs(glam_outputs[output_name], eager[0])
    return CaseResult(name, differences, batch)


def _max_abs(found: np.ndarray, expected: torch.Tensor) -> float:
    expected_array = expected.numpy()
    if found.shape != expected_array.shape:
        raise SelfCheckError(f"libglam returned shape {list(found.shape)} where PyTorch gives {list(expected_array.shape)}")
    return float(np.max(np.abs(found.astype(np.float64) - expected_array.astype(np.float64))))


def check_bundle(bundle: Path, encoder: Encoder, alignment: AlignmentHead, tolerance: float,
                 seed: int) -> List[CaseResult]:
    """Run the random and the real pair; raise SelfCheckError when any output differs by more than tolerance."""
    results = [
        run_case(bundle, "random", *random_pair(seed), encoder, alignment),
        run_case(bundle, "real (NYU left CC + MLO)", *real_pair(), encoder, alignment),
    ]
    failures = []
    for result in results:
        for output_name, difference in result.differences.items():
            if not difference <= tolerance:  # also catches NaN
                failures.append(f"{result.name} input: '{output_name}' differs by {difference:.3g}")
    if failures:
        raise SelfCheckError(
            "libglam's results differ from PyTorch eager by more than the tolerance "
            f"{tolerance:g}: " + "; ".join(failures) + ". The bundle was not written. Check that libglam.so "
            "and the exporter come from the same release, and report the checkpoint's architecture if they do"
        )
    return results
