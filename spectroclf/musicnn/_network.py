"""musicnn: pretrained music-tagging CNNs (Pons & Serra, 2019), ported to PyTorch.

The architecture mirrors ``musicnn/models.py`` (``build_musicnn``) of the musicnn package
(ISC licence; see ``spectroclf/musicnn/pretrained/LICENSE_musicnn.txt``) layer for layer, so that the
weights converted by ``tools/convert_musicnn.py`` transfer exactly:

* **front end** -- batch-normalised log-mel input ``(batch, n_frames, 96)``; two *timbral*
  blocks (vertical filters spanning 7 frames x 38 / 67 mel bands, 204 filters each,
  time padded by 3 each side, "valid" in frequency) and three *temporal* blocks (horizontal
  filters spanning 128 / 64 / 32 frames x 1 band, 51 filters each, TF "same" padding). Each
  block is conv -> ReLU -> batchnorm -> max over frequency; 5 blocks concatenate to 561
  features per frame.
* **mid end** -- three 1-D convolutions over time (kernel 7, 64 filters, conv -> ReLU ->
  batchnorm), the second and third with residual connections; front-end and mid-end outputs
  concatenate densely to 561 + 3 x 64 = 753 features per frame.
* **back end** -- max and mean over time (753 each, interleaved as TF's
  ``concat([max, mean], axis=2)`` then ``flatten`` gives), batchnorm, dense 200 + ReLU +
  batchnorm (the *penultimate* layer), dense output (tag logits; sigmoid for probabilities).

Every batchnorm uses TensorFlow's default ``eps=1e-3``. Dropout (p=0.5) exists only in
training and is omitted: this module is for inference with the pretrained weights.
"""

from importlib import resources

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._frontend import MUSICNN_N_FRAMES, MUSICNN_N_MELS

__all__ = ["Musicnn", "load_musicnn", "PRETRAINED_MODELS", "N_MELS", "N_FRAMES"]

#: names accepted by :func:`load_musicnn` (MagnaTagATune and Million Song Dataset models)
PRETRAINED_MODELS = ("MSD_musicnn", "MTT_musicnn")
#: mel bands of the input
N_MELS = MUSICNN_N_MELS
#: frames of one input patch (3 s at 16 kHz, hop 256) the models were trained on
N_FRAMES = MUSICNN_N_FRAMES
_EPS = 1e-3  # TensorFlow's batch_normalization default

#: names of the intermediate outputs :meth:`Musicnn.forward_features` returns
FEATURES = (
    "timbral",
    "temporal",
    "cnn1",
    "cnn2",
    "cnn3",
    "mid_end",
    "max_pool",
    "mean_pool",
    "penultimate",
    "logits",
    "taggram",
)


def _same_padding(k):
    """TF "same" padding for stride 1: the extra element goes after."""
    before = (k - 1) // 2
    return before, k - 1 - before


class _FrontEndBlock(nn.Module):
    """conv2d -> ReLU -> batchnorm -> max over all frequencies, on ``(batch, 1, time, mel)``."""

    def __init__(self, n_filters, kernel_size, time_padding):
        super().__init__()
        self.conv = nn.Conv2d(1, n_filters, kernel_size)
        self.bn = nn.BatchNorm2d(n_filters, eps=_EPS)
        self.time_padding = time_padding

    def forward(self, x):
        z = self.conv(F.pad(x, (0, 0, *self.time_padding)))
        if self.training:
            return self.bn(F.relu(z)).amax(dim=3)  # (batch, n_filters, time)
        # In eval mode ReLU and batchnorm are monotonic per channel, so pool first: max over
        # frequency of bn(relu(z)) is bn(relu(max z)) where the batchnorm scale is >= 0 and
        # bn(relu(min z)) where it is < 0. Same values, ~10x less elementwise work.
        positive = (self.bn.weight >= 0)[:, None]
        pooled = torch.where(positive, z.amax(dim=3), z.amin(dim=3))
        return self.bn(F.relu(pooled).unsqueeze(3)).squeeze(3)


class _MidEndBlock(nn.Module):
    """conv1d over time (kernel 7, "same") -> ReLU -> batchnorm, on ``(batch, features, time)``."""

    def __init__(self, n_in, n_filters):
        super().__init__()
        self.conv = nn.Conv1d(n_in, n_filters, 7)
        self.bn = nn.BatchNorm1d(n_filters, eps=_EPS)

    def forward(self, x):
        return self.bn(F.relu(self.conv(F.pad(x, (3, 3)))))


class Musicnn(nn.Module):
    """The musicnn tagging network.

    Parameters
    ----------
    n_tags : int, default=50
        Output units (tags).
    n_mels : int, default=96
        Mel bands of the input; sets the timbral filter heights ``int(0.4 * n_mels)`` and
        ``int(0.7 * n_mels)``.
    n_filters_frontend : float, default=1.6
        Width multiplier of the front end: ``int(1.6 * 128)`` timbral and ``int(1.6 * 32)``
        temporal filters per block.
    n_filters_midend : int, default=64
        Filters of each mid-end convolution (512 for musicnn's "big" model).
    n_units_backend : int, default=200
        Units of the penultimate dense layer (500 for the "big" model).

    Attributes
    ----------
    tags : list of str
        Tag names, set by :func:`load_musicnn` (``None`` for an untrained network).

    Notes
    -----
    Input is ``(batch, n_frames, n_mels)``, time first, as built by
    :func:`spectroclf.musicnn.musicnn_melspectrogram`. The pretrained models were trained on
    187-frame patches, but every layer works on any ``n_frames >= 1``.

    Examples
    --------
    >>> import torch
    >>> from spectroclf.musicnn import Musicnn
    >>> net = Musicnn().eval()
    >>> net(torch.zeros(2, 187, 96)).shape
    torch.Size([2, 50])
    >>> net.forward_features(torch.zeros(2, 187, 96))["penultimate"].shape
    torch.Size([2, 200])
    """

    def __init__(
        self,
        n_tags=50,
        *,
        n_mels=N_MELS,
        n_filters_frontend=1.6,
        n_filters_midend=64,
        n_units_backend=200,
    ):
        super().__init__()
        n_timbral = int(n_filters_frontend * 128)
        n_temporal = int(n_filters_frontend * 32)
        self.input_bn = nn.BatchNorm2d(1, eps=_EPS)
        self.timbral = nn.ModuleList(
            _FrontEndBlock(n_timbral, (7, int(f * n_mels)), (3, 3)) for f in (0.4, 0.7)
        )
        self.temporal = nn.ModuleList(
            _FrontEndBlock(n_temporal, (k, 1), _same_padding(k)) for k in (128, 64, 32)
        )
        n_front = 2 * n_timbral + 3 * n_temporal
        self.midend = nn.ModuleList(
            [
                _MidEndBlock(n_front, n_filters_midend),
                _MidEndBlock(n_filters_midend, n_filters_midend),
                _MidEndBlock(n_filters_midend, n_filters_midend),
            ]
        )
        n_mid = n_front + 3 * n_filters_midend
        self.pool_bn = nn.BatchNorm1d(2 * n_mid, eps=_EPS)
        self.dense = nn.Linear(2 * n_mid, n_units_backend)
        self.dense_bn = nn.BatchNorm1d(n_units_backend, eps=_EPS)
        self.output = nn.Linear(n_units_backend, n_tags)
        self.n_mels = n_mels
        self.tags = None

    def forward_features(self, x):
        """Run the network and return its intermediate representations.

        Parameters
        ----------
        x : torch.Tensor [shape=(batch, n_frames, n_mels)]
            Log-mel patches, time first.

        Returns
        -------
        features : dict of str to torch.Tensor
            Time-resolved layers are time first, like musicnn's own ``extractor``:

            - ``"timbral"``: ``(batch, n_frames, 408)`` timbral front end (38- then 67-band
              filters);
            - ``"temporal"``: ``(batch, n_frames, 153)`` temporal front end (128, 64, 32
              frames);
            - ``"cnn1"``, ``"cnn2"``, ``"cnn3"``: ``(batch, n_frames, 64)`` mid-end layers
              (``cnn2``/``cnn3`` after their residual sums);
            - ``"mid_end"``: ``(batch, n_frames, 753)`` front end and mid end concatenated;
            - ``"max_pool"``, ``"mean_pool"``: ``(batch, 753)`` pooled over time;
            - ``"penultimate"``: ``(batch, 200)`` after the dense layer's batchnorm;
            - ``"logits"``: ``(batch, n_tags)``; ``"taggram"``: their sigmoid.
        """
        if x.ndim != 3 or x.shape[2] != self.n_mels:
            raise ValueError(
                f"musicnn expects log-mel patches of shape (batch, n_frames, {self.n_mels}); "
                f"got {tuple(x.shape)}"
            )
        x = self.input_bn(x.unsqueeze(1))  # (batch, 1, time, mel)
        timbral = [block(x) for block in self.timbral]
        temporal = [block(x) for block in self.temporal]
        front = torch.cat(timbral + temporal, dim=1)  # (batch, 561, time)
        cnn1 = self.midend[0](front)
        cnn2 = self.midend[1](cnn1) + cnn1
        cnn3 = self.midend[2](cnn2) + cnn2
        mid = torch.cat([front, cnn1, cnn2, cnn3], dim=1)  # (batch, 753, time)
        max_pool = mid.amax(dim=2)
        mean_pool = mid.mean(dim=2)
        pooled = torch.stack([max_pool, mean_pool], dim=2).flatten(
            1
        )  # TF's interleaving
        penultimate = self.dense_bn(F.relu(self.dense(self.pool_bn(pooled))))
        logits = self.output(penultimate)
        return {
            "timbral": torch.cat(timbral, dim=1).transpose(1, 2),
            "temporal": torch.cat(temporal, dim=1).transpose(1, 2),
            "cnn1": cnn1.transpose(1, 2),
            "cnn2": cnn2.transpose(1, 2),
            "cnn3": cnn3.transpose(1, 2),
            "mid_end": mid.transpose(1, 2),
            "max_pool": max_pool,
            "mean_pool": mean_pool,
            "penultimate": penultimate,
            "logits": logits,
            "taggram": torch.sigmoid(logits),
        }

    def forward(self, x):
        """Tag logits ``(batch, n_tags)`` of log-mel patches ``(batch, n_frames, n_mels)``.

        Apply ``torch.sigmoid`` for tag probabilities (musicnn's "taggram").
        """
        return self.forward_features(x)["logits"]


def load_musicnn(name="MSD_musicnn"):
    """Load a pretrained musicnn in eval mode.

    Parameters
    ----------
    name : {"MSD_musicnn", "MTT_musicnn"}, default="MSD_musicnn"
        ``"MSD_musicnn"``: trained on the Million Song Dataset (50 Last.fm tags: genres,
        eras, moods); ``"MTT_musicnn"``: trained on MagnaTagATune (50 tags: instruments,
        voice, genres, tempo).

    Returns
    -------
    net : Musicnn
        In eval mode, with ``net.tags`` the list of its 50 tag names.

    Raises
    ------
    ValueError
        If ``name`` is not one of the shipped models.

    Examples
    --------
    >>> from spectroclf.musicnn import load_musicnn
    >>> net = load_musicnn("MTT_musicnn")
    >>> net.tags[:3]
    ['guitar', 'classical', 'slow']
    """
    if name not in PRETRAINED_MODELS:
        raise ValueError(
            f"unknown musicnn model {name!r}; valid names are {', '.join(PRETRAINED_MODELS)}"
        )
    files = resources.files(__package__) / "pretrained" / f"{name}.npz"
    with resources.as_file(files) as path, np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    tags = [str(t) for t in arrays.pop("tags")]
    net = Musicnn(n_tags=len(tags))
    state = net.state_dict()
    expected = {k for k in state if not k.endswith("num_batches_tracked")}
    if set(arrays) != expected:
        raise RuntimeError(
            f"weights file for {name!r} does not match the Musicnn module: missing "
            f"{sorted(expected - set(arrays))}, unexpected {sorted(set(arrays) - expected)}"
        )
    for key, value in arrays.items():
        if state[key].shape != value.shape:
            raise RuntimeError(
                f"weights file for {name!r}: {key} has shape {value.shape}, "
                f"expected {tuple(state[key].shape)}"
            )
        state[key] = torch.from_numpy(value)
    net.load_state_dict(state)
    net.tags = tags
    return net.eval()
