"""Tests of transfer learning (spectroclf.nets._transfer): ``init_from`` copies the
body, ``freeze`` trains only the output layer, and mismatches are named before torch
sees them."""

import re

import numpy as np
import pytest
import torch

from spectroclf import CNNClassifier, CNNRegressor, LSTMClassifier, LSTMRegressor

FAST = {"max_epochs": 8, "lr": 0.01, "random_state": 0}


def test_transfer_learning_copies_body_and_freezes(make_ragged):
    X, y = make_ragged()
    clf = CNNClassifier(channels=(8, 8), **FAST).fit(X, y)
    y_reg = np.array([x[:, 0].mean() for x in X])
    reg = CNNRegressor(
        channels=(8, 8), init_from=clf, freeze=True, max_epochs=3, random_state=0
    ).fit(X, y_reg)
    theirs = clf.net_.module_.state_dict()
    ours = reg.net_.module_.state_dict()
    for key in theirs:
        if key.startswith("blocks.") and "running" not in key and "num_batches" not in key:
            torch.testing.assert_close(ours[key], theirs[key])
    assert not torch.equal(ours["head.weight"][:1], torch.zeros_like(ours["head.weight"][:1]))


def test_transfer_learning_rejects_other_family_or_shape(make_ragged):
    X, y = make_ragged()
    lstm = LSTMClassifier(hidden_size=8, max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="same family"):
        CNNRegressor(init_from=lstm, max_epochs=1).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="same architecture"):
        LSTMRegressor(hidden_size=4, init_from=lstm, max_epochs=1).fit(X, np.zeros(len(X)))


def test_a_students_cnn_learns_and_transfers_its_mlp_head(make_ragged):
    """pool 3, no batch norm, an MLP head with dropout: 3 balanced classes, 36
    held-out clips; P(>= 24 right by chance) = binom.sf(23, 36, 1/3) < 1e-4."""
    from scipy.stats import binom

    X, y = make_ragged(n=108, n_bins=6)
    assert binom.sf(23, 36, 1 / 3) < 1e-4
    kw = dict(channels=(8, 8), pool_size=3, batch_norm=False, head_hidden=(16, 8),
              dropout=0.1, lr=0.01, max_epochs=25, random_state=0)
    clf = CNNClassifier(**kw).fit(X[:72], y[:72])
    assert np.mean(clf.predict(X[72:]) == y[72:]) >= 24 / 36
    reg = CNNRegressor(**{**kw, "max_epochs": 1}, init_from=clf, freeze=True).fit(
        X[:72], np.arange(72.0))
    theirs = clf.net_.module_.state_dict()
    for key, value in reg.net_.module_.state_dict().items():
        if not key.startswith("head."):  # the MLP's hidden layers come along
            torch.testing.assert_close(value, theirs[key])


class TestInitFrom:
    """Transfer as the README shows it, and mismatches named before torch sees them."""

    def test_a_fitted_pipeline(self, make_ragged):
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import FunctionTransformer

        X, y = make_ragged(n=24, n_bins=6)
        pipe = make_pipeline(FunctionTransformer(), FunctionTransformer(),
                             CNNClassifier(channels=(4, 4), max_epochs=1,
                                           random_state=0)).fit(X, y)
        reg = CNNRegressor(channels=(4, 4), init_from=pipe, freeze=True, max_epochs=1,
                           random_state=0).fit(X, np.arange(24.0))
        torch.testing.assert_close(reg.net_.module_.blocks[0][0].weight,
                                   pipe[-1].net_.module_.blocks[0][0].weight)

    def test_other_bins_name_both(self, make_ragged):
        X, y = make_ragged(n=24, n_bins=6)
        clf = CNNClassifier(channels=(4,), max_epochs=1, random_state=0).fit(X, y)
        X5 = [x[:, :5] for x in X]
        with pytest.raises(ValueError, match="init_from was fitted on spectrograms of 6 "
                                             "bins, this data has 5"):
            CNNRegressor(channels=(4,), init_from=clf).fit(X5, np.arange(24.0))

    def test_a_shallower_network_is_refused_not_partly_copied(self, make_ragged):
        X, y = make_ragged(n=24, n_bins=6)
        deep = CNNClassifier(channels=(4, 8, 12, 16), max_epochs=1, random_state=0).fit(X, y)
        with pytest.raises(ValueError, match=r"blocks\.3\.0\.weight.*in init_from, "
                                             "missing here"):
            CNNRegressor(channels=(4, 8, 12), init_from=deep).fit(X, np.arange(24.0))

    def test_another_family_names_both_networks(self, make_ragged):
        X, y = make_ragged(n=24, n_bins=6)
        lstm = LSTMClassifier(hidden_size=4, max_epochs=1, random_state=0).fit(X, y)
        message = ("init_from is a LSTMClassifier, whose network (a LSTM) cannot "
                   "initialise a CNNRegressor (a CNN); use an estimator of the same "
                   "family, whose network is a CNN")
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            CNNRegressor(channels=(4,), init_from=lstm).fit(X, np.arange(24.0))

    def test_every_mismatch_is_counted(self, make_ragged):
        X, y = make_ragged(n=24, n_bins=6)
        lstm = LSTMClassifier(hidden_size=4, max_epochs=1, random_state=0).fit(X, y)
        with pytest.raises(ValueError) as info:
            LSTMRegressor(hidden_size=3, init_from=lstm).fit(X, np.arange(24.0))
        assert str(info.value) == (
            # two directions of four tensors (weight_ih/hh, bias_ih/hh) differ
            "init_from's network does not match this one at "
            "'forward_layers.0.weight_ih_l0': (16, 6) in init_from vs (12, 6) here "
            "(and 7 more); use the "
            "same architecture parameters and the same number of bins (init_from has "
            "n_features_in_=6, this data has 6)")

    def test_one_mismatch_has_no_count(self, make_ragged):
        X, y = make_ragged(n=24, n_bins=6)
        clf = CNNClassifier(channels=(4,), batch_norm=False, max_epochs=1,
                            random_state=0).fit(X, y)
        # another kernel changes the conv's weight, not its bias
        with pytest.raises(ValueError, match=r"\(4, 1, 5, 5\) here; use the same"):
            CNNRegressor(channels=(4,), batch_norm=False, kernel_size=5,
                         init_from=clf).fit(X, np.arange(24.0))

    def test_two_mismatches_count_one_more(self, make_ragged):
        X, y = make_ragged(n=24, n_bins=6)
        deep = CNNClassifier(channels=(4, 8), batch_norm=False, max_epochs=1,
                             random_state=0).fit(X, y)
        with pytest.raises(ValueError, match=re.escape(
                "at 'blocks.1.0.weight': (8, 4, 3, 3) in init_from, missing here "
                "(and 1 more); use the same")):
            CNNRegressor(channels=(4,), batch_norm=False,
                         init_from=deep).fit(X, np.arange(24.0))

    def test_a_deeper_network_names_the_missing_layer(self, make_ragged):
        X, y = make_ragged(n=24, n_bins=6)
        shallow = CNNClassifier(channels=(4,), batch_norm=False, max_epochs=1,
                                random_state=0).fit(X, y)
        with pytest.raises(ValueError, match=re.escape(
                "at 'blocks.1.0.weight': missing in init_from vs (8, 4, 3, 3) here "
                "(and 1 more); use the same")):
            CNNRegressor(channels=(4, 8), batch_norm=False,
                         init_from=shallow).fit(X, np.arange(24.0))


def test_freeze_keeps_the_dropout_before_the_head(make_ragged):
    """Only batch normalisation is held in eval mode: dropout still regularises
    the training of the head."""
    X, y = make_ragged(n=24)
    source = CNNClassifier(channels=(4,), max_epochs=1, random_state=0).fit(X, y)
    est = CNNClassifier(channels=(4,), dropout=0.5, init_from=source, freeze=True,
                        max_epochs=1, random_state=0).fit(X, y)
    module = est.net_.module_.train()
    batch, lengths = torch.as_tensor(np.stack([x[:4] for x in X[:8]])), torch.full((8,), 4)
    with torch.no_grad():
        assert not torch.equal(module(batch, lengths), module(batch, lengths))
        module.eval()
        torch.testing.assert_close(module(batch, lengths), module(batch, lengths))
