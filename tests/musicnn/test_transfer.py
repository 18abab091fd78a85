"""Tests of spectroclf.musicnn._transfer: the pretrained musicnn with a new head."""

import pytest
import torch

from spectroclf import _cpu
from spectroclf._cpu import native_bfloat16
from spectroclf.musicnn import FREEZE_OPTIONS, MusicnnTransfer, musicnn_patches

N = 187  # frames per musicnn patch


class TestMusicnnTransfer:
    def test_shapes_in_both_modes(self):
        net = MusicnnTransfer(96, 3)
        X, lengths = torch.rand(2, 400, 96), torch.tensor([400, 50])
        assert net.train()(X, lengths).shape == (2, 3)
        assert net.eval()(X, lengths).shape == (2, 3)

    def test_eval_averages_patches_and_ignores_padding(self):
        torch.manual_seed(0)
        net = MusicnnTransfer(96, 4).eval()
        clip = torch.rand(2 * N + 50, 96) * 3  # two full patches + a dropped remainder
        padded = torch.cat([clip, torch.full((300, 96), 99.0)])[None]
        with torch.no_grad():
            out = net(padded, torch.tensor([len(clip)]))
            alone = net(clip[None])
            patches = torch.from_numpy(musicnn_patches(clip.numpy()))
            expected = net.head(net.embed(patches)).mean(0)
        torch.testing.assert_close(out[0], expected)
        torch.testing.assert_close(alone[0], expected)

    def test_short_clip_is_padded_with_silence(self):
        net = MusicnnTransfer(96, 2).eval()
        clip = torch.rand(60, 96)
        garbage = torch.cat([clip, torch.full((200, 96), 7.0)])[None]
        with torch.no_grad():
            silence = torch.cat([clip, torch.zeros(N - 60, 96)])[None]
            torch.testing.assert_close(net(garbage, torch.tensor([60])), net(silence))

    def test_training_takes_one_random_crop_within_valid_frames(self):
        net = MusicnnTransfer(96, 2)
        frames = torch.arange(1, 501, dtype=torch.float32)[None, :, None].expand(3, 500, 96)
        lengths = torch.tensor([500, 300, 100])
        X = frames * (torch.arange(500)[None, :] < lengths[:, None]).unsqueeze(-1)
        starts = set()
        for _ in range(20):
            crops = net._crops(X, lengths)
            assert crops.shape == (3, N, 96)
            first = crops[:, 0, 0].long()
            # consecutive valid frames, starting where a whole crop fits
            torch.testing.assert_close(crops[0, :, 0], first[0] + torch.arange(N).float())
            assert 1 <= first[0] <= 500 - N + 1 and 1 <= first[1] <= 300 - N + 1
            assert first[2] == 1 and crops[2, 100:].abs().sum() == 0
            starts.add(int(first[0]))
        assert len(starts) > 1

    def test_forward_in_training_is_stochastic_only_through_the_crop(self):
        net = MusicnnTransfer(96, 2, dropout=0.0, freeze="backbone")
        exact = torch.rand(2, N, 96)
        torch.testing.assert_close(net(exact), net(exact))

    @pytest.mark.parametrize("freeze", sorted(FREEZE_OPTIONS))
    def test_freeze_sets_requires_grad_and_keeps_frozen_batchnorm_in_eval(self, freeze):
        net = MusicnnTransfer(96, 2, freeze=freeze).train()
        frozen = FREEZE_OPTIONS[freeze]
        for name, module in net.backbone.named_children():
            for param in module.parameters():
                assert param.requires_grad is (name not in frozen), name
            assert module.training is (name not in frozen), name
        assert all(p.requires_grad for p in net.head.parameters())

    def test_eval_patch_hop_reads_overlapping_patches(self):
        torch.manual_seed(0)
        net = MusicnnTransfer(96, 3, patch_hop=93).eval()
        clip = torch.rand(3 * N, 96) * 3  # patches at 0, 93, ..., 372: 5 of them
        with torch.no_grad():
            out = net(clip[None])
            patches = torch.from_numpy(musicnn_patches(clip.numpy(), patch_hop=93))
            expected = net.head(net.embed(patches)).mean(0)
        assert len(patches) == 5
        torch.testing.assert_close(out[0], expected)

    def test_average_probabilities_gives_the_mean_softmax(self):
        torch.manual_seed(0)
        net = MusicnnTransfer(96, 4, average="probabilities").eval()
        clip = torch.rand(3 * N, 96) * 3
        with torch.no_grad():
            out = net(clip[None])
            per_patch = net.head(net.embed(clip.reshape(3, N, 96)))
        torch.testing.assert_close(out.softmax(1)[0], per_patch.softmax(1).mean(0))
        torch.testing.assert_close(out.exp().sum(), torch.tensor(1.0))

    def test_reads_per_patch_features(self):
        torch.manual_seed(0)
        net = MusicnnTransfer(96, 2, average="probabilities").eval()
        clips = [torch.rand(3 * N, 96) * 3, torch.rand(N, 96) * 3]
        with torch.no_grad():
            feats = [net.embed(c.reshape(-1, N, 96)) for c in clips]
            padded = torch.stack([feats[0], torch.cat([feats[1], torch.full((2, 200), 9.0)])])
            from_features = net(padded, torch.tensor([3, 1]))
            from_mels = net(torch.stack([clips[0], torch.cat([clips[1], torch.zeros(2 * N, 96)])]),
                            torch.tensor([3 * N, N]))
        torch.testing.assert_close(from_features, from_mels, rtol=1e-4, atol=1e-5)
        # training: one random valid patch per clip, never the padding
        net.train()
        net.dropout.p = 0.0
        seen = set()
        for _ in range(30):
            out = net(padded, torch.tensor([3, 1]))
            rows = [int(torch.argmin((net.head(feats[0]) - out[0]).abs().sum(1)))]
            torch.testing.assert_close(out[1], net.head(feats[1])[0])
            seen.update(rows)
        assert seen == {0, 1, 2}

    def test_rejects_wrong_bins_and_freeze(self):
        with pytest.raises(ValueError, match="96-band log-mel.*MusicnnMelExtractor"):
            MusicnnTransfer(128, 2)
        with pytest.raises(ValueError, match="freeze must be one of"):
            MusicnnTransfer(96, 2, freeze="all")
        with pytest.raises(ValueError, match="average must be one of"):
            MusicnnTransfer(96, 2, average="median")


class TestPrecision:
    def test_default_float32_is_the_backbone_as_it_was(self):
        net = MusicnnTransfer(96, 3).eval()
        patches = torch.randn(4, 187, 96).abs()
        b = net.backbone
        with torch.no_grad():
            x = b.input_bn(patches.unsqueeze(1))
            front = torch.cat([blk(x) for blk in b.timbral] + [blk(x) for blk in b.temporal], 1)
            torch.testing.assert_close(net._front_end(patches), front, atol=0, rtol=0)
            cnn1 = b.midend[0](front)
            cnn2 = b.midend[1](cnn1) + cnn1
            cnn3 = b.midend[2](cnn2) + cnn2
            mid = torch.cat([front, cnn1, cnn2, cnn3], dim=1)
            pooled = torch.stack([mid.amax(dim=2), mid.mean(dim=2)], dim=2).flatten(1)
            expected = b.dense_bn(torch.relu(b.dense(b.pool_bn(pooled))))
            torch.testing.assert_close(net.embed(patches), expected, atol=0, rtol=0)

    def test_bfloat16_refused_without_native_support(self, monkeypatch):
        monkeypatch.setattr(_cpu, "native_bfloat16", lambda: False)
        with pytest.raises(ValueError, match="avx512_bf16"):
            MusicnnTransfer(96, 3, precision="bfloat16")

    def test_training_runs_in_float32(self, monkeypatch):
        monkeypatch.setattr(_cpu, "native_bfloat16", lambda: True)
        net = MusicnnTransfer(96, 3, precision="bfloat16", freeze="none").train()
        assert net._precision() == "float32"
        assert net.eval()._precision() == "bfloat16"

    @pytest.mark.skipif(not native_bfloat16(), reason="this CPU has no native bfloat16 "
                        "(neither avx512_bf16 nor amx_bf16)")
    def test_bfloat16_embedding_agrees(self):
        exact = MusicnnTransfer(96, 3).eval()
        fast = MusicnnTransfer(96, 3, precision="bfloat16").eval()
        patches = 2 * torch.rand(6, 187, 96)
        with torch.no_grad():
            cosine = torch.nn.functional.cosine_similarity(
                exact.embed(patches), fast.embed(patches), dim=1)
        assert cosine.min() >= 0.999
