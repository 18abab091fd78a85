"""Mutation testing of spectroclf's core, one module at a time, with mutmut.

Each module is mutated in its own work folder ``.mutation/<module>/`` (a copy of
``spectroclf/``, ``tests/`` and the configuration, git-ignored), against a small,
fast selection of the tests that cover it, so that a module fits a 2-core machine.
mutmut remembers every verdict in that folder: a run stopped (Ctrl-C, a closed
terminal) resumes where it stopped when the same command is given again, and
``--fresh`` starts the module afresh. After each module the summary
``tools/mutation_results.json`` is updated: killed / survived / timeout / ... per
module, the score over the non-equivalent mutants, and every survivor, either
listed in ``EQUIVALENT`` below with a one-line reason or left to be killed by a
new test.

Usage::

    pip install -e ".[dev]"               # mutmut is in the dev extra
    python tools/mutation.py --list       # the modules and their tests
    python tools/mutation.py metrics      # one module (minutes)
    python tools/mutation.py metrics features preprocessing._pad
    nohup python tools/mutation.py --all > mutation.log 2>&1 &   # hours
    python tools/mutation.py --retest persistence  # survivors again, after new tests
    python tools/mutation.py --show spectroclf.metrics.x_spearman_score__mutmut_7

See "Mutation testing" in docs/install.rst.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".mutation"
RESULTS = ROOT / "tools" / "mutation_results.json"
DATA = Path(os.environ.get("SPECTROCLF_DATA", ROOT.parent / "shared" / "data"))

#: module -> the tests that cover it, fast first (pytest node ids or files)
MODULES = {
    "metrics": ["tests/test_metrics.py"],
    "features": ["tests/test_features.py"],
    "preprocessing._pad": ["tests/preprocessing/test_pad.py"],
    # the warning's stacklevel test cannot pass under mutmut: its trampoline adds a frame
    "preprocessing._beat": ["tests/preprocessing/test_beat.py", "--deselect",
                            "tests/preprocessing/test_beat.py::TestLooksBeatSynced::"
                            "test_warns_with_the_median_frame_count"],
    "preprocessing._label": ["tests/preprocessing/test_label.py"],
    "preprocessing._load": ["tests/preprocessing/test_load.py"],
    "datasets._labels": ["tests/datasets/test_labels.py",
                         "tests/preprocessing/test_label.py"],
    "datasets._lab": ["tests/datasets/test_lab.py"],
    "nets._data": ["tests/nets/test_data.py"],
    "nets._callbacks": [
        "tests/nets/test_callbacks.py",
        "tests/nets/test_base.py::TestEarlyStoppingTolerance",
        "tests/nets/test_base.py::test_checkpoint_resumes_to_max_epochs",
        "tests/nets/test_targets.py::TestClassifiers::"
        "test_early_stopping_stops_and_restores_the_best_epoch",
        # TestCheckpoint but test_killed_process_resumes (a fresh interpreter)
        "tests/test_reliability.py::TestCheckpoint::test_interrupted_fit_resumes",
        "tests/test_reliability.py::TestCheckpoint::test_interrupted_fit_warns",
        "tests/test_reliability.py::TestCheckpoint::"
        "test_checkpoint_of_another_model_is_refused",
    ],
    # the classes of test_custom.py (its scikit-learn checks take minutes)
    "nets._custom": ["tests/nets/test_custom.py::TestNetClassifier",
                     "tests/nets/test_custom.py::TestNetRegressor"],
    # the warning's stacklevel test cannot pass under mutmut: its trampoline adds a frame
    "nets._targets": ["tests/nets/test_targets.py", "tests/test_bad_input.py::TestTargets",
                      "tests/test_persistence.py", "--deselect",
                      "tests/nets/test_targets.py::TestClassLabels::"
                      "test_the_column_vector_warning_points_at_the_callers_fit"],
    "nets._base": ["tests/nets/test_lstm.py", "tests/nets/test_cnn.py",
                   "tests/nets/test_transfer.py", "tests/nets/test_callbacks.py",
                   "tests/nets/test_amp.py", "tests/nets/test_base.py",
                   "tests/nets/test_targets.py", "tests/test_reliability.py",
                   "tests/test_persistence.py", "tests/test_bad_input.py"],
    "nets._lstm": ["tests/nets/test_lstm.py", "tests/test_parameters.py",
                   "tests/nets/test_targets.py", "tests/models/test_lstm.py"],
    "nets._cnn": ["tests/nets/test_cnn.py", "tests/test_parameters.py",
                  "tests/nets/test_targets.py", "tests/nets/test_augment.py"],
    # the warning's stacklevel test cannot pass under mutmut: its trampoline adds a frame
    "nets._joint": ["tests/test_parameters.py", "tests/nets/test_joint.py", "--deselect",
                    "tests/nets/test_joint.py::TestPredicting::"
                    "test_the_labels_alone_warning_points_at_the_callers_fit"],
    "nets._transfer": ["tests/nets/test_transfer.py",
                       "tests/nets/test_cnn.py::test_freeze_trains_only_the_output_layer",
                       "tests/nets/test_lstm.py::test_freeze_trains_only_the_output_layer",
                       "tests/nets/test_custom.py::TestNetRegressor"],
    "nets._augment": ["tests/nets/test_augment.py"],
    "nets._amp": ["tests/nets/test_amp.py"],
    "persistence": ["tests/test_persistence.py"],
    # moved out of nets and preprocessing by the core redesign (#19): the one
    # spectrogram validator, the one audio validator and the one cached map
    "_validation": ["tests/test_validation.py", "tests/test_bad_input.py"],
    "utils._audio": ["tests/utils/test_audio.py", "tests/test_bad_input.py"],
    "utils._parallel": ["tests/utils/test_parallel.py"],
    "musicnn._frontend": [
        "tests/musicnn/test_frontend.py",
        # the embedding's per-clip patches (_clip_patches): waveforms and files
        "tests/musicnn/test_embedding.py::TestMusicnnEmbedding::test_pooling_over_patches",
        "tests/musicnn/test_embedding.py::TestMusicnnEmbedding::test_sr_parameter",
        "tests/musicnn/test_embedding.py::TestMusicnnEmbedding::"
        "test_patches_of_waveforms_at_sr_with_patch_hop",
        "tests/musicnn/test_embedding.py::TestMusicnnEmbedding::"
        "test_from_audio_file_matches_tensorflow",
    ],
    "musicnn._estimators": ["tests/test_parameters.py", "tests/musicnn/test_estimators.py"],
    # the estimators' input: audio or log-mels, and the frozen backbone's features
    "musicnn._inputs": ["tests/musicnn/test_estimators.py"],
}

_USER_WARNING = "warnings.warn category None or left out: both are UserWarning"
_KIND = ("a dtype's kind is one character: it is in the mutated string exactly when "
         "it is in the original")

#: mutant name -> why no test can tell it from the original
EQUIVALENT = {
    **{f"spectroclf.metrics.x_spearman_score__mutmut_{i}": (
        "check_array(ensure_2d=None): None is as false as False") for i in (11, 23)},
    **{f"spectroclf.metrics.x_spearman_score__mutmut_{i}": (
        "reshape(n, -2): numpy reads any negative size as the unknown one, like -1")
       for i in (43, 50)},
    "spectroclf.preprocessing._pad.xǁPadTruncateǁtransform__mutmut_5": (
        "check_spectrograms(reset=None): only tested for truth, None is as false as False"),
    "spectroclf.preprocessing._pad.xǁPadTruncateǁtransform__mutmut_25": (
        "n_frames >= L: a clip of exactly L frames is cropped at offset 0, i.e. whole, "
        "and RandomState.randint(1) draws nothing"),
    **{f"spectroclf.datasets._labels.x_merge_classes__mutmut_{i}": (
        "dtype left to numpy: a list of bools is a bool array, np.full(n, -1) int64")
       for i in (56, 58, 69, 72)},
    **{f"spectroclf.datasets._labels.x_merge_classes__mutmut_{i}": (
        "the code of a dropped sample is filler: never counted nor read, and no "
        "class index equals -1, so keep = isin(...) drops it as keep &= does")
       for i in (73, 74, 82)},
    "spectroclf.datasets._labels.x_merge_classes__mutmut_81": (
        "bincount without minlength: every class comes from a kept label, so the "
        "counts already have one entry per class"),
    **{f"spectroclf.datasets._labels.x_merge_classes__mutmut_{i}": (
        "zip(strict=...): classes and counts always have the same length")
       for i in (98, 101, 102)},
}

EQUIVALENT.update({
    "spectroclf.musicnn._frontend.x_musicnn_melspectrogram__mutmut_23": (
        "res_type dropped: librosa.resample's default res_type is 'soxr_hq'"),
    "spectroclf.musicnn._frontend.x_musicnn_melspectrogram__mutmut_44": (
        "10001 * float16 array: 10001 rounds to 10000 in float16 (spacing 8 there)"),
    "spectroclf.musicnn._frontend.x__log_mels__mutmut_16": (
        "one_thread=None: only tested for truth, None is as false as False"),
    "spectroclf.musicnn._frontend.x_musicnn_patches__mutmut_13": (
        "len(S) <= n_frames: a spectrogram of exactly n_frames is padded by 0 frames"),
})

_P = "spectroclf.persistence.x_"
EQUIVALENT.update({
    **{f"{_P}_restore_params__mutmut_{i}": (
        "get_params(deep=None/True) of a default instance: no default parameter is an "
        "estimator, so there are no nested parameters either way") for i in (14, 15)},
    f"{_P}_params_payload__mutmut_2": (
        "get_params(deep=None): only tested for truth, None is as false as False"),
    **{f"{_P}_restore_params__mutmut_{i}": (
        "the name found is never None: every InvalidParameterError names one of "
        "params (defaults are valid), so next() never falls back")
       for i in (92, 102, 103, 104)},
    **{f"{_P}_restore_params__mutmut_{i}": _USER_WARNING for i in (22, 25)},
    **{f"{_P}_resolve_map_location__mutmut_{i}": _USER_WARNING for i in (8, 11)},
    f"{_P}_array_payload__mutmut_4": _KIND,
    **{f"{_P}_array_payload__mutmut_{i}": (
        "np.array(arr) copies by default; without the copy the tensor shares the "
        "fitted array's memory only until torch.save writes the same bytes")
       for i in (8, 10, 11)},
    **{f"{_P}_plain__mutmut_{i}": (
        "a key is a str, an int or a numpy scalar here: _plain returns it without "
        "reading where or notes") for i in (23, 24)},
    **{f"{_P}_read__mutmut_{i}": (
        "weights_only=None or left out is True in torch >= 2.6 (installed; "
        "test_not_a_model_file[pickle] tells them apart on an older torch)")
       for i in (39, 42)},
    **{f"{_P}_read__mutmut_{i}": (
        "torch's 'Weights only load failed' message also names weights_only: "
        "either phrase alone (or both) decides the same")
       for i in (48, 49, 50, 51, 53, 54)},
    f"{_P}load_model__mutmut_26": "_restore_params never reads its notes argument",
    **{f"{_P}load_model__mutmut_{i}": (
        "fitted.get('drop_last', None) or without default: bool(None) is False too")
       for i in (55, 57)},
    **{f"{_P}_array_restore__mutmut_{i}": (
        "object labels are scalars (scikit-learn refuses sequences as labels): "
        "np.asarray(values, dtype=object) is the same 1-D array as filling np.empty")
       for i in (6, 7)},
    # not equivalent, but not testable here: mutmut's trampolines add frames to
    # every call, so where a warning is reported can only be checked by the
    # normal suite (tests/test_persistence.py, _points_here), which kills these
    **{name: ("stacklevel only: told apart by the normal suite's _points_here "
              "checks, not under mutmut's trampolines")
       for name in (f"{_P}_restore_params__mutmut_26", f"{_P}_restore_params__mutmut_27",
                    f"{_P}_resolve_map_location__mutmut_12",
                    f"{_P}_resolve_map_location__mutmut_18",
                    f"{_P}load_model__mutmut_127", f"{_P}load_model__mutmut_128")},
    **{f"{_P}save_model__mutmut_{i}": (
        "the last _plain pass sees values the passes before made plain and state "
        "dicts of tensors: it never writes a note") for i in (132, 133, 137, 138)},
})

EQUIVALENT.update({
    **{f"spectroclf.datasets._lab.x_write_lab_layout__mutmut_{i}": (
        "zip(strict=...): ids, spectrograms, genres and targets are checked to have "
        "one entry per spectrogram before, and arrays has one per id")
       for i in (54, 57, 58, 110, 113, 114, 168, 171, 172, 193, 196, 197)},
    **{f"spectroclf.datasets._lab.x__load_lab__mutmut_{i}": (
        "zip(strict=...): parse returns one value per label row")
       for i in (21, 24, 25)},
    **{f"spectroclf.datasets._lab.x_write_lab_layout__mutmut_{i}": (
        "GzipFile(mode=None): the mode is taken from the file object, opened 'wb' "
        "by atomic_write") for i in (199, 202)},
    "spectroclf.datasets._lab.x_write_lab_layout__mutmut_228": (
        "encode('UTF-8'): codec names are case-insensitive"),
    **{f"spectroclf.datasets._lab.x_load_multitask_spectrograms__mutmut_{i}": (
        "np.array(dtype=None) of the Python floats _parse_targets returns is float64")
       for i in (27, 29)},
})

EQUIVALENT.update({
    "spectroclf.preprocessing._label.xǁLabelTransformerǁtransform__mutmut_18": (
        "map_labels(drop=None): only tested for truth, None is as false as False"),
    **{f"spectroclf.preprocessing._label.xǁLabelTransformerǁtransform__mutmut_{i}": (
        "a one-argument setdiff1d raises TypeError, caught: the fallback finds the "
        "same unseen labels") for i in (25, 26)},
    "spectroclf.preprocessing._label.xǁLabelTransformerǁinverse_transform__mutmut_13": (
        "issubdtype(None, integer) is False: integer codes then take the float "
        "branch, whose astype(int64) leaves them as they are"),
})

_F = "spectroclf.features.x_"
EQUIVALENT.update({
    **{f"{_F}_decode_error__mutmut_{i}": (
        "decode('UTF-8'): Python's codec names are case-insensitive") for i in (18, 30)},
    f"{_F}_decode_error__mutmut_36": (
        "'XX\\t\\r\\nXX': the added X is printable, so allowed either way"),
    **{f"{_F}_decode_error__mutmut_{i}": (
        "getattr(cause, 'error_string', <default>): soundfile's LibsndfileError "
        "always has error_string, so the default is never used") for i in (55, 58, 61)},
    f"{_F}_decode_error__mutmut_65": (
        "rstrip('XX.XX') strips X too: libsndfile's error strings end in a letter "
        "other than X or in '.'"),
    **{f"{_F}load_audio__mutmut_{i}": (
        "warnings.filterwarnings matches message= case-insensitively") for i in (13, 14)},
    **{f"{_F}load_audio__mutmut_{i}": (
        "librosa.load's only warnings are 'PySoundFile failed' (a UserWarning of "
        "librosa's) and librosa's audioread FutureWarning: a wider filter drops "
        "nothing more") for i in (9, 19, 20)},
    f"{_F}load_audio__mutmut_31": "librosa.load's mono defaults to True",
    **{f"{_F}load_audio__mutmut_{i}": (
        "librosa.load returns float32 already (its dtype default)") for i in (47, 49)},
    f"{_F}beat_sync__mutmut_5": "_check_spectrogram's name defaults to 'S'",
    f"{_F}beat_frames__mutmut_31": "_check_spectrogram's name defaults to 'S'",
    f"{_F}_mel_power__mutmut_13": "scipy's get_window has fftbins=True by default",
    **{f"{_F}_mel_power__mutmut_{i}": (
        "as_strided(writeable=...): the frames view is only read (window * frames "
        "makes a new array)") for i in (33, 37, 41)},
    f"{_F}_mel_power__mutmut_61": (
        "einsum(optimize=None) takes the path code like True (only False runs the C "
        "loop); with two operands it is the same single contraction"),
    f"{_F}_mel_power__mutmut_67": (
        "'...FT,MF->...MT': the same contraction with other letters"),
    **{f"{_F}fused_spectrogram__mutmut_{i}": (
        "np.hstack of two float32 arrays is float32 already") for i in (27, 29)},
    **{f"{_F}_check_spectrogram__mutmut_{i}": (
        "the default name is never used: every caller passes name='S'") for i in (1, 2)},
    f"{_F}_hz_to_mel__mutmut_9": (
        "f > 1000 instead of >=: at exactly 1000 Hz both branches give the same "
        "double (14.999999999999998)"),
    f"{_F}_mel_to_hz__mutmut_9": (
        "mels > 1000 / f_sp instead of >=: at exactly that mel both branches give "
        "1000.0"),
    **{f"{_F}beat_frames__mutmut_{i}": (
        "librosa.beat.beat_track returns int64 frame indices already")
       for i in (50, 52)},
    f"{_F}beat_frames__mutmut_39": (
        "onset_strength(S=...) without sr: librosa uses sr only to compute a mel "
        "spectrogram from y"),
    f"{_F}beat_sync__mutmut_13": (
        "beats.size or ...: an empty array passes the whole-number check trivially "
        "and integer beats have no fraction; astype(int) follows either way"),
    f"{_F}beat_sync__mutmut_15": (
        "np.issubdtype(None, np.integer) reads None as float64: integer beats then "
        "pass the whole-number check and become int as before"),
    f"{_F}beat_sync__mutmut_32": "beats.astype(None): the next line casts to int again",
})

EQUIVALENT.update({
    **{f"spectroclf.nets._augment.x__one_mask__mutmut_{i}": (
        "torch.randint(high, size) is torch.randint(0, high, size): the same draws")
       for i in (7, 25)},
    "spectroclf.nets._augment.xǁAugmentCollateǁ_augment_clip__mutmut_10": (
        "torch.randint(high, size) is torch.randint(0, high, size): the same draws"),
    "spectroclf.nets._augment.xǁAugmentCollateǁ_augment_clip__mutmut_4": (
        "x.shape[0] >= crop_frames: a clip of exactly crop_frames is cropped at 0, "
        "i.e. kept whole (one more draw of the generator, no other difference)"),
    **{f"spectroclf.nets._augment.xǁAugmentCollateǁ_augment_clip__mutmut_{i}": (
        "dtype of the fill: clips are float32 (SpectrogramDataset), as are "
        "torch.zeros' default and the stored fill; .to(None) keeps the dtype")
       for i in (25, 27, 30)},
    **{f"spectroclf.nets._augment.xǁAugmentCollateǁ__init____mutmut_{i}": (
        "as_tensor(fill) without float32: the fill is cast to the clips' dtype "
        "where it is used") for i in (13, 15)},
    **{f"spectroclf.nets._augment.xǁAugmentCollateǁ__call____mutmut_{i}": (
        "zip(*batch, strict=...): a batch is a list of (x, y) pairs")
       for i in (2, 4, 5)},
    **{f"spectroclf.nets._augment.xǁAugmentCollateǁ__call____mutmut_{i}": (
        "torch.tensor of Python ints is int64 (torch.long) by default")
       for i in (10, 12)},
    "spectroclf.nets._augment.xǁAugmentCollateǁ_mix__mutmut_21": (
        "fill.to(None) keeps the dtype; the fill and the batch are float32"),
    "spectroclf.nets._augment.xǁCentreCropǁ__call____mutmut_12": (
        "len(x) >= crop: a clip of exactly crop frames sliced [0:crop] is whole"),
    **{f"spectroclf.nets._augment.x_crop_windows__mutmut_{i}": (
        "np.asarray(lengths) of integer lengths is already int64")
       for i in (12, 14)},
    **{f"spectroclf.nets._augment.xǁAugmentationǁpredict__mutmut_{i}": (
        "np.zeros is float64 by default") for i in (20, 22)},
    "spectroclf.nets._augment.xǁAugmentationǁpredict__mutmut_35": (
        "bincount without minlength: every clip owns at least one crop"),
})

EQUIVALENT.update({
    **{f"spectroclf.preprocessing._load.xǁSpectrogramLoaderǁtransform__mutmut_{i}": (
        "np.array(dtype=None) of a sample check_spectrograms already made float32")
       for i in (37, 39)},
})

_C = "spectroclf.nets._callbacks.x"
EQUIVALENT.update({
    **{f"{_C}ǁ_EarlyStoppingǁ__init____mutmut_{i}": (
        "load_best (None, left out, True): our on_train_end replaces skorch's, the "
        "only reader of skorch's best weights; load_best=True only copies them")
       for i in (5, 10, 15)},
    f"{_C}ǁ_EarlyStoppingǁ__init____mutmut_6": (
        "monitor left out: skorch's EarlyStopping monitors 'valid_loss' by default"),
    **{f"{_C}ǁ_EarlyStoppingǁon_train_begin__mutmut_{i}": (
        "skorch's EarlyStopping.on_train_begin reads neither net nor kwargs")
       for i in (1, 3)},
    f"{_C}ǁ_EarlyStoppingǁon_epoch_end__mutmut_15": (
        "skorch's EarlyStopping.on_epoch_end reads no kwargs"),
    f"{_C}ǁ_EarlyStoppingǁon_epoch_end__mutmut_4": (
        "loss <= lowest: a tie-break only; two epochs with exactly equal validation "
        "losses and different weights do not occur on data"),
    **{f"{_C}__stopped_early__mutmut_{i}": (
        "getattr(cb, 'misses_', default): on_train_begin sets misses_ before any "
        "epoch, so the default is never read") for i in (5, 8, 11)},
})

EQUIVALENT[f"{_C}ǁ_Divergedǁon_batch_end__mutmut_1"] = (
    "the default of training is never used: skorch passes training to every "
    "on_batch_end")

_D = "spectroclf.nets._data.x"
EQUIVALENT.update({
    **{f"{_D}_pad_collate__mutmut_{i}": (
        "zip(strict=...): every item of a SpectrogramDataset is an (x, y) pair")
       for i in (2, 4, 5)},
    **{f"{_D}_pad_collate__mutmut_{i}": (
        "torch.tensor of Python ints is int64 (torch.long) by default") for i in (8, 10)},
    **{f"{_D}ǁLengthBucketSamplerǁ__init____mutmut_{i}": (
        "lengths are only counted and ordered: ints given as any integer or float "
        "array sort the same") for i in (5, 7)},
    f"{_D}ǁLengthBucketSamplerǁ__iter____mutmut_31": (
        "np.argsort(kind='STABLE'): numpy reads kind case-insensitively"),
    f"{_D}ǁSpectrogramDatasetǁ__init____mutmut_23": (
        "np.fromiter without count: the same array, count only preallocates"),
})

EQUIVALENT.update({
    **{f"spectroclf.preprocessing._beat.x__sync_clip__mutmut_{i}": (
        "len(S) <= 2 / < 3: beat tracking splits no 2-frame clip, so its one segment "
        "is the whole clip, as reducing it directly gives") for i in (2, 3)},
    "spectroclf.preprocessing._beat.x__sync_clip__mutmut_15": (
        "always S[:, :n_mels]: a slice past the last column of a narrower S is all of S"),
    "spectroclf.preprocessing._beat.x__sync_clip__mutmut_17": (
        "S.shape[1] > n_mels: S[:, :n_mels] of an n_mels-column S is S"),
    "spectroclf.preprocessing._beat.xǁBeatSyncǁtransform__mutmut_10": (
        "tabular and ...: clips without memory or n_jobs then go through map_cached "
        "with one job, the same calls in order and the same values"),
    **{f"spectroclf.preprocessing._beat.xǁBeatSyncǁ_warn_if_synced__mutmut_{i}":
       _USER_WARNING for i in (14, 17)},
    **{f"spectroclf.preprocessing._beat.xǁBeatSyncǁ_warn_if_synced__mutmut_{i}": (
        "stacklevel only: checked by test_warns_with_the_median_frame_count, which "
        "cannot pass under mutmut's trampolines (deselected there)") for i in (18, 31)},
})

EQUIVALENT.update({
    **{f"spectroclf.persistence.x__plain__mutmut_{i}": (
        "where/notes of a dict key: keys are only converted when they are numpy "
        "scalars, str or int, which never reach the noted repr fallback")
       for i in (35, 36)},
})

_A = "spectroclf.nets._amp.x"
EQUIVALENT.update({
    f"{_A}_resolve_amp__mutmut_3": (
        "isinstance(amp, str) or ...: 'auto' is the only string that reaches "
        "resolve_amp (the estimators' parameter constraints refuse others)"),
    **{f"{_A}_resolve_amp__mutmut_{i}": _USER_WARNING for i in (21, 24)},
    **{f"{_A}_resolve_amp__mutmut_{i}": (
        "stacklevel only: mutmut's trampolines add frames, so where the warning "
        "points cannot be told apart under mutmut") for i in (25, 35)},
    **{f"{_A}__to_device__mutmut_{i}": (
        "non_blocking: changes when a pinned host-to-GPU copy returns, not what "
        "it gives") for i in (5, 6)},
    f"{_A}ǁ_MixedPrecisionǁinitialize__mutmut_8": (
        "GradScaler(None): the scaler keeps its scale on the loss's device, found "
        "at the first scale(); the device name only picks a warning"),
    f"{_A}ǁ_MixedPrecisionǁ_scaler__mutmut_9": (
        "enabled scaler but another dtype (a float16 net moved off CUDA): scaling "
        "by a power of two and unscaling is exact in float32, the same step; a "
        "disabled scaler's scale, unscale_ and step are skorch's step"),
    **{f"{_A}ǁ_MixedPrecisionǁ_scaler__mutmut_{i}": (
        "grad_scaler_ always exists (initialize sets it before any training step): "
        "the getattr default and the None test are never used") for i in (6, 10)},
    f"{_A}ǁ_MixedPrecisionǁ_scaler__mutmut_14": (
        "not equivalent, CUDA only: reached with an enabled scaler and amp "
        "True/'auto', i.e. on CUDA (TestOnCuda kills it); a dtype returns first"),
    f"{_A}ǁ_MixedPrecisionǁinfer__mutmut_3": (
        "skorch's infer moves the batch to the device itself (to_tensor); ours only "
        "makes the copy non-blocking"),
    **{f"{_A}ǁ_MixedPrecisionǁget_loss__mutmut_{i}": (
        "skorch's get_loss reads neither X nor training and moves y_true to the "
        "device itself") for i in (5, 6, 8)},
    **{f"{_A}ǁ_MixedPrecisionǁtrain_step_single__mutmut_{i}": (
        "get_loss(X=..., training=...): skorch's get_loss reads neither")
       for i in (17, 18, 21, 22, 23)},
})

_T = "spectroclf.nets._targets.x"
EQUIVALENT.update({
    **{f"{_T}ǁClassLabelsǁ__init____mutmut_{i}": (
        "the default criterion is never used: _NetClassifier passes its own")
       for i in (1, 2)},
    **{f"{_T}ǁRealTargetsǁ__init____mutmut_{i}": (
        "the default criterion is never used: _NetRegressor passes its own")
       for i in (1, 2)},
    **{f"{_T}ǁRealTargetsǁcallbacks__mutmut_{i}": (
        "the callback's name in callbacks_ is never looked up (the score's name, "
        "valid_spearman in the history, is tested)") for i in (2, 3)},
    f"{_T}ǁRealTargetsǁcallbacks__mutmut_11": (
        "use_caching only saves a second forward pass over the validation clips: "
        "the same predictions in eval mode"),
    **{f"{_T}__skorch_spearman__mutmut_{i}": (
        "reshape(n, -2): numpy reads any negative size as the unknown one, like -1")
       for i in (11, 19)},
    f"{_T}__skorch_spearman__mutmut_17": (
        "EpochScoring(use_caching=True) makes net.predict return the cached "
        "validation predictions, whatever X it is given"),
    f"{_T}__softmax__mutmut_5": (
        "softmax over dim +1 or -1: the logits are (batch, n_classes), dim 1 is the "
        "last"),
    f"{_T}ǁRealTargetsǁencode__mutmut_3": (
        "check_array(ensure_2d=None): None is as false as False"),
    f"{_T}ǁRealTargetsǁencode__mutmut_34": (
        "reshape(n, -2): numpy reads any negative size as the unknown one, like -1"),
    **{f"{_T}ǁRealTargetsǁencode__mutmut_{i}": (
        "the mean in float32 (numpy's pairwise sum) differs from the float64 one by "
        "float32 rounding only; the std is what needs float64") for i in (39, 41)},
    f"{_T}ǁRealTargetsǁencode__mutmut_50": (
        "scale <= 1e-12: a float64 std of exactly 1e-12 does not occur (a constant "
        "column's is 0)"),
    **{f"{_T}ǁRealTargetsǁtrain_split__mutmut_{i}": (
        "ValidSplit's stratified defaults to False, and None is as false")
       for i in (2, 5)},
    f"{_T}ǁ_NetRegressorǁpredict__mutmut_4": (
        "astype(None) gives float64, as astype(np.float64); y_scale_ is float64 too"),
    **{f"{_T}ǁRealTargetsǁnet_kwargs__mutmut_{i}": (
        "float64 target weights: the weighted loss is the same to float32 rounding "
        "(torch promotes the product)") for i in (16, 18)},
})

_J = "spectroclf.nets._joint.x"
EQUIVALENT.update({
    **{f"{_J}__as_targets__mutmut_{i}": (
        "targets is float64 (np.empty's default too): assigning a column converts "
        "it as asarray(dtype=float64) would, with the same errors")
       for i in (3, 5, 19, 21)},
    f"{_J}ǁ_LabelStratifiedSplitǁ__call____mutmut_2": (
        "y is never None: the estimator's fit always passes it to the split"),
    f"{_J}ǁ_LabelStratifiedSplitǁ__call____mutmut_5": (
        "labels as floats 0.0, 1.0, ...: stratified into the same classes as int64"),
    **{f"{_J}ǁ_LabelStratifiedSplitǁ__call____mutmut_{i}": (
        "ValidSplit with a fraction ignores groups") for i in (10, 13)},
    **{f"{_J}__label_accuracy__mutmut_{i}": (
        "EpochScoring(use_caching=True) makes net.predict return the cached "
        "validation predictions, whatever X it is given") for i in (3,)},
    f"{_J}__target_spearman__mutmut_3": (
        "EpochScoring(use_caching=True) makes net.predict return the cached "
        "validation predictions, whatever X it is given"),
    **{f"{_J}ǁ_HeadLossesǁon_batch_end__mutmut_{i}": (
        "not equivalent, CUDA only: on the CPU the labels are on y_pred's device "
        "already (test_cuda_with_mixed_precision kills it on a GPU)") for i in (12, 14)},
    **{f"{_J}ǁ_HeadLossesǁon_epoch_end__mutmut_{i}": (
        "sums_ always exists: on_epoch_begin sets it before any epoch ends")
       for i in (3, 6)},
    f"{_J}__as_labels__mutmut_11": (
        "labels are scalars: an object column that unboxes at all unboxes to 1-D, "
        "and a 1-D object unboxing holds the column's own values"),
    f"{_J}__as_labels__mutmut_15": _KIND,
    **{f"{_J}ǁLabelsAndTargetsǁencode__mutmut_{i}": (
        "arr is 1-D or has one column there: reshape(n, 1), (n, -1) and (n, -2) "
        "agree") for i in (23, 24)},
    f"{_J}__columns__mutmut_60": (
        "a 1-D y has no target column, so its one column name is never shown"),
    f"{_J}ǁLabelsAndTargetsǁnet_kwargs__mutmut_5": (
        "labels as floats 0.0, 1.0, ...: compute_class_weight counts the same classes"),
    **{f"{_J}ǁLabelsAndTargetsǁnet_kwargs__mutmut_{i}": (
        "float64 target weights: the weighted loss is the same to float32 rounding "
        "(torch promotes the product)") for i in (20, 22)},
    **{f"{_J}ǁLabelsAndTargetsǁcallbacks__mutmut_{i}": (
        "the callback's name in callbacks_ is never looked up (the scores' names in "
        "the history are tested)") for i in (3, 4, 10, 11, 29, 30)},
    **{f"{_J}ǁLabelsAndTargetsǁcallbacks__mutmut_{i}": (
        "use_caching only saves a second forward pass over the validation clips: "
        "the same predictions in eval mode") for i in (19, 38)},
    f"{_J}ǁJointCNNǁpredict_targets__mutmut_4": (
        "astype(None) of float32 outputs times float64 y_scale_ is float64 as well"),
    **{f"{_J}ǁJointCNNǁscore__mutmut_{i}": (
        "check_is_fitted without attributes also refuses an unfitted JointCNN: no "
        "attribute of it ends in '_' before fit") for i in (2, 4)},
})

_B = "spectroclf.nets._base.xǁ_SpectrogramNetǁ"
EQUIVALENT.update({
    f"{_B}_export_state__mutmut_17": (
        "no private attribute of an estimator ends in '_', so not startswith('_') "
        "and not startswith('XX_XX') keep the same names"),
    **{f"{_B}_export_state__mutmut_{i}": (
        "_build_net always passes iterator_train__drop_last: get_params' default "
        "is never read") for i in (30, 32, 35)},
    **{f"{_B}_from_state__mutmut_{i}": (
        "without an int random_state the saved split's seed was random: any "
        "fixed seed (0, 1 or None) rebuilds an equally valid net") for i in (27, 28)},
    f"{_B}_forward__mutmut_9": (
        "prepare reads the estimator only in fit (reset): in predict both inputs "
        "ignore it"),
    **{f"{_B}_forward__mutmut_{i}": (
        "reset=None: the inputs test reset for truth only, None is as false as False")
       for i in (12, 19)},
    f"{_B}_forward__mutmut_25": (
        "prepare(reset=True) in predict: spectrograms ignore reset; musicnn sets "
        "n_features_in_ to the same 96 and rebuilds its frozen backbone from the "
        "fitted one, so the same features, computed again"),
    **{f"{_B}_from_state__mutmut_{i}": (
        "the state always holds drop_last: _export_state writes it and persistence "
        "refuses a file without it, so get's default is never used") for i in (50, 52, 55)},
    f"{_B}_from_state__mutmut_58": (
        "reachable only with a GPU: fork_rng(devices=None) forks every CUDA device's "
        "generator, and without one only the CPU's, as devices=[] does"),
    **{f"{_B}_from_state__mutmut_{i}": _USER_WARNING for i in (75, 78)},
    **{f"{_B}_from_state__mutmut_{i}": (
        "stacklevel only: _from_state runs under mutmut's trampoline, so no test can "
        "check where the warning points there") for i in (79, 84)},
    f"{_B}_build_net__mutmut_12": (
        "amp_dtype '' or None: it is only tested for truth, for the divergence hint"),
    **{f"{_B}_build_net__mutmut_{i}": (
        "reachable only on a GPU: on the CPU the device type is 'cpu', so pin is "
        "False against any other name") for i in (46, 47)},
    f"{_B}_build_net__mutmut_87": (
        "reachable only on a GPU: without device= skorch trains on 'cpu', the "
        "device_ the CPU tests resolve"),
    "spectroclf.nets._base.x_clip_statistics__mutmut_8": (
        "count's first value is never read: the first clip sets it before the update"),
    **{f"{_B}_resume__mutmut_{i}": (
        "the callback's name is a label in net_.callbacks_ that nothing looks up")
       for i in (17, 18)},
    **{f"{_B}_resume__mutmut_{i}": (
        "reachable only with a GPU: without map_location a checkpoint written on the "
        "CPU loads on the CPU all the same") for i in (26, 29)},
    **{f"{_B}_resume__mutmut_{i}": (
        "torch >= 2.6 (the one tested) loads weights only by default; with an older "
        "torch the arbitrary-pickle test in test_base.py kills it") for i in (27, 30)},
})

EQUIVALENT.update({
    "spectroclf.nets._transfer.x_copy_weights__mutmut_36": (
        "reachable only on CUDA: on the CPU both networks' weights are on the CPU, "
        "and Tensor.to(None) leaves a weight where it is"),
    "spectroclf.nets._transfer.x__in_eval_mode__mutmut_1": (
        "training=None: batch normalisation reads the flag for truth only, and "
        "train() sets a bool again before the next step"),
})

_M = "spectroclf.musicnn._estimators.xǁMusicnnInputǁ"
EQUIVALENT.update({
    f"{_M}_frozen_backbone__mutmut_12": (
        "the frozen module's head is never used: only its backbone and input "
        "standardisation compute the features, so its size does not matter"),
    f"{_M}_frozen_backbone__mutmut_18": (
        "reachable only with a GPU: on the CPU the module is on the CPU already and "
        "Module.to(None) leaves it there"),
    f"{_M}prepare__mutmut_24": (
        "reachable only with a GPU: on the CPU device_ is 'cpu', where the new module "
        "is already, and Module.to(None) leaves it there"),
    f"{_M}_frozen_backbone__mutmut_10": (
        "the feature module only runs in eval mode under torch.no_grad "
        "(patch_features): whether its weights require gradients changes nothing"),
    f"{_M}check__mutmut_8": (
        "sr only names the rate in check_audio's message for a multichannel clip, "
        "which input_kind reports first (mixed input, or a spectrogram's bins)"),
    f"{_M}check__mutmut_23": "reset=None is falsy like False",
    f"{_M}check__mutmut_27": (
        "check_bins already refused every width but 96, so resetting n_features_in_ "
        "in predict writes the 96 it holds (and musicnn has no feature_names_in_)"),
})

EQUIVALENT.update({
    f"{_J}ǁLabelsAndTargetsǁ__init____mutmut_1": (
        "JointCNN always passes label_weight: LabelsAndTargets' default is never used"),
})

_PAR = "spectroclf.utils._parallel.x_map_cached__mutmut_"
EQUIVALENT.update({
    "spectroclf.utils._audio.x_check_audio__mutmut_28": _KIND,
    "spectroclf.utils._audio.x_check_audio__mutmut_97": _KIND,
    "spectroclf.utils._audio.x_check_audio__mutmut_94": (
        "an object clip cast to float64 instead of float32 is cast to float32 a few "
        "lines further down"),
    "spectroclf.utils._audio.x_check_audio__mutmut_117": (
        "astype(copy=None) copies only when needed, as copy=False does"),
    **{f"{_PAR}{i}": (
        "hits is built from calls, one per call: zip's strict never has a difference "
        "to find") for i in (27, 30, 31, 58, 61, 62)},
    **{f"spectroclf._validation.x_check_spectrograms__mutmut_{i}": (
        "getattr's default None is as false as False") for i in (3, 92)},
    f"{_PAR}33": (
        "computed is read only for a miss: when it keeps its default there are no "
        "misses, so None is never read"),
})

_I = "spectroclf.musicnn._inputs.x"
EQUIVALENT.update({
    **{f"{_I}_input_kind__mutmut_{i}": (
        "check_audio refuses a single path before it reads sr, which only names the "
        "rate of a multichannel clip") for i in (3, 6)},
    f"{_I}_input_kind__mutmut_12": _KIND,
    **{f"{_I}_input_kind__mutmut_{i}": (
        "input_kind's answer is only compared with 'audio': any other string means "
        "spectrograms") for i in (20, 21, 26, 27)},
    f"{_I}_check_bins__mutmut_3": "getattr's default None is as false as False",
    f"{_I}__clip_patch_features__mutmut_2": (
        "reachable only with a GPU: on the CPU the patches are made where the module "
        "is, and Tensor.to(None) leaves them there"),
    f"{_I}_patch_features__mutmut_25": (
        "the device type keys the cache only against features computed on another "
        "kind of device; the machines the tests run on have the CPU alone"),
    f"{_I}_patch_features__mutmut_34": (
        "without a cache the key is never read: hashing the backbone only costs time"),
    **{f"{_I}_patch_features__mutmut_{i}": (
        "hits is built from keys, one per key: zip's strict never has a difference "
        "to find") for i in (70, 73, 74, 98, 101, 102)},
})

STATUSES = ("killed", "survived", "timeout", "suspicious", "no tests", "skipped",
            "segfault", "not checked", "caught by type check",
            "check was interrupted by user")


def _source(module):
    return "spectroclf/" + module.replace(".", "/") + ".py"


def _prepare(module, fresh):
    """The module's work folder with its mutmut configuration."""
    folder = WORK / module
    if fresh and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "setup.cfg", folder / "setup.cfg")
    # the code and tests as they are now: mutmut copies them into mutants/ on every
    # run, mutates a changed module again (keeping the verdicts of its unchanged
    # functions) and collects the stats of new tests, so a rerun sees the edits since
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    for part in ("spectroclf", "tests"):
        shutil.copytree(ROOT / part, folder / part, dirs_exist_ok=True, ignore=ignore)
    pyproject = (ROOT / "pyproject.toml").read_text()
    tests = ", ".join(json.dumps(t) for t in MODULES[module])
    pyproject += f"""
[tool.mutmut]
source_paths = ["spectroclf"]
only_mutate = [{json.dumps(_source(module))}]
pytest_add_cli_args_test_selection = [{tests}]
pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x", "-m", "not slow"]
process_isolation = "forkserver"
# a mutant 4x slower than its tests (e.g. training 400 epochs without the cached
# features) is a timeout, counted as killed; mutmut's default waits 15x
timeout_multiplier = 4.0
use_git_change_detection = false
"""
    (folder / "pyproject.toml").write_text(pyproject)
    return folder


def _env():
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               SPECTROCLF_DATA=str(DATA), MPLBACKEND="Agg")
    env.pop("SPECTROCLF_REQUIRE_DATA", None)
    return env


def _mutmut(folder, *args, check=True, capture=False):
    """Run mutmut in its own process group, which stopping this script stops.

    mutmut forks a process per mutant, and those start joblib workers: killed
    alone, this script would leave them all running, writing verdicts into the
    work folder beside the next run's.
    """
    cmd = [sys.executable, "-m", "mutmut", *args]
    pipe = subprocess.PIPE if capture else None
    proc = subprocess.Popen(cmd, cwd=folder, env=_env(), text=True, stdout=pipe,
                            stderr=pipe, start_new_session=True)
    done = threading.Event()
    reaper = threading.Thread(target=_reap_orphans, args=(proc.pid, done), daemon=True)
    reaper.start()
    try:
        out, err = proc.communicate()
    except BaseException:  # Ctrl-C, or SIGTERM (see main)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    finally:
        done.set()
    if check and proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd, out, err)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _reap_orphans(group, done, every=15.0):
    """Kill the processes of mutmut's group whose parent has exited, until `done`.

    A mutant's test process exits when its tests end, but the joblib (loky) workers
    it started live on, orphaned, until loky's idle timeout of 5 minutes: about
    560 MB each, they add up to many GB over a run. An orphan is adopted by init or
    by a subreaper (systemd, a container's init), outside the group; every other
    process of the group but mutmut, its leader, has its parent in the group.
    Linux only (reads /proc); elsewhere a no-op.
    """
    while not done.wait(every):
        for stat in Path("/proc").glob("[0-9]*/stat"):
            pid = int(stat.parent.name)
            ppid, pgrp = _parent_and_group(pid)
            # the parent is read now, not from the listing: a new one is never missed
            if pgrp == group and pid != group and _parent_and_group(ppid)[1] != group:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:  # exited meanwhile
                    pass


def _parent_and_group(pid):
    """A process's parent pid and process group from /proc, (None, None) once gone."""
    try:
        # the command name in parentheses may hold spaces: split after it
        text = Path(f"/proc/{pid}/stat").read_text()
        ppid, pgrp = map(int, text.rsplit(")", 1)[1].split()[1:3])
    except (OSError, ValueError, IndexError):  # exited meanwhile (or no /proc)
        return None, None
    return ppid, pgrp


def _survivors(folder):
    """The mutants of the last run that no test killed and EQUIVALENT does not list."""
    out = _mutmut(folder, "results", "--all", "true", capture=True).stdout
    return [name for name, status in re.findall(r"^\s+(\S+): (.+)$", out, re.M)
            if status in ("survived", "suspicious", "no tests") and name not in EQUIVALENT]


def _summary(folder, module):
    """Counts per status and the survivors of the module's last run."""
    out = _mutmut(folder, "results", "--all", "true", capture=True).stdout
    counts = dict.fromkeys(STATUSES, 0)
    survivors = []
    for line in out.splitlines():
        match = re.match(r"\s+(\S+): (.+)$", line)
        if not match:
            continue
        name, status = match.groups()
        counts[status] = counts.get(status, 0) + 1
        if status in ("survived", "suspicious", "no tests"):  # a timeout is caught
            survivors.append((name, status))
    equivalent = {n: EQUIVALENT[n] for n, _ in survivors if n in EQUIVALENT}
    unexplained = []
    for name, status in survivors:
        if name in EQUIVALENT:
            continue
        diff = _mutmut(folder, "show", name, capture=True, check=False).stdout
        changed = [line for line in diff.splitlines()
                   if line.startswith(("-", "+")) and not line.startswith(("---", "+++"))]
        unexplained.append({"mutant": name, "status": status, "diff": changed})
    # a test run that crashed (segfault) caught its mutant as surely as a failure
    killed = (counts["killed"] + counts.get("caught by type check", 0)
              + counts.get("segfault", 0))
    checked = killed + counts["survived"] + counts["timeout"] + counts["suspicious"]
    non_equivalent = checked - len(equivalent)
    # a mutant that only times out is caught: the test run never finished
    score = (killed + counts["timeout"]) / non_equivalent if non_equivalent else None
    return {
        "source": _source(module),
        "tests": MODULES[module],
        "counts": {k: v for k, v in counts.items() if v},
        "score": None if score is None else round(score, 4),
        "equivalent": equivalent,
        "unexplained_survivors": unexplained,
        "finished": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _write(module, summary):
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.setdefault("modules", {})[module] = summary
    results["about"] = (
        "python tools/mutation.py: mutmut per module; score = (killed + segfault + "
        "timeout) / "
        "(mutants checked - equivalent); survivors are either 'equivalent' (with "
        "the reason) or 'unexplained_survivors' still to be killed by a test"
    )
    results["modules"] = dict(sorted(results["modules"].items()))
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="modules (see --list)")
    parser.add_argument("--all", action="store_true", help="every module in MODULES")
    parser.add_argument("--list", action="store_true", help="list modules and tests")
    parser.add_argument("--fresh", action="store_true",
                        help="forget earlier verdicts of these modules")
    parser.add_argument("--retest", action="store_true",
                        help="test again only the survivors not listed in EQUIVALENT "
                             "(after adding tests that should kill them)")
    parser.add_argument("--max-children", type=int, default=1,
                        help="mutants tested in parallel (default 1)")
    parser.add_argument("--summary-only", action="store_true",
                        help="rewrite the JSON from the work folders, run nothing")
    parser.add_argument("--show", metavar="MUTANT", help="print a mutant's diff")
    args = parser.parse_args(argv)
    # `kill <pid>` stops mutmut's process group too (_mutmut), as Ctrl-C does
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if args.list:
        for module, tests in MODULES.items():
            print(f"{module:22s} {_source(module):38s} {' '.join(tests)}")
        return 0
    if args.show:
        module = next(m for m in MODULES
                      if args.show.startswith(_source(m)[:-3].replace("/", ".") + "."))
        return _mutmut(WORK / module, "show", args.show, check=False).returncode
    modules = list(MODULES) if args.all else args.modules
    unknown = sorted(set(modules) - set(MODULES))
    if unknown or not modules:
        parser.error(f"unknown modules {unknown}; choose from {list(MODULES)}"
                     if unknown else "name modules or pass --all")
    for module in modules:
        folder = _prepare(module, args.fresh and not args.summary_only)
        if not args.summary_only:
            print(f"== {module} ({_source(module)}) in {folder}", flush=True)
            names = _survivors(folder) if args.retest else []
            if args.retest and not names:
                print(f"== {module}: no survivors to test again", flush=True)
            else:
                _mutmut(folder, "run", "--max-children", str(args.max_children),
                        *names, check=False)
        summary = _summary(folder, module)
        _write(module, summary)
        print(f"== {module}: {summary['counts']} score {summary['score']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
