"""Fidelity of the PyTorch musicnn port against the original TensorFlow model.

``tests/data/musicnn_reference.npz`` is written by ``tools/convert_musicnn.py``: log-mel
input patches (musicnn's front end, float32) of three librosa example clips (brahms: Public
Domain; vibeace, trumpet: CC BY 3.0, see ../shared/data/librosa-clips/*.txt) and the outputs
of musicnn 0.1.0's TensorFlow graph (TF 2.21) restored from its checkpoints on them.
"""


import numpy as np
import pytest
import torch

from spectroclf import _cpu
from spectroclf._cpu import native_bfloat16
from spectroclf.musicnn import _network
from spectroclf.musicnn._network import (
    PRETRAINED_MODELS,
    Musicnn,
    _FrontEndBlock,
    load_musicnn,
    resolve_precision,
)

# Tolerances of the port (measured max abs differences, both models: taggram 4e-6,
# penultimate 1e-5, logits 2e-5, mean_pool 9e-6, max_pool 5e-4 on values up to 108).
TOLERANCES = {
    "taggram": dict(atol=1e-4, rtol=0),
    "logits": dict(atol=1e-3, rtol=0),
    "penultimate": dict(atol=1e-4, rtol=0),
    "mean_pool": dict(atol=1e-4, rtol=0),
    "max_pool": dict(atol=1e-3, rtol=1e-5),
    "timbral": dict(atol=1e-3, rtol=0),
    "temporal": dict(atol=1e-3, rtol=0),
    "cnn1": dict(atol=1e-3, rtol=0),
    "cnn2": dict(atol=1e-3, rtol=0),
    "cnn3": dict(atol=1e-3, rtol=0),
}


@pytest.fixture(scope="module", params=PRETRAINED_MODELS)
def ported(request, reference):
    """(model name, torch outputs on the reference inputs)."""
    net = load_musicnn(request.param)
    with torch.no_grad():
        out = net.forward_features(torch.from_numpy(reference["inputs"]))
    return request.param, {k: v.numpy() for k, v in out.items()}


class TestFidelity:
    @pytest.mark.parametrize(
        "key", ["taggram", "logits", "penultimate", "mean_pool", "max_pool"]
    )
    def test_per_patch_outputs_match_tensorflow(self, ported, reference, key):
        name, out = ported
        np.testing.assert_allclose(
            out[key], reference[f"{name}__{key}"], **TOLERANCES[key]
        )

    @pytest.mark.parametrize("key", ["timbral", "temporal", "cnn1", "cnn2", "cnn3"])
    def test_time_resolved_features_match_tensorflow(self, ported, reference, key):
        name, out = ported
        got = out[key][0][reference["feature_frames"]]  # patch 0, stored frames
        np.testing.assert_allclose(got, reference[f"{name}__{key}"], **TOLERANCES[key])

    def test_clip_level_pooling_matches_tensorflow(self, ported, reference):
        name, out = ported
        for clip in np.unique(reference["patch_clip"]):
            rows = reference["patch_clip"] == clip
            for key in ("taggram", "penultimate"):
                np.testing.assert_allclose(
                    out[key][rows].mean(0),
                    reference[f"{name}__{key}"][rows].mean(0),
                    atol=1e-4,
                )

    def test_top_tags_match_tensorflow(self, ported, reference):
        name, out = ported
        ref = reference[f"{name}__taggram"]
        np.testing.assert_array_equal(
            np.argsort(-out["taggram"], axis=1)[:, :3], np.argsort(-ref, axis=1)[:, :3]
        )


class TestLoad:
    def test_tags(self):
        msd, mtt = load_musicnn("MSD_musicnn"), load_musicnn("MTT_musicnn")
        assert msd.tags[:3] == ["rock", "pop", "alternative"]
        assert mtt.tags[:3] == ["guitar", "classical", "slow"]
        assert len(msd.tags) == len(mtt.tags) == 50
        assert not msd.training

    def test_default_is_msd(self):
        assert load_musicnn().tags[0] == "rock"

    def test_unknown_name_lists_valid_ones(self):
        with pytest.raises(ValueError, match="MSD_musicnn, MTT_musicnn"):
            load_musicnn("MSD_vgg")

    def test_weights_are_float32(self):
        assert all(p.dtype == torch.float32 for p in load_musicnn().parameters())


class TestMusicnn:
    def test_shapes(self):
        net = Musicnn(n_tags=7).eval()
        with torch.no_grad():
            out = net.forward_features(torch.randn(3, 187, 96))
        shapes = {k: tuple(v.shape) for k, v in out.items()}
        assert shapes == {
            "timbral": (3, 187, 408),
            "temporal": (3, 187, 153),
            "cnn1": (3, 187, 64),
            "cnn2": (3, 187, 64),
            "cnn3": (3, 187, 64),
            "mid_end": (3, 187, 753),
            "max_pool": (3, 753),
            "mean_pool": (3, 753),
            "penultimate": (3, 200),
            "logits": (3, 7),
            "taggram": (3, 7),
        }
        with torch.no_grad():
            torch.testing.assert_close(
                net(torch.zeros(2, 187, 96)).sigmoid(),
                net.forward_features(torch.zeros(2, 187, 96))["taggram"],
            )

    def test_other_patch_lengths(self):
        net = Musicnn().eval()
        with torch.no_grad():
            assert net(torch.randn(2, 50, 96)).shape == (2, 50)

    @pytest.mark.parametrize("shape", [(187, 96), (2, 187, 128)])
    def test_bad_input_shape(self, shape):
        with pytest.raises(ValueError, match="expects log-mel patches"):
            Musicnn()(torch.zeros(shape))

    def test_eval_pooling_shortcut_equals_naive_order(self):
        """Pooling before ReLU + batchnorm in eval mode gives exactly conv->relu->bn->max."""
        block = _FrontEndBlock(8, (7, 5), (3, 3))
        with torch.no_grad():
            block.bn.weight.copy_(torch.tensor([1.0, -1, 0.5, -2, 0, 3, -0.1, 1]))
            block.bn.bias.normal_()
            block.bn.running_mean.normal_()
            block.bn.running_var.uniform_(0.5, 2)
            block.eval()
            x = torch.randn(4, 1, 20, 12)
            naive = block.bn(
                torch.relu(block.conv(torch.nn.functional.pad(x, (0, 0, 3, 3))))
            )
            torch.testing.assert_close(block(x), naive.amax(dim=3))


def _random_block(n_filters, kernel, padding, seed=0):
    """A front-end block in eval mode with scales of both signs and random statistics."""
    torch.manual_seed(seed)
    block = _FrontEndBlock(n_filters, kernel, padding)
    with torch.no_grad():
        block.bn.weight.normal_()
        block.bn.bias.normal_()
        block.bn.running_mean.normal_()
        block.bn.running_var.uniform_(0.5, 2)
    return block.eval()


_NO_BF16 = pytest.mark.skipif(
    not native_bfloat16(),
    reason="this CPU has no native bfloat16 (neither avx512_bf16 nor amx_bf16): "
    "precision='bfloat16' is refused here",
)


class TestPrecision:
    @pytest.mark.parametrize(
        "kernel, padding, block_size",
        [((7, 5), (3, 3), 4), ((7, 38), (3, 3), 4), ((3, 96), (1, 1), 7),
         ((16, 1), (7, 8), 16), ((128, 1), (63, 64), 16), ((5, 1), (2, 2), 3)],
    )
    def test_toeplitz_front_end_equals_convolution(self, kernel, padding, block_size,
                                                   monkeypatch):
        """The block-Toeplitz product (float32) computes what conv -> max computes."""
        monkeypatch.setattr(_network, "_TIMBRAL_BLOCK", block_size)
        monkeypatch.setattr(_network, "_TEMPORAL_BLOCK", block_size)
        block = _random_block(6, kernel, padding)
        x = torch.randn(3, 40, 96)
        with torch.no_grad():
            torch.testing.assert_close(
                block.forward_lowp(x, torch.float32), block(x.unsqueeze(1)),
                atol=1e-4, rtol=1e-4,
            )

    def test_float32_is_the_default_and_unchanged(self, reference):
        net = load_musicnn()
        x = torch.from_numpy(reference["inputs"])
        with torch.no_grad():
            default = net.forward_features(x)
            explicit = net.forward_features(x, precision="float32")
        for key, value in default.items():
            torch.testing.assert_close(explicit[key], value, atol=0, rtol=0)

    @pytest.mark.parametrize("native, expected", [(True, "bfloat16"), (False, "float32")])
    def test_auto(self, monkeypatch, native, expected):
        monkeypatch.setattr(_cpu, "native_bfloat16", lambda: native)
        assert resolve_precision("auto") == expected
        assert resolve_precision("float32") == "float32"

    def test_bfloat16_refused_without_native_support(self, monkeypatch):
        monkeypatch.setattr(_cpu, "native_bfloat16", lambda: False)
        with pytest.raises(ValueError, match="avx512_bf16 nor amx_bf16"):
            resolve_precision("bfloat16")
        with pytest.raises(ValueError, match="avx512_bf16"):
            load_musicnn().forward_features(torch.zeros(1, 187, 96), precision="bfloat16")

    @pytest.mark.parametrize("bad", ["float16", "fp32", None, torch.bfloat16])
    def test_unknown_precision(self, bad):
        with pytest.raises(ValueError, match="precision must be one of 'auto', 'float32'"):
            resolve_precision(bad)

    def test_bfloat16_is_for_inference(self, monkeypatch):
        monkeypatch.setattr(_cpu, "native_bfloat16", lambda: True)
        net = Musicnn().train()
        x = torch.randn(2, 187, 96)
        with pytest.raises(RuntimeError, match=r"call \.eval\(\) first"):
            net.forward_features(x, precision="bfloat16")
        # "auto" trains in float32: the same numbers as the default
        torch.manual_seed(0)
        auto = net.forward_features(x, precision="auto")["logits"]
        torch.manual_seed(0)
        torch.testing.assert_close(auto, net.forward_features(x)["logits"], atol=0, rtol=0)

    @_NO_BF16
    @pytest.mark.parametrize("name", PRETRAINED_MODELS)
    def test_bfloat16_agrees_with_float32(self, reference, name):
        """Cosine >= 0.999 per patch at every returned layer; same top tag."""
        net = load_musicnn(name)
        x = torch.from_numpy(reference["inputs"])
        with torch.no_grad():
            exact = net.forward_features(x)
            fast = net.forward_features(x, precision="bfloat16")
        for key in ("penultimate", "taggram", "logits", "mean_pool", "max_pool"):
            assert fast[key].dtype == torch.float32
            cosine = torch.nn.functional.cosine_similarity(fast[key], exact[key], dim=1)
            assert cosine.min() >= 0.999, (key, cosine.min())
        np.testing.assert_array_equal(
            fast["taggram"].argmax(1).numpy(), exact["taggram"].argmax(1).numpy()
        )

    @pytest.fixture
    def lowp_in_float32(self, monkeypatch):
        """The low-precision code path (Toeplitz products, fused batchnorms) in float32."""
        monkeypatch.setattr(Musicnn, "_lowp_dtype", lambda self, precision: (
            None if precision == "float32" else torch.float32))

    def test_fused_front_end_equals_the_blocks(self, reference, lowp_in_float32):
        net = load_musicnn()
        x = torch.from_numpy(reference["inputs"])
        with torch.no_grad():
            exact = net.forward_features(x)
            fused = net.forward_features(x, precision="bfloat16")  # float32 here
        for key in ("timbral", "temporal", "penultimate", "taggram"):
            torch.testing.assert_close(fused[key], exact[key], atol=2e-4, rtol=1e-4)

    @pytest.mark.parametrize("chunk", [1, 2, 5, 32])
    def test_front_end_chunks_change_nothing(self, reference, lowp_in_float32, monkeypatch,
                                             chunk):
        """The low-precision front end runs a few patches per pass (its products stay in
        the cache): any split of the batch, even or not, gives every patch's values."""
        net = load_musicnn()
        x = torch.from_numpy(reference["inputs"])  # 5 patches
        monkeypatch.setattr(_network, "_LOWP_CHUNK", chunk)
        with torch.no_grad():
            chunked = net.front_end(x, precision="bfloat16")  # float32 here
            exact = net.front_end(x)
        assert chunked.shape == exact.shape == (5, 561, 187)
        torch.testing.assert_close(chunked, exact, atol=2e-4, rtol=1e-4)

    def test_cached_matrices_follow_weight_updates(self, lowp_in_float32):
        net = load_musicnn()
        x = 2 * torch.rand(2, 187, 96)
        with torch.no_grad():
            net.front_end(x, precision="bfloat16")  # fills the cache
            net.timbral[0].conv.weight.mul_(0.5)
            net.temporal[2].bn.running_var.mul_(2.0)
            torch.testing.assert_close(net.front_end(x, precision="bfloat16"),
                                       net.front_end(x), atol=2e-4, rtol=1e-4)
