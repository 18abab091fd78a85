"""Synthesis primitives of :func:`make_music`: genre recipes, oscillators,
envelopes, a drum kit, and one clip from a recipe."""

import numpy as np

# 16 steps per 4/4 bar (sixteenth notes); 'x' = hit.
_RECIPES = {
    "rock": dict(
        tempo=(100, 150),
        p_major=0.65,
        gain=(0.7, 1.0),
        jitter=(0.002, 0.008),
        swing=(0.0, 0.0),
        hat_drop=(0.0, 0.3),
        kick="x.......x.x.....",
        snare="....x.......x...",
        hat="x.x.x.x.x.x.x.x.",
        kick_heavy=False,
        chord_wave="saw",
        chord_style="sustain",
        chord_octave=0,
        seventh=False,
        bass_wave="saw",
        bass_pattern="eighths",
        bass_octave=-2,
        drive=3.0,
        cutoff=5000.0,
        levels=(1.0, 0.6, 0.5),
    ),
    "electronic": dict(
        tempo=(118, 132),
        p_major=0.5,
        gain=(0.7, 1.0),
        jitter=(0.0, 0.0),
        swing=(0.0, 0.0),
        hat_drop=(0.0, 0.2),
        kick="x...x...x...x...",
        snare="....x.......x...",
        hat="..x...x...x...x.",
        kick_heavy=False,
        chord_wave="square",
        chord_style="stabs",
        chord_octave=1,
        seventh=False,
        bass_wave="square",
        bass_pattern="offbeat",
        bass_octave=-2,
        drive=1.0,
        cutoff=8000.0,
        levels=(1.0, 0.5, 0.35),
    ),
    "classical": dict(
        tempo=(60, 100),
        p_major=0.6,
        gain=(0.25, 0.6),
        jitter=(0.0, 0.0),
        swing=(0.0, 0.0),
        hat_drop=(0.0, 0.0),
        kick=None,
        snare=None,
        hat=None,
        kick_heavy=False,
        chord_wave="strings",
        chord_style="pad",
        chord_octave=0,
        seventh=False,
        bass_wave="strings",
        bass_pattern="whole",
        bass_octave=-1,
        drive=1.0,
        cutoff=2500.0,
        levels=(0.0, 0.5, 0.8),
    ),
    "hiphop": dict(
        tempo=(80, 96),
        p_major=0.35,
        gain=(0.6, 0.95),
        jitter=(0.0, 0.006),
        swing=(0.05, 0.12),
        hat_drop=(0.0, 0.3),
        kick="x......x..x.....",
        snare="....x.......x...",
        hat="x.x.x.x.x.x.x.x.",
        kick_heavy=True,
        chord_wave="epiano",
        chord_style="sustain",
        chord_octave=0,
        seventh=True,
        bass_wave="sine",
        bass_pattern="whole",
        bass_octave=-3,
        drive=1.5,
        cutoff=3000.0,
        levels=(1.4, 0.45, 0.9),
    ),
    "jazz": dict(
        tempo=(110, 180),
        p_major=0.6,
        gain=(0.4, 0.75),
        jitter=(0.004, 0.012),
        swing=(0.12, 0.167),
        hat_drop=(0.0, 0.2),
        kick="x...............",
        snare="......x.......x.",
        hat="x...x.xxx...x.xx",
        kick_heavy=False,
        chord_wave="triangle",
        chord_style="comp",
        chord_octave=0,
        seventh=True,
        bass_wave="triangle",
        bass_pattern="walking",
        bass_octave=-2,
        drive=1.0,
        cutoff=4000.0,
        levels=(0.4, 0.5, 0.5),
    ),
    "ambient": dict(
        tempo=(60, 80),
        p_major=0.5,
        gain=(0.2, 0.5),
        jitter=(0.0, 0.0),
        swing=(0.0, 0.0),
        hat_drop=(0.0, 0.0),
        kick=None,
        snare=None,
        hat=None,
        kick_heavy=False,
        chord_wave="sine",
        chord_style="pad",
        chord_octave=1,
        seventh=True,
        bass_wave="sine",
        bass_pattern="whole",
        bass_octave=-2,
        drive=1.0,
        cutoff=1500.0,
        levels=(0.0, 0.6, 1.0),
    ),
}
# chord progressions: (semitones above the key, quality); one chord per bar
_PROGRESSIONS = {
    True: [(0, "M"), (5, "M"), (7, "M"), (0, "M")],  # I IV V I
    False: [(0, "m"), (5, "m"), (7, "m"), (0, "m")],  # i iv v i
}
_TRIADS = {"M": (0, 4, 7), "m": (0, 3, 7)}
_SEVENTHS = {"M": 11, "m": 10}


def _midi_hz(m):
    return 440.0 * 2.0 ** ((np.asarray(m, dtype=float) - 69.0) / 12.0)


def _frac(ph):
    return ph - np.floor(ph)


def _osc(wave, freq, t, vib=None):
    """Waveform at ``freq`` Hz over times ``t`` (cheap, non-band-limited)."""
    freq = np.float32(freq)
    if wave == "strings":  # two detuned saws with vibrato (``vib``: phase wobble)
        ph = freq * t + vib * freq
        return _frac(ph) + _frac(ph * np.float32(1.004)) - np.float32(1.0)
    ph = freq * t
    if wave == "sine":
        return np.sin(np.float32(2 * np.pi) * ph)
    if wave == "saw":
        return np.float32(2.0) * _frac(ph) - np.float32(1.0)
    if wave == "square":
        return np.where(_frac(ph) < 0.5, np.float32(1.0), np.float32(-1.0))
    if wave == "triangle":
        return np.float32(4.0) * np.abs(_frac(ph) - np.float32(0.5)) - np.float32(1.0)
    if wave == "epiano":
        w = np.float32(2 * np.pi) * ph
        return np.sin(w) + np.float32(0.3) * np.sin(2 * w) * np.exp(
            np.float32(-3.0) * t
        )
    raise ValueError(wave)  # pragma: no cover - recipes are fixed


def _envelope(n, sr, attack, decay=None, release=0.01):
    t = np.arange(n, dtype=np.float32) / np.float32(sr)
    env = np.minimum(np.float32(1.0), t / np.float32(max(attack, 1e-4)))
    if decay is not None:
        env *= np.exp(-t / np.float32(decay))
    r = min(n, max(1, int(release * sr)))
    if n > 1:
        env[-r:] *= np.linspace(1.0, 0.0, r, dtype=np.float32)
    return env


def _add(buf, start, sig):
    start = int(start)
    if start >= len(buf) or start + len(sig) <= 0:
        return
    lo = max(0, -start)
    end = min(len(buf), start + len(sig))
    buf[start + lo : end] += sig[lo : end - start]


def _notes(wave, pitches, n, sr, attack, decay=None):
    """Mean of notes at MIDI ``pitches`` sharing one envelope, ``n`` samples."""
    t = np.arange(n, dtype=np.float32) / np.float32(sr)
    vib = None
    if wave == "strings":
        vib = np.float32(-0.004 / (2 * np.pi * 5.5)) * np.cos(
            np.float32(2 * np.pi * 5.5) * t
        )
    sig = np.zeros(n, dtype=np.float32)
    for p in pitches:
        sig += _osc(wave, _midi_hz(p), t, vib)
    return sig * (_envelope(n, sr, attack, decay) / np.float32(len(pitches)))


def _lowpass(x, cutoff, sr):
    from scipy.signal import lfilter

    a = np.exp(-2 * np.pi * cutoff / sr)
    return lfilter([1 - a], [1, -a], x)


def _drum_kit(rng, sr, heavy):
    t = np.arange(int((0.6 if heavy else 0.3) * sr)) / sr
    f = 45 + (160 - 45) * np.exp(-t / (0.05 if heavy else 0.03))
    kick = np.sin(2 * np.pi * np.cumsum(f) / sr) * np.exp(-t / (0.3 if heavy else 0.12))
    t = np.arange(int(0.2 * sr)) / sr
    noise = rng.standard_normal(len(t))
    snare = 0.6 * np.diff(noise, prepend=0.0) * np.exp(-t / 0.06) + 0.5 * np.sin(
        2 * np.pi * 190 * t
    ) * np.exp(-t / 0.05)
    t = np.arange(int(0.06 * sr)) / sr
    noise = rng.standard_normal(len(t))
    hat = 0.35 * np.diff(noise, prepend=0.0) * np.exp(-t / 0.015)
    return kick, snare, hat


def _make_clip(recipe, rng, n, sr):
    """One waveform and the parameters it was made from."""
    r = recipe
    tempo = rng.uniform(*r["tempo"])
    major = bool(rng.random_sample() < r["p_major"])
    gain = rng.uniform(*r["gain"])
    jitter = rng.uniform(*r["jitter"])
    swing = rng.uniform(*r["swing"])
    hat_drop = rng.uniform(*r["hat_drop"])
    key = int(rng.randint(48, 60))  # C3..B3
    beat = 60.0 / tempo * sr  # samples per beat
    step = beat / 4.0
    bar = 4 * beat
    n_bars = int(np.ceil(n / bar))
    level_d, level_b, level_c = (v * rng.uniform(0.85, 1.15) for v in r["levels"])

    drums = np.zeros(n, dtype=np.float32)
    n_hits = 0
    if r["kick"] is not None:
        kick, snare, hat = _drum_kit(rng, sr, r["kick_heavy"])
        for b in range(n_bars):
            for k in range(16):
                pos = b * bar + k * step + (swing * beat if k % 4 == 2 else 0.0)
                for pattern, sound, amp in (
                    (r["kick"], kick, 1.0),
                    (r["snare"], snare, 0.8),
                    (r["hat"], hat, 1.0),
                ):
                    if pattern[k] != "x":
                        continue
                    if sound is hat and rng.random_sample() < hat_drop:
                        continue
                    jit = rng.normal(0.0, jitter) * sr if jitter else 0.0
                    if pos + jit < n:
                        _add(drums, pos + jit, amp * sound)
                        n_hits += 1

    chords = np.zeros(n, dtype=np.float32)
    bass = np.zeros(n, dtype=np.float32)
    prog = _PROGRESSIONS[major]
    for b in range(n_bars):
        offset, quality = prog[b % len(prog)]
        root = key + offset + 12 * r["chord_octave"]
        notes = [root + i for i in _TRIADS[quality]]
        if r["seventh"]:
            notes.append(root + _SEVENTHS[quality])
        start = b * bar
        style = r["chord_style"]
        if style in ("sustain", "pad"):
            hits = [(0, 16)]
        elif style == "stabs":
            hits = [(k, 1) for k in (2, 6, 10, 14)]
        else:  # comp
            hits = [(0, 3), (6, 2), (11, 3)]
        attack = 0.25 if style == "pad" else 0.005
        decay = 0.15 if style == "stabs" else (0.6 if style == "comp" else None)
        for k, length in hits:
            m = int(length * step)
            _add(
                chords,
                start + k * step,
                _notes(r["chord_wave"], notes, m, sr, attack, decay),
            )

        broot = key + offset + 12 * r["bass_octave"]
        pattern = r["bass_pattern"]
        if pattern == "eighths":
            bnotes = [(k, 2, 0) for k in range(0, 16, 2)]
        elif pattern == "offbeat":
            bnotes = [(k, 2, 0) for k in (2, 6, 10, 14)]
        elif pattern == "walking":
            third = _TRIADS[quality][1]
            bnotes = [
                (0, 4, 0),
                (4, 4, third),
                (8, 4, 7),
                (12, 4, 10 if quality == "m" else 11),
            ]
        else:  # whole
            bnotes = [(0, 16, 0)]
        battack = 0.1 if r["bass_wave"] == "strings" else 0.005
        for k, length, interval in bnotes:
            m = int(length * step)
            _add(
                bass,
                start + k * step,
                _notes(r["bass_wave"], [broot + interval], m, sr, battack),
            )

    mix = level_c * _lowpass(chords, r["cutoff"], sr) + level_b * _lowpass(
        bass, 800.0, sr
    )
    mix = mix + level_d * drums
    if r["drive"] > 1.0:
        mix = np.tanh(r["drive"] * mix / (np.max(np.abs(mix)) + 1e-12))
    peak = np.max(np.abs(mix))
    mix = mix / peak * gain if peak > 0 else mix

    duration = n / sr
    tempo_norm = float(np.clip((tempo - 60.0) / 120.0, 0.0, 1.0))
    density = min(1.0, n_hits / duration / 16.0)
    loud = (gain - 0.2) / 0.8
    regular = (
        0.0
        if r["kick"] is None
        else (1.0 - 2.0 * swing) * (1.0 - min(1.0, jitter / 0.02))
    )
    valence = 0.2 + 0.45 * major + 0.35 * tempo_norm
    energy = 0.4 * loud + 0.35 * density + 0.25 * tempo_norm
    dance = 0.6 * regular + 0.4 * np.exp(-(((tempo - 120.0) / 25.0) ** 2))
    emotion = np.clip([valence, energy, dance], 0.0, 1.0)
    return mix.astype(np.float32), emotion
