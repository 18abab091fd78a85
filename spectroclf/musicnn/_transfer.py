"""A pretrained musicnn with a new output layer, for fine-tuning on clips of any length.

The module reads either musicnn's log-mel spectrograms ``(batch, n_frames, 96)`` or the
frozen backbone's penultimate features of each 3-s patch ``(batch, n_patches, 200)`` (from
:meth:`MusicnnTransfer.embed`), which is how the estimators train only the head
(``freeze="backbone"``) at the cost of one forward pass per patch for the whole fit.
"""

import torch
from torch import nn

from ..models import Standardize, default_lengths, frame_mask
from ._network import N_FRAMES, N_MELS, load_musicnn, resolve_precision

__all__ = ["MusicnnTransfer", "FREEZE_OPTIONS", "AVERAGE_OPTIONS"]

#: what ``freeze`` may keep fixed, and the backbone parts each choice freezes
FREEZE_OPTIONS = {
    "none": (),
    "frontend": ("input_bn", "timbral", "temporal"),
    "backbone": ("input_bn", "timbral", "temporal", "midend", "pool_bn", "dense", "dense_bn"),
}
#: patches run through the network at once in eval mode (bounds the front end's memory)
_EVAL_CHUNK = 16
#: how eval mode combines the outputs of a clip's patches
AVERAGE_OPTIONS = ("outputs", "probabilities")


class MusicnnTransfer(nn.Module):
    """Pretrained musicnn whose tag layer is replaced by a new head.

    The backbone is :func:`~spectroclf.musicnn.load_musicnn`'s network up to its
    200-unit penultimate layer (dense → ReLU → batchnorm); ``head`` is a new linear layer
    on it (after dropout). musicnn was trained on 3-s patches of 187 frames, so:

    * in **training** mode each clip contributes one random 187-frame crop taken within
      its valid frames (clips shorter than 187 frames are padded with zeros, silence in
      musicnn's ``log10(1 + 10000 S)`` scale);
    * in **eval** mode each clip is cut into 187-frame patches starting every
      ``patch_hop`` frames, as :func:`~spectroclf.musicnn.musicnn_patches` does (the last
      incomplete patch is dropped; a clip shorter than one patch is padded to one), and
      the head's outputs are averaged over the clip's patches (``average``). Frames past
      ``lengths[i]`` are never read.

    The input may also be the backbone's penultimate features of each patch,
    ``(batch, n_patches, 200)`` as :meth:`embed` computes them (``lengths`` then counts
    patches): training reads one random patch of each clip, eval averages over all of
    them, exactly as above but without running the backbone. This is how the
    estimators train a head on a frozen backbone (``freeze="backbone"``).

    Parameters
    ----------
    n_bins : int
        Bins per frame; must be 96 (musicnn's log-mel bands).
    n_outputs : int
        Number of classes (logits) or regression targets.
    model : {"MSD_musicnn", "MTT_musicnn"}, default="MSD_musicnn"
        Pretrained weights.
    freeze : {"frontend", "backbone", "none"}, default="frontend"
        Parts kept fixed: ``"frontend"`` the input batchnorm and the timbral and temporal
        convolutions (the mid end, back end and head train); ``"backbone"`` everything but
        the head (a linear probe with random crops); ``"none"`` nothing. Frozen parts have
        ``requires_grad=False`` and their batch normalisation stays in eval mode even
        under ``train()``, so their statistics never change.
    dropout : float, default=0.5
        Dropout before the head (musicnn's own value).
    patch_hop : int, default=187
        Frames between the starts of the patches read in eval mode (187: consecutive
        patches; 93: half-overlapping ones).
    average : {"outputs", "probabilities"}, default="outputs"
        How eval mode combines a clip's patches: the mean of the head's outputs
        (regression targets, or logits), or -- for classification -- the log of the mean
        of the patches' softmax probabilities, so that a softmax of the output gives the
        mean probability over patches.
    mean, scale : array-like of shape (n_bins,), optional
        Input standardisation (:class:`~spectroclf.models._common.Standardize`), identity
        by default: musicnn normalises its own log-mel input with its first batchnorm.
    precision : {"float32", "bfloat16", "auto"}, default="float32"
        Arithmetic of the backbone's convolutions in **eval** mode (see
        :meth:`Musicnn.forward_features <spectroclf.musicnn.Musicnn.forward_features>`;
        ``"bfloat16"`` only on CPUs with native bfloat16); training always runs in
        float32.

    Examples
    --------
    >>> import torch
    >>> from spectroclf.musicnn import MusicnnTransfer
    >>> net = MusicnnTransfer(96, 4).eval()
    >>> net(torch.zeros(2, 400, 96), torch.tensor([400, 200])).shape
    torch.Size([2, 4])
    >>> features = net.embed(torch.zeros(3, 187, 96))  # 3 patches of one clip
    >>> net(features[None], torch.tensor([3])).shape
    torch.Size([1, 4])
    """

    def __init__(
        self,
        n_bins,
        n_outputs,
        *,
        model="MSD_musicnn",
        freeze="frontend",
        dropout=0.5,
        patch_hop=N_FRAMES,
        average="outputs",
        mean=None,
        scale=None,
        precision="float32",
    ):
        super().__init__()
        resolve_precision(precision)  # fails early, naming the missing CPU flags
        if n_bins != N_MELS:
            raise ValueError(
                f"musicnn reads {N_MELS}-band log-mel spectrograms; got {n_bins} bins. "
                "Compute the input with spectroclf.musicnn.MusicnnMelExtractor (or "
                "musicnn_melspectrogram)"
            )
        if freeze not in FREEZE_OPTIONS:
            raise ValueError(
                f"freeze must be one of {sorted(FREEZE_OPTIONS)}; got {freeze!r}"
            )
        if average not in AVERAGE_OPTIONS:
            raise ValueError(
                f"average must be one of {list(AVERAGE_OPTIONS)}; got {average!r}"
            )
        if int(patch_hop) < 1:
            raise ValueError(f"patch_hop must be a positive integer; got {patch_hop!r}")
        self.freeze = freeze
        self.patch_hop = int(patch_hop)
        self.average = average
        self.precision = precision
        self.standardize = Standardize(n_bins, mean, scale)
        self.backbone = load_musicnn(model)
        del self.backbone.output  # the tag layer is replaced by ``head``
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.backbone.dense.out_features, n_outputs)
        for name in FREEZE_OPTIONS[freeze]:
            for param in getattr(self.backbone, name).parameters():
                param.requires_grad = False
        self.train()

    @property
    def n_features(self):
        """Size of the penultimate features :meth:`embed` returns (200)."""
        return self.head.in_features

    def train(self, mode=True):
        """Set training mode, keeping the frozen parts (and their batchnorm) in eval mode."""
        super().train(mode)
        for name in FREEZE_OPTIONS[self.freeze]:
            getattr(self.backbone, name).eval()
        return self

    def embed(self, patches):
        """Penultimate features ``(n, 200)`` of 187-frame patches ``(n, 187, 96)``."""
        return self._embed_front_end(self._front_end(patches))

    def _front_end(self, patches):
        """Front-end output ``(n, 561, 187)`` (timbral and temporal filters) of patches."""
        return self.backbone.front_end(patches, precision=self._precision())

    def _embed_front_end(self, front):
        """Penultimate features ``(n, 200)`` of front-end outputs ``(n, 561, n_frames)``."""
        b = self.backbone
        cnn1, cnn2, cnn3 = b.mid_end(front, precision=self._precision())
        mid = torch.cat([front, cnn1, cnn2, cnn3], dim=1)
        pooled = torch.stack([mid.amax(dim=2), mid.mean(dim=2)], dim=2).flatten(1)
        return b.dense_bn(torch.relu(b.dense(b.pool_bn(pooled))))

    def _precision(self):
        """``precision`` in eval mode, float32 in training."""
        return "float32" if self.training else getattr(self, "precision", "float32")

    def _crops(self, X, lengths):
        """One random 187-frame crop per clip, within its valid frames."""
        n = X.shape[0]
        high = (lengths - N_FRAMES).clamp(min=0) + 1  # number of possible starts
        starts = (torch.rand(n, device=X.device) * high).long().clamp(max=high - 1)
        steps = starts[:, None] + torch.arange(N_FRAMES, device=X.device)[None, :]
        return X[torch.arange(n, device=X.device)[:, None], steps]

    def _patches(self, X, lengths):
        """The 187-frame patches of every clip (every ``patch_hop`` frames), and counts."""
        valid = lengths.clamp(min=N_FRAMES)  # X is padded (with silence) to one patch
        counts = ((valid - N_FRAMES) // self.patch_hop + 1).tolist()
        patches = [
            X[i, : N_FRAMES + (c - 1) * self.patch_hop]
            .unfold(0, N_FRAMES, self.patch_hop)  # (c, n_bins, N_FRAMES)
            .transpose(1, 2)
            for i, c in enumerate(counts)
        ]
        return torch.cat(patches), counts

    def _average(self, out, counts):
        """Average per-patch outputs ``(sum(counts), k)`` over each clip's patches."""
        owner = torch.repeat_interleave(
            torch.arange(len(counts), device=out.device),
            torch.as_tensor(counts, device=out.device),
        )
        if self.average == "probabilities":
            out = out.softmax(dim=1)
        total = out.new_zeros(len(counts), out.shape[1]).index_add_(0, owner, out)
        mean = total / torch.as_tensor(counts, dtype=out.dtype, device=out.device)[:, None]
        if self.average == "probabilities":
            return mean.clamp(min=torch.finfo(mean.dtype).tiny).log()
        return mean

    def _forward_features(self, F, lengths):
        """Outputs for per-patch features ``(batch, n_patches, 200)``."""
        if self.training:
            high = lengths.clamp(min=1)
            pick = (torch.rand(F.shape[0], device=F.device) * high).long()
            pick = torch.minimum(pick, high - 1)
            return self.head(self.dropout(F[torch.arange(F.shape[0], device=F.device), pick]))
        valid = frame_mask(lengths, F.shape[1])
        return self._average(self.head(F[valid]), lengths.tolist())

    def forward(self, X, lengths=None):
        """Outputs ``(batch, n_outputs)`` for log-mel input ``(batch, max_len, 96)``.

        Per-patch penultimate features ``(batch, max_patches, 200)`` are read as
        described in the class docstring.
        """
        lengths = default_lengths(X, lengths)
        if X.shape[-1] == self.n_features and X.shape[-1] != N_MELS:
            return self._forward_features(X, lengths)
        # zero the padding, then pad to at least one patch: zeros are silence for musicnn
        X = self.standardize(X) * frame_mask(lengths, X.shape[1]).unsqueeze(-1)
        if X.shape[1] < N_FRAMES:
            X = nn.functional.pad(X, (0, 0, 0, N_FRAMES - X.shape[1]))
        if self.training:
            return self.head(self.dropout(self.embed(self._crops(X, lengths))))
        patches, counts = self._patches(X, lengths)
        out = torch.cat([
            self.head(self.embed(patches[s : s + _EVAL_CHUNK]))
            for s in range(0, len(patches), _EVAL_CHUNK)
        ])
        return self._average(out, counts)
