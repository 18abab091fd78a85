"""Synthetic music: genre-labelled clips with emotion targets, and the same as
spectrograms in the lab layout."""

from pathlib import Path

import numpy as np
from sklearn.utils import Bunch, check_random_state

from .. import features as _features
from ._instruments import _RECIPES, _make_clip
from ._lab import write_lab_layout

_DEFAULT_GENRES = ("rock", "electronic", "classical", "hiphop")
_EMOTION_NAMES = ["valence", "energy", "danceability"]


def make_music(
    n_samples=100, *, genres=None, duration=4.0, sr=22050, random_state=None
):
    """Generate synthetic music clips with genre labels and emotion targets.

    Each genre is a recipe: a tempo range, a drum pattern (synthesised
    kick, snare and hi-hat bursts, or no drums), a bass line, chords in a
    major or minor key with a genre-specific waveform, timing jitter and
    swing, and a loudness range. The recipes are

    ========== ======= ========================================================
    genre      tempo   sound
    ========== ======= ========================================================
    rock       100-150 driven saw chords, 8th-note saw bass, rock beat
    electronic 118-132 square stabs on the off-beats, four-on-the-floor kick
    classical  60-100  string-like pads and bass, no drums, soft
    hiphop     80-96   slow swung beat, heavy sub-bass kick, e-piano 7th chords
    jazz       110-180 swung ride, triangle 7th-chord comping, walking bass
    ambient    60-80   sine pads, drones, no drums, very soft
    ========== ======= ========================================================

    The emotion targets are computed from how each clip was made, in [0, 1]:

    - ``valence``: ``0.2 + 0.45 * major + 0.35 * tempo_norm``;
    - ``energy``: ``0.4 * loudness + 0.35 * drum_density + 0.25 * tempo_norm``;
    - ``danceability``: ``0.6 * regularity + 0.4 * exp(-((tempo - 120) / 25)**2)``,

    with ``tempo_norm = clip((tempo - 60) / 120, 0, 1)``, ``loudness`` the
    peak level rescaled from [0.2, 1] to [0, 1], ``drum_density`` the drum
    hits per second over 16, and ``regularity`` 0 without drums, else
    ``(1 - 2 * swing) * (1 - jitter / 20 ms)``.

    Parameters
    ----------
    n_samples : int, default=100
        Number of clips. Genres are balanced (counts differ by at most one)
        and shuffled.
    genres : int, list of str or None, default=None
        None: ``["rock", "electronic", "classical", "hiphop"]``; an int
        ``k``: the first ``k`` recipes of the table above (1-6); a list:
        those recipes by name.
    duration : float, default=4.0
        Clip length in seconds.
    sr : int, default=22050
        Sample rate in Hz.
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible output.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``data``: list of ``n_samples`` float32 waveforms
          [shape=(round(duration * sr),)], within [-1, 1];
        - ``target``: np.ndarray of str genre names [shape=(n_samples,)];
        - ``target_names``: the genres used, in recipe order;
        - ``emotion``: float64 np.ndarray [shape=(n_samples, 3)];
        - ``emotion_names``: ``["valence", "energy", "danceability"]``;
        - ``sr``; ``DESCR``.

    Examples
    --------
    >>> from spectroclf.datasets import make_music
    >>> music = make_music(8, genres=2, duration=1.0, random_state=0)
    >>> len(music.data), music.data[0].shape, music.emotion.shape
    (8, (22050,), (8, 3))
    >>> sorted(set(music.target.tolist()))
    ['electronic', 'rock']
    """
    if (
        isinstance(n_samples, bool)
        or not isinstance(n_samples, (int, np.integer))
        or n_samples < 1
    ):
        raise ValueError(f"n_samples must be a positive int, got {n_samples!r}")
    if not np.isscalar(duration) or not duration > 0:
        raise ValueError(
            f"duration must be a positive number of seconds, got {duration!r}"
        )
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)) or sr < 1000:
        raise ValueError(f"sr must be an int sample rate >= 1000 Hz, got {sr!r}")
    available = list(_RECIPES)
    if genres is None:
        names = list(_DEFAULT_GENRES)
    elif isinstance(genres, (int, np.integer)) and not isinstance(genres, bool):
        if not 1 <= genres <= len(available):
            raise ValueError(
                f"genres={genres} but there are {len(available)} recipes; "
                f"use 1-{len(available)} or a list of names from {available}"
            )
        names = available[: int(genres)]
    elif isinstance(genres, str):
        raise TypeError(
            f"genres must be an int or a list of names, got the str {genres!r}; "
            f"use [{genres!r}]"
        )
    else:
        names = list(genres)
        unknown = [g for g in names if g not in _RECIPES]
        if unknown:
            raise ValueError(
                f"unknown genre(s) {unknown}; valid genres are {available}"
            )
        if not names:
            raise ValueError(f"genres is empty; choose from {available}")
        if len(set(names)) != len(names):
            raise ValueError(f"genres {names} has duplicates")
    rng = check_random_state(random_state)
    n = max(1, int(round(duration * sr)))
    labels = np.array([names[i % len(names)] for i in range(n_samples)])
    labels = labels[rng.permutation(n_samples)]
    data, emotion = [], np.empty((n_samples, 3))
    for i, g in enumerate(labels):
        y, emotion[i] = _make_clip(_RECIPES[g], rng, n, sr)
        data.append(y)
    return Bunch(
        data=data,
        target=labels,
        target_names=names,
        emotion=emotion,
        emotion_names=list(_EMOTION_NAMES),
        sr=sr,
        DESCR=(
            f"Synthetic music: {n_samples} clips of {n / sr:g} s at {sr} Hz, "
            f"genres {names} (balanced), emotion targets {_EMOTION_NAMES} in "
            "[0, 1] computed from each clip's recipe (see make_music)."
        ),
    )


# ---------------------------------------------------------------------------
# generated music in the lab layout

_LAB_GENRE_NAMES = {
    "rock": "Rock",
    "electronic": "Electronic",
    "classical": "Classical",
    "hiphop": "Hip-Hop",
    "jazz": "Jazz",
    "ambient": "Ambient",
}
_LAB_FOLDERS = ("genre", "genre_beat", "multitask", "multitask_beat")


def _check_count(value, name, minimum):
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or value < minimum
    ):
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def make_lab_data(
    out_dir,
    *,
    n_train=60,
    n_test=20,
    duration=4.0,
    genres=None,
    random_state=None,
):
    """Write generated music as spectrograms in the lab's four-folder layout.

    A stand-in for ``emotify-lab`` when the real data is absent: clips of
    :func:`make_music` are turned into fused spectrograms (128 log-mel +
    12 chroma bins) and written with :func:`write_lab_layout` to the same
    four folders as the lab's::

        out_dir/
            genre/{train,test}/<id>.fused.full.npy.gz           full length
                {train,test}_labels.txt                          Id<TAB>Genre
            genre_beat/{train,test}/<id>.fused.full.npy.gz      beat-synced
                {train,test}_labels.txt
            multitask/{train,test}/<id>.fused.full.npy.gz       full length
                train_labels.txt                                 Id,valence,energy,danceability
            multitask_beat/{train,test}/<id>.fused.full.npy.gz  beat-synced
                train_labels.txt

    As in ``emotify-lab``, the ``multitask`` folders hold the same clips
    as the ``genre`` ones (as copies, not links), and their test splits
    have no labels file: the loaders return ``target=None`` for them.
    The recipe is the lab's, from the audio at 22050 Hz with hops of 512
    samples: :func:`~spectroclf.features.fused_spectrogram` for the
    full-length arrays, and the median over each inter-beat segment
    (:func:`~spectroclf.features.beat_sync`) of the beats found by
    :func:`~spectroclf.features.beat_frames` (``beat_track`` on the
    percussive part of the waveform) for the beat-synced ones.

    Genres are balanced within each split (counts differ by at most one)
    and named like the lab's: ``"Rock"``, ``"Electronic"``,
    ``"Classical"``, ``"Hip-Hop"``, ``"Jazz"``, ``"Ambient"``. Ids are
    ``1 .. n_train`` for the training clips and ``n_train + 1 ..
    n_train + n_test`` for the test clips. The emotion targets are those
    of :func:`make_music` (valence, energy, danceability in [0, 1]), not
    the lab's nine GEMS scores.

    Parameters
    ----------
    out_dir : str or path-like
        Folder to write to (created if needed). Its ``genre``,
        ``genre_beat``, ``multitask`` and ``multitask_beat`` sub-folders
        must be absent or empty, e.g. ``tempfile.mkdtemp()``.
    n_train : int, default=60
        Number of training clips (at least 1).
    n_test : int, default=20
        Number of test clips; 0 writes no ``test`` split.
    duration : float, default=4.0
        Clip length in seconds (the lab's clips are 30 s: 1292 frames).
        A 4-s clip has 173 frames and about 8 beat-synced frames. Below
        about 3 s librosa's ``chroma_cqt`` warns that ``n_fft`` is too
        large for its lowest octaves (harmless here).
    genres : int, list of str or None, default=None
        The :func:`make_music` recipes to use (lower-case names), e.g.
        ``["classical", "electronic"]``; None: rock, electronic, classical
        and hiphop.
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible output: the same seed writes the same files.

    Returns
    -------
    out_dir : pathlib.Path
        The folder ``out_dir``; load its parts with
        ``load_genre_spectrograms(out_dir / "genre_beat")`` or
        ``load_multitask_spectrograms(out_dir / "multitask_beat")``.

    Raises
    ------
    ValueError
        Bad ``n_train``, ``n_test``, ``duration`` or ``genres``.
    FileExistsError
        If one of the four sub-folders already holds files.

    See Also
    --------
    make_music : the waveforms, genre labels and emotion targets.
    shared_data_dir : where the real ``emotify-lab`` folder is.

    Examples
    --------
    >>> import tempfile
    >>> from spectroclf.datasets import (
    ...     load_genre_spectrograms, load_multitask_spectrograms, make_lab_data)
    >>> lab = make_lab_data(tempfile.mkdtemp(), n_train=4, n_test=2, duration=3.0,
    ...                     random_state=0)
    >>> sorted(p.name for p in lab.iterdir())
    ['genre', 'genre_beat', 'multitask', 'multitask_beat']
    >>> train = load_genre_spectrograms(lab / "genre", split="train")
    >>> len(train.data), train.data[0].shape, train.target_names
    (4, (130, 140), ['Classical', 'Electronic', 'Hip-Hop', 'Rock'])
    >>> test = load_multitask_spectrograms(lab / "multitask_beat", split="test")
    >>> len(test.data), test.target is None
    (2, True)
    """
    n_train = _check_count(n_train, "n_train", 1)
    n_test = _check_count(n_test, "n_test", 0)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"out_dir '{out_dir}' exists and is not a folder")
    for folder in _LAB_FOLDERS:
        d = out_dir / folder
        if d.is_dir() and any(d.iterdir()):
            raise FileExistsError(
                f"'{d}' is not empty; make_lab_data writes a whole data set and "
                "does not mix it with older files: pass a new or empty folder, "
                "e.g. tempfile.mkdtemp()"
            )
    rng = check_random_state(random_state)
    first_id = 1
    for split, n in (("train", n_train), ("test", n_test)):
        if n == 0:
            continue
        music = make_music(n, genres=genres, duration=duration, random_state=rng)
        ids = [str(first_id + i) for i in range(n)]
        first_id += n
        full, beat = [], []
        for y in music.data:
            S = _features.fused_spectrogram(y=y, sr=music.sr)
            beats = _features.beat_frames(y=y, sr=music.sr)
            full.append(S)
            beat.append(_features.beat_sync(S, beats[beats <= len(S)]))
        genre_names = [_LAB_GENRE_NAMES[g] for g in music.target]
        # the lab withholds the emotion targets of its test clips
        emotion = (
            dict(targets=music.emotion, target_names=music.emotion_names)
            if split == "train"
            else {}
        )
        for kind, specs in (("", full), ("_beat", beat)):
            write_lab_layout(
                out_dir / f"genre{kind}", specs, ids, split=split, genres=genre_names
            )
            write_lab_layout(
                out_dir / f"multitask{kind}", specs, ids, split=split, **emotion
            )
    return out_dir
