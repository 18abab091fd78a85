"""Tests common to the preprocessing transformers: clone, pickle, pipeline."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from spectroclf.preprocessing import (
    BeatSync,
    LabelTransformer,
    PadTruncate,
    SpectrogramExtractor,
    SpectrogramLoader,
)

ALL_TRANSFORMERS = [
    LabelTransformer(mapping={"a": "x", "b": None}),
    SpectrogramExtractor(feature="mel", n_mels=32, memory=None),
    SpectrogramLoader(feature="chroma"),
    BeatSync(aggregate="mean"),
    PadTruncate(max_len=7, crop="random", random_state=3),
]


@pytest.mark.parametrize("est", ALL_TRANSFORMERS, ids=lambda e: type(e).__name__)
def test_clone_keeps_params(est):
    cloned = clone(est)
    assert cloned is not est
    assert cloned.get_params() == est.get_params()


@pytest.mark.parametrize("est", ALL_TRANSFORMERS[1:], ids=lambda e: type(e).__name__)
def test_pickle_roundtrip_transforms_alike(est, tone):
    rng = np.random.default_rng(0)
    if isinstance(est, SpectrogramExtractor):
        X = [tone(seconds=0.5), tone(660, seconds=0.3)]
    else:
        X = [rng.normal(-40, 10, (n, 140)).astype(np.float32) for n in (12, 30)]
    fitted = clone(est).fit(X)
    restored = pickle.loads(pickle.dumps(fitted))
    a, b = fitted.transform(X), restored.transform(X)
    if isinstance(a, dict):
        a, b = a["X"], b["X"]
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_pickle_label_transformer():
    lt = LabelTransformer(mapping={"a": "x", "b": "y"}).fit(["a", "b"])
    restored = pickle.loads(pickle.dumps(lt))
    np.testing.assert_array_equal(restored.transform(["b", "a"]), [1, 0])


@pytest.mark.data
def test_pipeline_loader_beatsync_padtruncate(genre_files):
    pipe = Pipeline(
        [
            ("load", SpectrogramLoader(feature="fused")),
            ("beat", BeatSync()),
            ("pad", PadTruncate(max_len=80, pad_value=-80.0)),
        ]
    )
    out = pipe.fit_transform(genre_files)
    assert set(out) == {"X", "lengths"}
    assert out["X"].shape == (len(genre_files), 80, 140)
    assert out["X"].dtype == np.float32
    assert out["lengths"].dtype == np.int64
    assert np.all((out["lengths"] >= 1) & (out["lengths"] <= 80))
    # padding (after each length) holds pad_value; mel data lies in [-80, 0]
    for x, n in zip(out["X"], out["lengths"], strict=True):
        assert np.all(x[n:] == -80.0)
        assert x[:n, :128].max() <= 0.0
    # a clone of the fitted pipeline refits to the same result
    again = clone(pipe).fit_transform(genre_files)
    np.testing.assert_array_equal(again["X"], out["X"])
    names = pipe.get_feature_names_out()
    assert names[0] == "mel_0" and names[-1] == "chroma_B" and len(names) == 140
