"""Convert the pretrained musicnn TensorFlow checkpoints to spectroclf's ``.npz`` weights.

Maintainer script; users never run it. It reads the TensorFlow checkpoints shipped inside
the ``musicnn`` wheel (J. Pons and X. Serra, "musicnn: Pre-trained convolutional neural
networks for music audio tagging", ISMIR LBD 2019; ISC licence) and writes

* ``spectroclf/musicnn/pretrained/MSD_musicnn.npz`` and ``MTT_musicnn.npz``: float32 arrays named
  after the parameters of :class:`spectroclf.musicnn.Musicnn` (torch layouts), plus
  ``tags`` (the 50 tag names, unicode array) -- plain arrays, no pickle;
* ``spectroclf/musicnn/pretrained/LICENSE_musicnn.txt``: the ISC licence of the musicnn package and
  the citation;
* ``tests/data/musicnn_reference.npz``: the fidelity fixture, outputs of the ORIGINAL
  TensorFlow graph (``musicnn.models.define_model`` restored from the checkpoint, exactly as
  ``musicnn.extractor.extractor`` builds it) on log-mel patches made by musicnn's own
  ``musicnn.extractor.batch_data`` from three librosa example clips.

Setup (TensorFlow never goes into the project's venv)::

    python3.11 -m venv /work/tfvenv
    /work/tfvenv/bin/pip install tensorflow-cpu tf_keras librosa   # TF 2.21, librosa 0.11
    /work/tfvenv/bin/pip install --no-deps musicnn                  # 0.1.0, ships checkpoints

Run from the repository root::

    TF_USE_LEGACY_KERAS=1 /work/tfvenv/bin/python tools/convert_musicnn.py \
        [--data ../shared/data/librosa-clips] [--skip-fixture]

Then check the port with ``/work/venv/bin/pytest tests/test_musicnn.py tests/test_embedding.py``.

Variable mapping (``tf.compat.v1.layers`` names its layers in creation order)::

    batch_normalization            -> input_bn          (1 channel: the whole log-mel input)
    conv2d,   batch_normalization_1 -> timbral.0         kernel (7 time, 38 mel), 204 filters
    conv2d_1, batch_normalization_2 -> timbral.1         kernel (7 time, 67 mel), 204 filters
    conv2d_2, batch_normalization_3 -> temporal.0        kernel (128 time, 1), 51 filters
    conv2d_3, batch_normalization_4 -> temporal.1        kernel (64 time, 1), 51 filters
    conv2d_4, batch_normalization_5 -> temporal.2        kernel (32 time, 1), 51 filters
    conv2d_5, batch_normalization_6 -> midend.0          kernel (7 time, 561 features)
    conv2d_6, batch_normalization_7 -> midend.1          kernel (7 time, 64 features)
    conv2d_7, batch_normalization_8 -> midend.2          kernel (7 time, 64 features)
    batch_normalization_9           -> pool_bn           (1506 = 753 x [max, mean], interleaved)
    dense, batch_normalization_10   -> dense, dense_bn   (1506 -> 200)
    dense_1                         -> output            (200 -> 50)

TF conv kernels are HWIO ``(time, freq, in, out)``: 2-D ones become torch OIHW
``(out, in, time, freq)``; the mid-end ones (whose "width" spans all input features) become
``Conv1d`` weights ``(out, in_features, time)``. Dense kernels ``(in, out)`` are transposed.
"""

import argparse
import os
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("MSD_musicnn", "MTT_musicnn")
# Clips with permissive licences (see ../shared/data/librosa-clips/<name>.txt):
# brahms: Public Domain Mark 1.0; vibeace, trumpet: CC BY 3.0 (Kevin MacLeod; Mihai Sorohan).
FIXTURE_CLIPS = ("brahms", "vibeace", "trumpet")
# frames of patch 0 at which the time-resolved features (timbral, temporal, cnn*) are stored:
# both edges (where the zero padding acts) and a stretch in the middle.
FEATURE_FRAMES = np.r_[0:8, 90:98, 179:187]

CITATION = (
    'J. Pons and X. Serra, "musicnn: Pre-trained convolutional neural networks for music '
    'audio tagging", Late-Breaking/Demo session of the 20th International Society for Music '
    "Information Retrieval Conference (ISMIR LBD), 2019. https://github.com/jordipons/musicnn"
)

BN = {
    "input_bn": "batch_normalization",
    "timbral.0.bn": "batch_normalization_1",
    "timbral.1.bn": "batch_normalization_2",
    "temporal.0.bn": "batch_normalization_3",
    "temporal.1.bn": "batch_normalization_4",
    "temporal.2.bn": "batch_normalization_5",
    "midend.0.bn": "batch_normalization_6",
    "midend.1.bn": "batch_normalization_7",
    "midend.2.bn": "batch_normalization_8",
    "pool_bn": "batch_normalization_9",
    "dense_bn": "batch_normalization_10",
}
CONV2D = {
    "timbral.0.conv": "conv2d",
    "timbral.1.conv": "conv2d_1",
    "temporal.0.conv": "conv2d_2",
    "temporal.1.conv": "conv2d_3",
    "temporal.2.conv": "conv2d_4",
}
CONV1D = {
    "midend.0.conv": "conv2d_5",
    "midend.1.conv": "conv2d_6",
    "midend.2.conv": "conv2d_7",
}
DENSE = {"dense": "dense", "output": "dense_1"}


def tf_to_torch(get):
    """Map checkpoint tensors to torch ``state_dict`` arrays.

    Parameters
    ----------
    get : callable
        ``get(tf_variable_name) -> np.ndarray``.

    Returns
    -------
    dict of str to np.ndarray (float32)
    """
    out = {}
    for torch_name, tf_name in BN.items():
        out[f"{torch_name}.weight"] = get(f"{tf_name}/gamma")
        out[f"{torch_name}.bias"] = get(f"{tf_name}/beta")
        out[f"{torch_name}.running_mean"] = get(f"{tf_name}/moving_mean")
        out[f"{torch_name}.running_var"] = get(f"{tf_name}/moving_variance")
    for torch_name, tf_name in CONV2D.items():
        out[f"{torch_name}.weight"] = get(f"{tf_name}/kernel").transpose(3, 2, 0, 1)
        out[f"{torch_name}.bias"] = get(f"{tf_name}/bias")
    for torch_name, tf_name in CONV1D.items():
        kernel = get(f"{tf_name}/kernel")  # (7, n_in, 1, n_out)
        out[f"{torch_name}.weight"] = kernel[:, :, 0, :].transpose(2, 1, 0)
        out[f"{torch_name}.bias"] = get(f"{tf_name}/bias")
    for torch_name, tf_name in DENSE.items():
        out[f"{torch_name}.weight"] = get(f"{tf_name}/kernel").T
        out[f"{torch_name}.bias"] = get(f"{tf_name}/bias")
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def convert_weights(musicnn_dir, out_dir):
    import tensorflow as tf
    from musicnn import configuration as config

    out_dir.mkdir(parents=True, exist_ok=True)
    for model in MODELS:
        reader = tf.compat.v1.train.NewCheckpointReader(
            os.path.join(musicnn_dir, model) + "/"
        )
        shapes = reader.get_variable_to_shape_map()
        used = set()

        def get(name, reader=reader, used=used):
            used.add(name)
            return reader.get_tensor(name)

        arrays = tf_to_torch(get)
        unused = {
            k
            for k in shapes
            if k not in used and "Adam" not in k and not k.endswith("_power")
        }
        if unused:
            raise RuntimeError(
                f"{model}: checkpoint variables left unmapped: {sorted(unused)}"
            )
        tags = config.MSD_LABELS if model.startswith("MSD") else config.MTT_LABELS
        arrays["tags"] = np.array(tags, dtype=np.str_)
        path = out_dir / f"{model}.npz"
        np.savez_compressed(path, **arrays)
        n_params = sum(v.size for k, v in arrays.items() if k != "tags")
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB, {n_params} values)")

    license_text = Path(musicnn_dir).parent / "musicnn-0.1.0.dist-info" / "LICENSE.md"
    text = license_text.read_text() if license_text.exists() else None
    if text is None:
        raise RuntimeError(f"licence file not found at {license_text}")
    (out_dir / "LICENSE_musicnn.txt").write_text(
        "The pretrained weights MSD_musicnn.npz and MTT_musicnn.npz are converted from the\n"
        "TensorFlow checkpoints of the musicnn package (version 0.1.0,\n"
        "https://github.com/jordipons/musicnn), distributed under the ISC licence below.\n"
        "Converted with tools/convert_musicnn.py.\n\n"
        "If you use them, please cite:\n\n"
        f"{CITATION}\n\n"
        "------------------------------------------------------------------------------\n"
        f"{text.strip()}\n"
    )


def _build_graph(model, n_frames):
    """Build the inference graph exactly as ``musicnn.extractor.extractor`` does."""
    import tensorflow as tf
    from musicnn import configuration as config
    from musicnn import models

    n_classes = 50
    tf.compat.v1.reset_default_graph()
    with tf.name_scope("model"):
        x = tf.compat.v1.placeholder(tf.float32, [None, n_frames, config.N_MELS])
        is_training = tf.compat.v1.placeholder(tf.bool)
        y, timbral, temporal, cnn1, cnn2, cnn3, mean_pool, max_pool, penultimate = (
            models.define_model(x, is_training, model, n_classes)
        )
        normalized_y = tf.nn.sigmoid(y)
    outputs = {
        "logits": y,
        "taggram": normalized_y,
        "timbral": timbral,
        "temporal": temporal,
        "cnn1": cnn1,
        "cnn2": cnn2,
        "cnn3": cnn3,
        "mean_pool": mean_pool,
        "max_pool": max_pool,
        "penultimate": penultimate,
    }
    return x, is_training, outputs


def _float32_log_mel(path):
    """musicnn's ``batch_data`` front end without its float16 cast (which overflows)."""
    import librosa
    from musicnn import configuration as config

    audio, sr = librosa.load(path, sr=config.SR)
    S = librosa.feature.melspectrogram(
        y=audio,
        sr=sr,
        hop_length=config.FFT_HOP,
        n_fft=config.FFT_SIZE,
        n_mels=config.N_MELS,
    ).T
    return np.log10(10000 * S.astype(np.float32) + 1)


def make_fixture(musicnn_dir, data_dir, out_path):
    import tensorflow as tf
    from musicnn import extractor as mex

    n_frames = 187
    fixture = {
        "clips": np.array(FIXTURE_CLIPS, dtype=np.str_),
        "feature_frames": FEATURE_FRAMES.astype(np.int64),
    }
    patches, inputs, patch_clip, patch_index, n_patches = [], [], [], [], []
    for i, name in enumerate(FIXTURE_CLIPS):
        path = str(data_dir / f"{name}.ogg")
        batch, rep = mex.batch_data(path, n_frames, n_frames)
        finite = _float32_log_mel(path)
        assert finite.shape == rep.shape
        print(
            f"{name}: {rep.shape[0]} frames, {batch.shape[0]} patches; musicnn's float16 "
            f"log-mel overflows to inf in {np.isinf(rep).mean():.2%} of its bins"
        )
        keep = sorted({0, batch.shape[0] - 1})
        patches.append(batch[keep])
        inputs.append(
            np.stack([finite[k * n_frames : (k + 1) * n_frames] for k in keep])
        )
        patch_clip += [i] * len(keep)
        patch_index += keep
        n_patches.append(batch.shape[0])
    # musicnn.extractor.batch_data's own patches: float16, inf where 10000 * S > 65504.
    fixture["musicnn_patches"] = np.concatenate(patches).astype(np.float16)
    # the same log-mel computed in float32 (finite): the model input of the fidelity test.
    fixture["inputs"] = np.concatenate(inputs).astype(np.float32)
    fixture["patch_clip"] = np.array(patch_clip, dtype=np.int64)
    fixture["patch_index"] = np.array(patch_index, dtype=np.int64)
    fixture["n_patches"] = np.array(n_patches, dtype=np.int64)

    feed = fixture["inputs"]
    for model in MODELS:
        x, is_training, outputs = _build_graph(model, n_frames)
        with tf.compat.v1.Session() as sess:
            tf.compat.v1.train.Saver().restore(
                sess, os.path.join(musicnn_dir, model) + "/"
            )
            values = sess.run(outputs, feed_dict={x: feed, is_training: False})
        for key in ("logits", "taggram", "mean_pool", "max_pool", "penultimate"):
            fixture[f"{model}__{key}"] = values[key].astype(np.float32)
        for key in ("timbral", "temporal", "cnn1", "cnn2", "cnn3"):
            value = values[key][0]  # patch 0: (n_frames, n_features[, 1])
            value = value[..., 0] if value.ndim == 3 else value
            fixture[f"{model}__{key}"] = value[FEATURE_FRAMES].astype(np.float32)

        # Cross-check the graph against musicnn's own extractor (batch size 1, its own
        # float16 front end) by feeding the graph musicnn's own patches.
        with tf.compat.v1.Session() as sess:
            tf.compat.v1.train.Saver().restore(
                sess, os.path.join(musicnn_dir, model) + "/"
            )
            own = sess.run(
                outputs["taggram"],
                feed_dict={
                    x: fixture["musicnn_patches"][:2].astype(np.float32),
                    is_training: False,
                },
            )
        first = str(data_dir / f"{FIXTURE_CLIPS[0]}.ogg")
        taggram, _, _ = mex.extractor(
            first, model=model, input_overlap=False, extract_features=True
        )
        np.testing.assert_allclose(taggram[[0, -1]], own, atol=1e-6)
        print(
            f"{model}: graph agrees with musicnn.extractor on {FIXTURE_CLIPS[0]}; "
            f"float32 vs musicnn float16 input changes its tag probabilities by up to "
            f"{np.abs(own - values['taggram'][:2]).max():.3f}"
        )

    out_path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out_path, **fixture)
    print(f"wrote {out_path} ({out_path.stat().st_size / 1e3:.0f} kB)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=ROOT.parent / "shared/data/librosa-clips",
        help="folder holding the librosa example clips (<name>.ogg)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "spectroclf/musicnn/pretrained")
    parser.add_argument(
        "--fixture", type=Path, default=ROOT / "tests/data/musicnn_reference.npz"
    )
    parser.add_argument("--skip-fixture", action="store_true")
    args = parser.parse_args(argv)

    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import musicnn

    musicnn_dir = os.path.dirname(musicnn.__file__)
    convert_weights(musicnn_dir, args.out)
    if not args.skip_fixture:
        make_fixture(musicnn_dir, args.data, args.fixture)


if __name__ == "__main__":
    main()
