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

import weakref
from importlib import resources

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import _cpu
from ._frontend import MUSICNN_N_FRAMES, MUSICNN_N_MELS

__all__ = [
    "Musicnn",
    "load_musicnn",
    "resolve_precision",
    "PRETRAINED_MODELS",
    "PRECISIONS",
    "N_MELS",
    "N_FRAMES",
]

#: values of the ``precision`` of :meth:`Musicnn.forward_features` and
#: :class:`~spectroclf.musicnn.MusicnnEmbedding`
PRECISIONS = ("auto", "float32", "bfloat16")

#: output positions per block of the block-Toeplitz matrix products of the front end in
#: bfloat16 (:func:`_toeplitz_conv`): along frequency for the timbral filters, along time
#: for the temporal ones (measured: ``benchmarks/bench_embedding.py --sections blocks``)
_TIMBRAL_BLOCK = 4
_TEMPORAL_BLOCK = 16
#: patches per pass of the bfloat16 front end: each block's product (~4.6 MB per patch
#: for the first timbral one) then stays in the CPU's cache for the max over frequency
#: that follows (measured: ``benchmarks/bench_embedding.py --sections chunks``)
_LOWP_CHUNK = 4
#: the mid end under bfloat16 autocast too (measured: 726 vs 850 ms per clip without)
_LOWP_MIDEND = True

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


def resolve_precision(precision):
    """The arithmetic that ``precision`` means on this CPU.

    Parameters
    ----------
    precision : {"auto", "float32", "bfloat16"}
        ``"auto"``: ``"bfloat16"`` where the CPU multiplies bfloat16 natively
        (AVX-512 BF16 or AMX; on this project's 2-core AMD EPYC with ``avx512_bf16`` the
        embedding runs 2-3x faster than in float32, features within cosine 0.9996 per
        patch: ``benchmarks/bench_embedding.py``), else ``"float32"``.

    Returns
    -------
    precision : {"float32", "bfloat16"}

    Raises
    ------
    ValueError
        For an unknown value, or ``"bfloat16"`` on a CPU without native bfloat16 (which
        torch would emulate, slower than float32): the message names the missing flags.

    Examples
    --------
    >>> from spectroclf.musicnn import resolve_precision
    >>> resolve_precision("float32")
    'float32'
    >>> resolve_precision("auto") in ("float32", "bfloat16")
    True
    """
    if not isinstance(precision, str) or precision not in PRECISIONS:
        raise ValueError(
            f"precision must be one of {', '.join(map(repr, PRECISIONS))}; got {precision!r}"
        )
    native = _cpu.native_bfloat16()
    if precision == "auto":
        return "bfloat16" if native else "float32"
    if precision == "bfloat16" and not native:
        raise ValueError(
            "precision='bfloat16' needs a CPU with native bfloat16 arithmetic: this one has "
            f"neither of the CPU flags {' nor '.join(_cpu.BFLOAT16_FLAGS)} (AVX-512 BF16, "
            "AMX), so torch would emulate it, slower than float32; use precision='float32' "
            "or 'auto'"
        )
    return precision


def _same_padding(k):
    """TF "same" padding for stride 1: the extra element goes after."""
    before = (k - 1) // 2
    return before, k - 1 - before


def _toeplitz_matrix(w, block):
    """A kernel ``(C, kr, kl)`` as the ``(kr * (block + kl - 1), block * C)`` matrix of
    ``block`` consecutive output positions along its last axis (block Toeplitz)."""
    n_filters, kr, kl = w.shape
    span = block + kl - 1
    W = w.new_zeros(kr, span, block, n_filters)
    for i in range(block):
        W[:, i : i + kl, i] = w.permute(1, 2, 0)
    return W.reshape(kr * span, block * n_filters)


def _toeplitz_conv(x, W, kr, kl, block):
    """"Valid" correlation of ``x (B, R, L)`` with the kernel behind ``W`` as one GEMM.

    ``W`` is :func:`_toeplitz_matrix`'s. Each row of the product holds ``block``
    consecutive output positions along ``L`` for one output row: the input is unfolded
    once per block of outputs (``kr * (block + kl - 1)`` values) rather than once per output
    (``kr * kl``, im2col), and a single-input-channel convolution becomes one large matrix
    product, which oneDNN runs on the CPU's bfloat16 dot-product units.

    Returns
    -------
    Z : torch.Tensor [shape=(B, R - kr + 1, n_blocks * block, C)]
        Outputs past ``L - kl + 1`` along the third axis read zero padding: slice them off.
    """
    n_batch, n_rows, n_cols = x.shape
    n_out_rows, n_out_cols = n_rows - kr + 1, n_cols - kl + 1
    n_blocks = -(-n_out_cols // block)
    span = block + kl - 1
    x = F.pad(x, (0, n_blocks * block + kl - 1 - n_cols))
    sb, sr, sl = x.stride()
    U = x.as_strided(
        (n_batch, n_out_rows, n_blocks, kr, span), (sb, sr, block * sl, sr, sl)
    ).reshape(n_batch * n_out_rows * n_blocks, kr * span)
    return (U @ W).view(n_batch, n_out_rows, n_blocks * block, -1)


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

    def lowp_parts(self):
        """``(sign, kernel, block)``: the filters' signs (+1 where the batchnorm scale is
        >= 0, else -1), the sign-flipped kernel laid out ``(filters, rows, cols)`` for
        :func:`_toeplitz_conv` (temporal kernels transposed: their rows are mel bands)
        and the Toeplitz block size."""
        sign = torch.where(self.bn.weight >= 0, 1.0, -1.0)
        w = self.conv.weight[:, 0] * sign[:, None, None]  # (filters, time, mel)
        if w.shape[2] == 1:  # temporal filters: along time only
            return sign, w.transpose(1, 2), _TEMPORAL_BLOCK
        return sign, w, _TIMBRAL_BLOCK

    def maxima_lowp(self, x, W, kr, kl, block):
        """Max over frequency ``(batch, time, filters)`` (in ``W``'s dtype) of the
        sign-flipped convolution of ``x (batch, time, mel)``, as one matrix product."""
        x = F.pad(x, (0, 0, *self.time_padding))
        if kr == 1:  # temporal: rows are mel bands, blocks run along time
            rows, axis = x.transpose(1, 2), 1
        else:  # timbral: rows are frames, blocks run along the mel axis
            rows, axis = x, 2
        Z = _toeplitz_conv(rows, W, kr, kl, block)
        n_valid = rows.shape[2] - kl + 1
        if axis == 1:  # temporal: the max over mel bands, contiguous, then the slice
            return Z.amax(1)[:, :n_valid]
        # timbral: the max over the first n_valid of each row's positions, as a max-pool
        # on the product read as channels-last (batch * time, filters, positions, 1):
        # vectorised over the filters, ~1.5-1.9x amax's speed on the same values
        n_batch, n_rows, n_pos, n_filters = Z.shape
        pooled = F.max_pool2d(
            Z.view(n_batch * n_rows, n_pos, 1, n_filters).permute(0, 3, 1, 2),
            kernel_size=(n_valid, 1), stride=(n_pos, 1),
        )
        return pooled.view(n_batch, n_rows, n_filters)

    def forward_lowp(self, x, dtype):
        """Eval-mode :meth:`forward` of the normalised input ``x (batch, time, mel)`` with
        the convolution in ``dtype`` as one block-Toeplitz matrix product.

        Filters whose batchnorm scale is negative are negated, so a single max over
        frequency serves every filter (``min z = -max(-z)``); the bias, ReLU and
        batchnorm follow the max, in float32, on ``(batch, time, filters)``.
        """
        sign, w, block = self.lowp_parts()
        kr, kl = w.shape[1:]
        W = _toeplitz_matrix(w, block).to(dtype)
        pooled = self.maxima_lowp(x.to(dtype), W, kr, kl, block).float()
        pooled = pooled * sign + self.conv.bias
        return self.bn(F.relu(pooled).transpose(1, 2).unsqueeze(3)).squeeze(3)


#: per network: (key of its weights' versions, constants of its low-precision front end)
_LOWP_CACHE = weakref.WeakKeyDictionary()


def _lowp_constants(net, dtype):
    """The Toeplitz matrices of ``net``'s front-end blocks in ``dtype`` and, over the 561
    filters, the signs, conv biases and the eval batchnorms' scales and shifts.

    Cached per network until a weight or statistic changes (in-place updates bump
    ``_version``; replaced tensors change ``data_ptr``).
    """
    tensors = [*net.parameters(), *net.buffers()]
    key = (dtype, _TIMBRAL_BLOCK, _TEMPORAL_BLOCK,
           tuple((t._version, t.data_ptr()) for t in tensors))
    hit = _LOWP_CACHE.get(net)
    if hit is not None and hit[0] == key:
        return hit[1]
    with torch.inference_mode(False), torch.no_grad():
        mats, signs, biases, scales, shifts = [], [], [], [], []
        for b in [*net.timbral, *net.temporal]:
            sign, w, block = b.lowp_parts()
            mats.append((_toeplitz_matrix(w, block).to(dtype), *w.shape[1:], block))
            scale = b.bn.weight / torch.sqrt(b.bn.running_var + b.bn.eps)
            signs.append(sign)
            biases.append(b.conv.bias)
            scales.append(scale)
            shifts.append(b.bn.bias - b.bn.running_mean * scale)
        consts = (mats, *(torch.cat(v).clone() for v in (signs, biases, scales, shifts)))
    _LOWP_CACHE[net] = (key, consts)
    return consts


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

    def front_end(self, x, *, precision="float32"):
        """The front end's output ``(batch, 561, n_frames)``: the 2 timbral blocks' filters
        then the 3 temporal blocks', float32.

        Parameters
        ----------
        x : torch.Tensor [shape=(batch, n_frames, n_mels)]
            Log-mel patches, time first.
        precision : {"float32", "bfloat16", "auto"}, default="float32"
            ``"bfloat16"`` (eval mode only) runs each convolution as one bfloat16
            block-Toeplitz matrix product; see :meth:`forward_features`.

        Returns
        -------
        front : torch.Tensor [shape=(batch, 561, n_frames)]
        """
        dtype = self._lowp_dtype(precision)
        x = self.input_bn(x.unsqueeze(1))  # (batch, 1, time, mel)
        if dtype is None:
            blocks = [*self.timbral, *self.temporal]
            return torch.cat([b(x) for b in blocks], dim=1)
        mats, sign, bias, scale, shift = _lowp_constants(self, dtype)
        blocks = [*self.timbral, *self.temporal]
        maxima = torch.cat([
            torch.cat([b.maxima_lowp(chunk, *m) for b, m in zip(blocks, mats, strict=True)],
                      dim=2)
            for chunk in x[:, 0].to(dtype).split(_LOWP_CHUNK)
        ])
        # bn(relu(max z)) over all 561 filters at once: z's max is sign * max(sign * z)
        front = torch.addcmul(bias, maxima, sign).relu_()
        return torch.addcmul(shift, front, scale).transpose(1, 2)

    def mid_end(self, front, *, precision="float32"):
        """The three mid-end layers ``(batch, n_filters_midend, n_frames)`` of the front end's
        output ``(batch, 561, n_frames)`` (after their residual sums), float32."""
        dtype = self._lowp_dtype(precision)
        if dtype in (None, torch.float32) or not _LOWP_MIDEND:
            cnn1 = self.midend[0](front)
            cnn2 = self.midend[1](cnn1) + cnn1
            return cnn1, cnn2, self.midend[2](cnn2) + cnn2
        with torch.autocast("cpu", dtype=dtype):
            cnn1 = self.midend[0](front).float()
            cnn2 = self.midend[1](cnn1).float() + cnn1
            return cnn1, cnn2, self.midend[2](cnn2).float() + cnn2

    def _lowp_dtype(self, precision):
        """None for float32, else the dtype of the convolutions; "auto" trains in float32."""
        resolved = resolve_precision(precision)
        if resolved == "float32" or (self.training and precision == "auto"):
            return None
        if self.training:
            raise RuntimeError(
                "precision='bfloat16' is for inference: call .eval() first (training runs "
                "in float32, or under torch.autocast)"
            )
        return torch.bfloat16

    def forward_features(self, x, *, precision="float32"):
        """Run the network and return its intermediate representations.

        Parameters
        ----------
        x : torch.Tensor [shape=(batch, n_frames, n_mels)]
            Log-mel patches, time first.
        precision : {"float32", "bfloat16", "auto"}, default="float32"
            Arithmetic of the convolutions. ``"float32"``: the port as it is.
            ``"bfloat16"`` (eval mode only, CPUs with native bfloat16; ``"auto"`` picks it
            there, see :func:`resolve_precision`): the front end's single-channel
            convolutions run as bfloat16 block-Toeplitz matrix products with float32
            accumulation, each followed by one max over frequency, and the mid end's
            convolutions under bfloat16 autocast; batchnorms, pooling and the dense layers
            stay float32. Every output is float32 either way.

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
        front = self.front_end(x, precision=precision)  # (batch, 561, time)
        n_timbral = sum(b.conv.out_channels for b in self.timbral)
        cnn1, cnn2, cnn3 = self.mid_end(front, precision=precision)
        mid = torch.cat([front, cnn1, cnn2, cnn3], dim=1)  # (batch, 753, time)
        max_pool = mid.amax(dim=2)
        mean_pool = mid.mean(dim=2)
        pooled = torch.stack([max_pool, mean_pool], dim=2).flatten(
            1
        )  # TF's interleaving
        penultimate = self.dense_bn(F.relu(self.dense(self.pool_bn(pooled))))
        logits = self.output(penultimate)
        return {
            "timbral": front[:, :n_timbral].transpose(1, 2),
            "temporal": front[:, n_timbral:].transpose(1, 2),
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
