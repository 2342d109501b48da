"""The checkpoint exporter: round trips through libglam, failure messages, fixture and demo parity.

These tests need PyTorch and the onnx package. `make test` runs them with Debian's python3,
where python3-torch and python3-onnx are installed; other interpreters skip them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the exporter tests need PyTorch (Debian: apt-get install python3-torch)")
onnx = pytest.importorskip("onnx", reason="the exporter tests need onnx (Debian: apt-get install python3-onnx)")

import libglam  # noqa: E402
from libglam.export import CheckpointError, ExportOptions, SelfCheckError, export_checkpoint  # noqa: E402
from libglam.export.checkpoint import infer_architecture, load_state_dict, split_checkpoint  # noqa: E402
from libglam.export.modules import build_modules  # noqa: E402
from libglam.export.selfcheck import real_pair  # noqa: E402
from libglam.export.synthetic import glam_state_dict, lightning_checkpoint  # noqa: E402
from onnx import numpy_helper  # noqa: E402

from conftest import REPO_ROOT  # noqa: E402
from fixture_checkpoint import state_dict_from_fixture  # noqa: E402

# A small GLAM: 112 px input, 8×8 patches, 4×4 regions of 2×2 patches.
SMALL = dict(dim=48, depth=2, registers=4, patch_size=14, image_size=112, embed_dim=32, regions=4)
SMALL_OPTIONS = dict(heads=3, pooler_heads=4)
TINY_FIXTURE = REPO_ROOT / "Tests" / "Fixtures" / "glam-tiny-opset17"
DEMO_BUNDLE = REPO_ROOT / "models" / "glam-demo"
GLAM_CLI = REPO_ROOT / ".build" / "release" / "glam"


def save_checkpoint(path: Path, state, hyper_parameters=None) -> Path:
    torch.save(lightning_checkpoint(state, hyper_parameters or {"num_heads": 4}), path)
    return path


def read_tensor(path: Path) -> np.ndarray:
    tensor = onnx.TensorProto()
    tensor.ParseFromString(path.read_bytes())
    return numpy_helper.to_array(tensor)


def eager_modules(path: Path, **options):
    state, hyper_parameters = load_state_dict(str(path))
    checkpoint = split_checkpoint(state, hyper_parameters)
    arch = infer_architecture(checkpoint, **options)
    return build_modules(arch, checkpoint.encoder, checkpoint.embed_head, checkpoint.alignment)


@pytest.mark.parametrize("embed_head", ["linear", "mlp"])
def test_export_round_trip_through_libglam(tmp_path, embed_head):
    checkpoint = save_checkpoint(tmp_path / "glam.ckpt", glam_state_dict(7, embed_head=embed_head, **SMALL))
    result = export_checkpoint(checkpoint, tmp_path / "bundle", ExportOptions(**SMALL_OPTIONS))

    bundle = tmp_path / "bundle"
    assert sorted(path.name for path in bundle.iterdir()) == ["align", "align.onnx", "encoder", "encoder.onnx", "export.json"]
    assert result.architecture.embed_head == embed_head
    for case in result.self_check:
        assert case.worst[1] <= 1e-4, case.differences

    # Independently of the self-check: libglam on the real pair against PyTorch eager.
    encoder, alignment = eager_modules(checkpoint, **SMALL_OPTIONS)
    cc, mlo = real_pair()
    with libglam.Model(bundle, threads=2) as model:
        assert model.info.image_size == 112
        assert model.info.grid == 8
        assert model.info.regions == 4
        assert model.info.region_size == 2
        assert model.info.feature_dim == 48
        assert model.info.embed_dim == 32
        assert not model.info.untrained
        with model.encode_pair(cc, mlo, laterality="L") as pair:
            batch = np.stack([np.repeat(pair.model_input(view)[None], 3, axis=0) for view in ("CC", "MLO")])
            with torch.no_grad():
                embedding, tokens = encoder(torch.from_numpy(batch))
            for index, view in enumerate(("CC", "MLO")):
                assert np.abs(pair.embedding(view) - embedding[index].numpy()).max() <= 1e-4
                found_tokens = pair.patch_tokens(view).reshape(64, 48)
                assert np.abs(found_tokens - tokens[index].numpy()).max() <= 1e-4
            with model.align(pair) as aligned:
                with torch.no_grad():
                    outputs = alignment(tokens[:1], tokens[1:])
                assert np.abs(aligned.attention("CC") - outputs[2][0].numpy()).max() <= 1e-4
                assert np.abs(aligned.similarity("MLO") - outputs[5][0].numpy()).max() <= 1e-4


def test_export_writes_metadata_and_test_data(tmp_path):
    checkpoint = save_checkpoint(tmp_path / "glam.ckpt", glam_state_dict(3, **SMALL))
    export_checkpoint(checkpoint, tmp_path / "bundle", ExportOptions(**SMALL_OPTIONS))
    bundle = tmp_path / "bundle"

    for graph in ("encoder.onnx", "align.onnx"):
        model = onnx.load(str(bundle / graph))
        props = {entry.key: entry.value for entry in model.metadata_props}
        assert props["glam.image_size"] == "112"
        assert props["glam.patch_size"] == "14"
        assert props["glam.grid"] == "8"
        assert props["glam.regions"] == "4"
        assert props["glam.region_size"] == "2"
        assert props["glam.dim"] == "48"
        assert props["glam.embed_dim"] == "32"
        assert props["glam.pixel_mean"] == "0.5,0.5,0.5"
        assert props["glam.pixel_std"] == "0.5,0.5,0.5"
        assert props["glam.weights"] == "trained"
        assert model.opset_import[0].version == 17
        assert "Resize" not in {node.op_type for node in model.graph.node}

    for graph in ("encoder.onnx", "align.onnx"):
        for value in onnx.load(str(bundle / graph)).graph.input:
            assert value.type.tensor_type.shape.dim[0].dim_param == "batch", f"{graph} {value.name}"

    report = json.loads((bundle / "export.json").read_text())
    assert report["untrained"] is False
    assert "text_encoder_q.*" in report["unused_keys"]
    assert report["unrecognized_keys"] == []

    # The stored outputs are PyTorch eager results for the stored input.
    encoder_module, alignment = eager_modules(checkpoint, **SMALL_OPTIONS)
    image = read_tensor(bundle / "encoder" / "test_data_set_0" / "input_0.pb")
    assert image.shape == (2, 3, 112, 112)
    with torch.no_grad():
        embedding, tokens = encoder_module(torch.from_numpy(image))
        aligned = alignment(tokens[:1], tokens[1:])
    assert np.abs(read_tensor(bundle / "encoder" / "test_data_set_0" / "output_0.pb") - embedding.numpy()).max() == 0
    assert np.abs(read_tensor(bundle / "align" / "test_data_set_0" / "output_3.pb") - aligned[3].numpy()).max() == 0


def test_missing_key_names_key(tmp_path):
    state = glam_state_dict(1, **SMALL)
    del state["img_encoder_q.model.blocks.1.mlp.fc2.weight"]
    checkpoint = save_checkpoint(tmp_path / "glam.ckpt", state)
    with pytest.raises(CheckpointError, match=r"missing key 'img_encoder_q\.model\.blocks\.1\.mlp\.fc2\.weight' of shape \[48, 192\]"):
        export_checkpoint(checkpoint, tmp_path / "bundle", ExportOptions(**SMALL_OPTIONS))
    assert not (tmp_path / "bundle").exists()


def test_misshapen_key_names_key_and_shapes(tmp_path):
    state = glam_state_dict(1, **SMALL)
    state["view_attn2.in_proj_weight"] = torch.zeros(144, 40)
    checkpoint = save_checkpoint(tmp_path / "glam.ckpt", state)
    with pytest.raises(CheckpointError) as raised:
        export_checkpoint(checkpoint, tmp_path / "bundle", ExportOptions(**SMALL_OPTIONS))
    message = str(raised.value)
    assert "'view_attn2.in_proj_weight'" in message
    assert "has shape [144, 40], expected [144, 48]" in message
    assert "--patch_contrast --attn_pooler" in message


def test_missing_alignment_head_explains(tmp_path):
    state = {key: value for key, value in glam_state_dict(1, **SMALL).items()
             if not key.startswith(("merge_patch", "view_attn", "patch_ln"))}
    checkpoint = save_checkpoint(tmp_path / "glam.ckpt", state)
    with pytest.raises(CheckpointError, match=r"missing key 'merge_patch1\.query'"):
        export_checkpoint(checkpoint, tmp_path / "bundle", ExportOptions(**SMALL_OPTIONS))


def test_unrecognized_key_rejected_then_allowed(tmp_path):
    state = glam_state_dict(2, **SMALL)
    state["img_encoder_q.model.blocks.0.attn.q_norm.weight"] = torch.ones(48)
    state["cls_head.weight"] = torch.zeros(2, 48)
    checkpoint = save_checkpoint(tmp_path / "glam.ckpt", state)
    with pytest.raises(CheckpointError) as raised:
        export_checkpoint(checkpoint, tmp_path / "bundle", ExportOptions(**SMALL_OPTIONS))
    assert "'img_encoder_q.model.blocks.0.attn.q_norm.weight'" in str(raised.value)
    assert "'cls_head.weight'" in str(raised.value)
    assert "--allow-unrecognized" in str(raised.value)

    result = export_checkpoint(checkpoint, tmp_path / "bundle",
                               ExportOptions(allow_unrecognized=True, **SMALL_OPTIONS))
    assert sorted(result.unrecognized) == ["cls_head.weight", "img_encoder_q.model.blocks.0.attn.q_norm.weight"]
    assert sorted(result.report["unrecognized_keys"]) == sorted(result.unrecognized)


def test_unsupported_hyper_parameter_rejected(tmp_path):
    checkpoint = save_checkpoint(tmp_path / "glam.ckpt", glam_state_dict(2, **SMALL), {"pool_feat": True})
    with pytest.raises(CheckpointError, match="'pool_feat'"):
        export_checkpoint(checkpoint, tmp_path / "bundle", ExportOptions(**SMALL_OPTIONS))


def test_self_check_rejects_perturbed_graph(tmp_path):
    checkpoint = save_checkpoint(tmp_path / "glam.ckpt", glam_state_dict(4, **SMALL))

    def perturb(staging: Path) -> None:
        model = onnx.load(str(staging / "encoder.onnx"))
        for tensor in model.graph.initializer:
            if tensor.name.endswith("norm.bias"):
                values = numpy_helper.to_array(tensor) + np.float32(1e-3)
                tensor.CopyFrom(numpy_helper.from_array(values, tensor.name))
        onnx.save(model, str(staging / "encoder.onnx"))

    with pytest.raises(SelfCheckError, match=r"'patch_tokens' differs by .*not written"):
        export_checkpoint(checkpoint, tmp_path / "bundle", ExportOptions(**SMALL_OPTIONS), tamper=perturb)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["glam.ckpt"]


def test_existing_output_folder_rejected(tmp_path):
    checkpoint = save_checkpoint(tmp_path / "glam.ckpt", glam_state_dict(4, **SMALL))
    (tmp_path / "bundle").mkdir()
    (tmp_path / "bundle" / "keep.txt").write_text("x")
    with pytest.raises(FileExistsError, match="not empty"):
        export_checkpoint(checkpoint, tmp_path / "bundle", ExportOptions(**SMALL_OPTIONS))


def test_dinov2_backbone_exports_encoder_only(tmp_path):
    prefix = "img_encoder_q.model."
    state = {key[len(prefix):]: value for key, value in glam_state_dict(5, **SMALL).items() if key.startswith(prefix)}
    path = tmp_path / "dinov2.pth"
    torch.save(state, path)
    result = export_checkpoint(path, tmp_path / "bundle", ExportOptions(heads=3))

    bundle = tmp_path / "bundle"
    assert (bundle / "encoder.onnx").is_file()
    assert not (bundle / "align.onnx").exists()
    assert result.architecture.embed_head == "none"
    assert result.architecture.embed_dim == 48
    props = {entry.key: entry.value for entry in onnx.load(str(bundle / "encoder.onnx")).metadata_props}
    assert props["glam.components"] == "encoder"
    assert props["glam.regions"] == "2"
    embedding = read_tensor(bundle / "encoder" / "test_data_set_0" / "output_0.pb")
    assert embedding.shape == (2, 48)
    assert np.allclose(np.linalg.norm(embedding, axis=1), 1, atol=1e-5)


def test_tiny_fixture_reproduced(tmp_path):
    """The tiny fixture's weights, exported again, reproduce its stored PyTorch outputs."""
    state = state_dict_from_fixture(TINY_FIXTURE, depth=2)
    checkpoint = save_checkpoint(tmp_path / "fixture.ckpt", state, {"num_heads": 4})
    options = dict(heads=3, pooler_heads=4, view_heads=4)
    result = export_checkpoint(checkpoint, tmp_path / "bundle", ExportOptions(**options))
    assert result.unrecognized == []

    encoder, alignment = eager_modules(checkpoint, **options)
    worst = 0.0
    for index in (0, 1):
        encoder_set = TINY_FIXTURE / "encoder" / f"test_data_set_{index}"
        with torch.no_grad():
            outputs = encoder(torch.from_numpy(read_tensor(encoder_set / "input_0.pb")))
        for position, output in enumerate(outputs):
            difference = np.abs(read_tensor(encoder_set / f"output_{position}.pb") - output.numpy()).max()
            worst = max(worst, difference)
            assert difference <= 1e-4, f"encoder set {index} output {position}"

        align_set = TINY_FIXTURE / "align" / f"test_data_set_{index}"
        inputs = [torch.from_numpy(read_tensor(align_set / f"input_{position}.pb")) for position in (0, 1)]
        with torch.no_grad():
            outputs = alignment(*inputs)
        for position, output in enumerate(outputs):
            difference = np.abs(read_tensor(align_set / f"output_{position}.pb") - output.numpy()).max()
            worst = max(worst, difference)
            assert difference <= 1e-4, f"align set {index} output {position}"
    print(f"tiny fixture: max abs diff, PyTorch eager of the exporter vs stored outputs: {worst:.3g}")

    # The exported graphs, run by libglam's own checker on the fixture's stored data.
    if not GLAM_CLI.is_file():
        pytest.skip(f"{GLAM_CLI} not built; run 'swift build -c release' to check the graphs with `glam check`")
    for graph in ("encoder", "align"):
        completed = subprocess.run(
            [str(GLAM_CLI), "check", str(tmp_path / "bundle" / f"{graph}.onnx"), str(TINY_FIXTURE / graph),
             "--atol", "1e-4"],
            capture_output=True, text=True,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
        print(completed.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not DEMO_BUNDLE.is_dir(), reason=f"{DEMO_BUNDLE} not found")
def test_demo_bundle_reproducible_from_seed():
    """The embedded demo's test data follow from the generator settings in its fixture.json."""
    report = json.loads((DEMO_BUNDLE / "fixture.json").read_text())
    assert report["untrained"] is True
    generator = report["generator"]
    state = glam_state_dict(report["seed"], **generator["checkpoint"])
    arch_options = generator["export"]
    checkpoint = split_checkpoint(state, {"num_heads": arch_options["view_heads"]})
    arch = infer_architecture(checkpoint, heads=arch_options["heads"], pooler_heads=arch_options["pooler_heads"])
    encoder, alignment = build_modules(arch, checkpoint.encoder, checkpoint.embed_head, checkpoint.alignment)

    encoder_set = DEMO_BUNDLE / "encoder" / "test_data_set_0"
    with torch.no_grad():
        embedding, tokens = encoder(torch.from_numpy(read_tensor(encoder_set / "input_0.pb")))
        aligned = alignment(tokens[:1], tokens[1:])
    assert np.abs(read_tensor(encoder_set / "output_0.pb") - embedding.numpy()).max() <= 1e-5
    assert np.abs(read_tensor(encoder_set / "output_1.pb") - tokens.numpy()).max() <= 1e-5
    align_set = DEMO_BUNDLE / "align" / "test_data_set_0"
    for position, output in enumerate(aligned):
        assert np.abs(read_tensor(align_set / f"output_{position}.pb") - output.numpy()).max() <= 1e-5


def test_command_line_reports_bad_checkpoint(tmp_path):
    state = glam_state_dict(1, **SMALL)
    state["img_encoder_q.model.pos_embed"] = torch.zeros(1, 51, 48)
    checkpoint = save_checkpoint(tmp_path / "glam.ckpt", state)
    completed = subprocess.run(
        [sys.executable, "-m", "libglam.export", str(checkpoint), str(tmp_path / "bundle"), "--heads", "3"],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1], env=dict(os.environ),
    )
    assert completed.returncode == 1
    assert "error: key 'img_encoder_q.model.pos_embed' has 51 positions" in completed.stderr
    assert "Traceback" not in completed.stderr
