"""Tests of mixed precision and the CUDA data path (spectroclf.nets._amp): ``amp`` is
off on the CPU by default (float32 results unchanged), bfloat16 autocast there on
request, float16 with gradient scaling where it resolves to float16."""

import pickle
import re

import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback
from torch import nn

from spectroclf import (
    CNNClassifier,
    LSTMClassifier,
    LSTMRegressor,
    _cpu,
    load_model,
    save_model,
)
from spectroclf.nets._amp import (
    MixedPrecisionNeuralNetClassifier,
    _as_float32,
    _to_device,
    amp_net_class,
    resolve_amp,
)


class _Dtypes(Callback):
    """Records the dtype of the module's head output during training."""

    def on_train_begin(self, net, **kwargs):
        self.seen = set()
        net.module_.head.register_forward_hook(
            lambda module, args, out: self.seen.add(out.dtype))


def _seen(est):
    return dict(est.net_.callbacks_)["user_0"].seen


class _Linear(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(5, 2)

    def forward(self, X):
        return self.head(X)


class TestResolve:
    @pytest.mark.parametrize("amp, device, expected", [
        ("auto", "cpu", None),
        ("auto", "cuda", torch.float16),
        ("auto", "cuda:1", torch.float16),
        (False, "cuda", None),
        (True, "cpu", torch.bfloat16),
        (True, "cuda", torch.float16),
        (torch.float16, "cpu", torch.float16),
    ])
    def test_dtypes(self, amp, device, expected):
        assert resolve_amp(amp, device) == expected

    @pytest.mark.parametrize("native", [True, False])
    def test_auto_stays_off_on_the_cpu_whatever_its_flags(self, monkeypatch, native):
        monkeypatch.setattr(_cpu, "native_bfloat16", lambda: native)
        assert resolve_amp("auto", "cpu") is None

    def test_emulated_bfloat16_warns(self, monkeypatch, recwarn):
        monkeypatch.setattr(_cpu, "native_bfloat16", lambda: False)
        with pytest.warns(UserWarning, match=re.escape(
                "amp=True on a CPU without native bfloat16 (neither of the CPU flags "
                "avx512_bf16 nor amx_bf16): torch emulates bfloat16 here, usually "
                "slower than float32; amp=False or 'auto' runs in float32")) as record:
            assert resolve_amp(True, "cpu") == torch.bfloat16
        assert len(record) == 1
        monkeypatch.setattr(_cpu, "native_bfloat16", lambda: True)
        recwarn.clear()
        assert resolve_amp(True, "cpu") == torch.bfloat16
        assert resolve_amp(True, "cuda") == torch.float16
        assert not [w for w in recwarn if "bfloat16" in str(w.message)]

    def test_other_devices_refused(self):
        with pytest.raises(ValueError, match=re.escape(
                "amp=True runs on CUDA (float16) or the CPU (bfloat16), not on device "
                "'meta'; use amp=False or amp='auto'")):
            resolve_amp(True, "meta")
        assert resolve_amp("auto", "meta") is None

    def test_net_class(self):
        assert issubclass(amp_net_class(NeuralNetClassifier), NeuralNetClassifier)
        with pytest.raises(TypeError, match=re.escape(
                "amp is not supported with a Module net; supported: "
                "NeuralNetClassifier, NeuralNetRegressor")):
            amp_net_class(nn.Module)

    def test_to_device_handles_dicts(self):
        x = {"X": torch.ones(2), "lengths": torch.tensor([1])}
        moved = _to_device(x, "cpu")
        assert moved["X"] is x["X"] and moved["lengths"] is x["lengths"]
        assert _to_device(x, None) is x
        on_meta = _to_device({**x, "name": "clip"}, "meta")
        assert on_meta["X"].device.type == on_meta["lengths"].device.type == "meta"
        assert on_meta["name"] == "clip"
        assert _to_device(torch.ones(2), "meta").device.type == "meta"

    def test_outputs_as_float32(self):
        """Floating outputs (alone or in a tuple) become float32, others stay."""
        out = _as_float32((torch.ones(2, dtype=torch.bfloat16),
                           torch.ones(2, dtype=torch.int64), "x"))
        assert isinstance(out, tuple)
        assert [o.dtype if torch.is_tensor(o) else o for o in out] == [
            torch.float32, torch.int64, "x"]
        assert _as_float32(torch.ones(2, dtype=torch.int64)).dtype == torch.int64
        assert _as_float32(torch.ones(2, dtype=torch.float16)).dtype == torch.float32


class TestOnTheCpu:
    def test_auto_is_float32_and_unchanged(self, make_ragged):
        X, y = make_ragged()
        kw = dict(hidden_size=8, max_epochs=2, random_state=0, device="cpu")
        dtypes = _Dtypes()
        auto = LSTMClassifier(**kw, callbacks=[dtypes]).fit(X, y)
        off = LSTMClassifier(**kw, amp=False).fit(X, y)
        assert auto.amp == "auto" and _seen(auto) == {torch.float32}
        np.testing.assert_array_equal(auto.predict_proba(X), off.predict_proba(X))
        assert not auto.net_.grad_scaler_.is_enabled()
        # batches are pinned for the GPU only
        params = auto.net_.get_params()
        assert not params["iterator_train__pin_memory"]
        assert not params["iterator_valid__pin_memory"]

    @pytest.mark.parametrize("Est, kw", [(LSTMClassifier, {"hidden_size": 8}),
                                         (CNNClassifier, {"channels": (4, 4)})])
    def test_amp_true_trains_in_bfloat16(self, Est, kw, make_ragged):
        X, y = make_ragged()
        common = dict(max_epochs=10, lr=0.01, random_state=0, device="cpu", **kw)
        clf = Est(**common, amp=True, callbacks=[_Dtypes()]).fit(X, y)
        assert _seen(clf) == {torch.bfloat16}
        assert not clf.net_.grad_scaler_.is_enabled()  # bfloat16 needs no scaling
        proba = clf.predict_proba(X)
        assert proba.dtype == np.float32
        np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-5)
        assert (clf.predict(X) == y).mean() > 0.8
        a = Est(**common, amp=True).fit(X, y).predict_proba(X)
        np.testing.assert_array_equal(a, proba)  # still deterministic
        full = Est(**common, amp=False).fit(X, y).predict_proba(X)
        assert not np.array_equal(full, proba)

    def test_regressor(self, make_regression):
        X, y = make_regression()
        reg = LSTMRegressor(hidden_size=8, max_epochs=2, amp=True, random_state=0).fit(X, y)
        assert reg.predict(X).shape == y.shape and np.isfinite(reg.predict(X)).all()

    def test_float16_scales_gradients(self):
        # float16 autocast on the CPU runs the CUDA recipe: scaled gradients in
        # training mode, unscaled before on_grad_computed, no optimizer closure
        class Norms(Callback):
            def on_train_begin(self, net, **kwargs):
                self.norms, self.calls, self.modes, self.dtypes = [], [], set(), set()
                net.module_.head.register_forward_hook(self._record)

            def _record(self, module, args, out):
                self.modes.add(module.training)
                self.dtypes.add(out.dtype)

            def on_grad_computed(self, net, named_parameters, batch, training, **kwargs):
                self.norms.append(max(p.grad.abs().max().item() for _, p in named_parameters))
                self.calls.append((batch[0].shape, training))

        X = np.random.default_rng(0).normal(size=(64, 5)).astype(np.float32)
        y = (X[:, 0] > 0).astype(np.int64)
        nets = {}
        for amp in (torch.float16, False):
            torch.manual_seed(0)
            nets[amp] = MixedPrecisionNeuralNetClassifier(
                _Linear, criterion=nn.CrossEntropyLoss, amp=amp, max_epochs=10, lr=0.1,
                batch_size=16, train_split=None, callbacks=[("norms", Norms())],
                device="cpu",
            ).fit(X, y)
            norms = dict(nets[amp].callbacks_)["norms"]
            assert nets[amp].grad_scaler_.is_enabled() == (amp is torch.float16)
            assert norms.calls == [((16, 5), True)] * 40
            assert max(norms.norms) < 10  # true gradients, not multiplied by the scale
        fp16 = dict(nets[torch.float16].callbacks_)["norms"]
        # training mode in training, eval mode to predict; float16 inside
        nets[torch.float16].predict(X)
        assert fp16.modes == {True, False} and fp16.dtypes == {torch.float16}
        np.testing.assert_allclose(nets[torch.float16].history[:, "train_loss"],
                                   nets[False].history[:, "train_loss"], atol=1e-2)
        assert (nets[torch.float16].predict(X) == y).mean() > 0.9

    def test_float16_overflow_skips_the_step_and_lowers_the_scale(self):
        """Gradients that overflow float16 once scaled (inputs of 1e3, scale 2**16)
        skip the optimizer step and halve the scale, as torch's recipe does."""
        X = np.full((16, 5), 1e3, dtype=np.float32)
        y = np.arange(16) % 2
        torch.manual_seed(0)
        net = MixedPrecisionNeuralNetClassifier(
            _Linear, criterion=nn.CrossEntropyLoss, amp=torch.float16, max_epochs=1,
            batch_size=16, train_split=None, device="cpu").initialize()
        before = {k: v.clone() for k, v in net.module_.state_dict().items()}
        net.partial_fit(X, y)
        assert net.grad_scaler_.get_scale() == 2.0 ** 15
        for key, value in net.module_.state_dict().items():
            torch.testing.assert_close(value, before[key], rtol=0, atol=0)

    @pytest.mark.parametrize("amp", [False, torch.bfloat16, torch.float16])
    def test_fit_params_reach_the_module(self, amp):
        """skorch passes fit(**fit_params) to the module's forward, in every step."""
        class Shifted(_Linear):
            def forward(self, X, shift):
                self.shifts.append(float(shift))
                return self.head(X + shift)

        Shifted.shifts = []
        X = np.random.default_rng(0).normal(size=(32, 5)).astype(np.float32)
        y = (X[:, 0] > 0).astype(np.int64)
        net = MixedPrecisionNeuralNetClassifier(
            Shifted, criterion=nn.CrossEntropyLoss, amp=amp, max_epochs=2,
            batch_size=16, train_split=None, device="cpu").fit(X, y, shift=0.5)
        assert Shifted.shifts == [0.5] * 4 and net.history[-1, "epoch"] == 2

    def test_off_is_skorchs_own_net(self):
        """The default (amp off) trains exactly as skorch's NeuralNetClassifier."""
        X = np.random.default_rng(0).normal(size=(32, 5)).astype(np.float32)
        y = (X[:, 0] > 0).astype(np.int64)
        losses = []
        for cls in (MixedPrecisionNeuralNetClassifier, NeuralNetClassifier):
            torch.manual_seed(0)
            net = cls(_Linear, criterion=nn.CrossEntropyLoss, max_epochs=3, batch_size=8,
                      train_split=None, device="cpu").fit(X, y)
            losses.append(net.history[:, "train_loss"])
        assert losses[0] == losses[1]

    def test_save_load_and_pickle_keep_amp(self, make_ragged, tmp_path):
        X, y = make_ragged()
        clf = LSTMClassifier(hidden_size=4, max_epochs=1, amp=True, random_state=0).fit(X, y)
        loaded = load_model(save_model(clf, tmp_path / "m.pt"))
        assert loaded.amp is True and loaded.net_.amp is True
        np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
        again = pickle.loads(pickle.dumps(clf))
        np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))

    @pytest.mark.filterwarnings("ignore:Setting self.device = cpu")
    def test_cuda_auto_net_predicts_in_float32_on_the_cpu(self, make_ragged, monkeypatch):
        """A net pickled on CUDA with amp="auto" (float16 there) and unpickled on a
        CPU-only machine moves to the CPU (map_location) and predicts in float32."""
        X, y = make_ragged()
        clf = LSTMClassifier(hidden_size=4, max_epochs=1, random_state=0).fit(X, y)
        expected = clf.predict_proba(X)
        assert clf.amp == "auto" and resolve_amp(clf.amp, "cuda") == torch.float16
        clf.net_.device = "cuda"  # what a GPU fit leaves (the weights pickle alike)
        blob = pickle.dumps(clf)
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
        with pytest.warns(UserWarning, match="no CUDA devices are available"):
            loaded = pickle.loads(blob)
        assert str(loaded.net_.device) == "cpu"
        assert {p.device.type for p in loaded.net_.module_.parameters()} == {"cpu"}
        seen = set()
        loaded.net_.module_.head.register_forward_hook(
            lambda module, args, out: seen.add(out.dtype))
        np.testing.assert_array_equal(loaded.predict_proba(X), expected)
        assert seen == {torch.float32}

    def test_amp_true_with_an_accelerator_is_refused(self, make_ragged):
        class FakeAccelerator:
            device = "cpu"

            def prepare(self, *args):
                return args

            def unwrap_model(self, model, **kwargs):
                return model

        X, y = make_ragged()
        with pytest.raises(ValueError, match="accelerator's own"):
            LSTMClassifier(max_epochs=1, amp=True, accelerator=FakeAccelerator()).fit(X, y)

    def test_rejects_bad_values(self, make_ragged):
        X, y = make_ragged()
        with pytest.raises(ValueError, match="amp"):
            LSTMClassifier(amp="fp16").fit(X, y)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
class TestOnCuda:
    def test_auto_is_float16_with_scaling_and_pinned_batches(self, make_ragged):
        X, y = make_ragged()
        clf = CNNClassifier(channels=(4, 4), max_epochs=3, device="cuda", random_state=0,
                            callbacks=[_Dtypes()]).fit(X, y)
        assert _seen(clf) == {torch.float16}
        assert clf.net_.grad_scaler_.is_enabled()
        assert clf.net_.get_params()["iterator_train__pin_memory"]
        proba = clf.predict_proba(X)
        assert proba.dtype == np.float32 and np.isfinite(proba).all()
        off = CNNClassifier(channels=(4, 4), max_epochs=3, device="cuda", random_state=0,
                            amp=False).fit(X, y)
        np.testing.assert_allclose(proba, off.predict_proba(X), atol=0.1)

    def test_cuda_auto_net_unpickles_on_a_cpu_only_machine(self, make_ragged, monkeypatch):
        X, y = make_ragged()
        clf = LSTMClassifier(hidden_size=4, max_epochs=2, device="cuda",
                             random_state=0).fit(X, y)
        expected = clf.predict_proba(X)
        blob = pickle.dumps(clf)
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
        with pytest.warns(UserWarning, match="no CUDA devices are available"):
            loaded = pickle.loads(blob)
        assert str(loaded.net_.device) == "cpu"
        seen = set()
        loaded.net_.module_.head.register_forward_hook(
            lambda module, args, out: seen.add(out.dtype))
        np.testing.assert_allclose(loaded.predict_proba(X), expected,
                                   atol=0.05)  # float16 on CUDA, float32 here
        assert seen == {torch.float32}
