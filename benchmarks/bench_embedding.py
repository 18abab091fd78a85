"""Benchmark: MusicnnEmbedding clips/s on 30-s clips, stage by stage.

On the Emotify 30-s OGG clips of the shared data, in one process:

1. **stages** -- the cost per clip of each step of :class:`spectroclf.MusicnnEmbedding`:
   decoding the OGG (soundfile, at its 22 050 Hz), resampling to musicnn's 16 kHz
   (soxr "hq", what ``librosa.load(path, sr=16000)`` does after decoding: no decoder
   here decodes to 16 kHz directly), the 96-band mel power spectrogram, its log and the
   cut into 3-s patches, and the network's forward pass (10 patches per clip, batched
   32 at a time across clips);
2. **network** -- the forward pass alone, under variants: ``torch.no_grad`` (0.1) vs
   ``torch.inference_mode``, batches of 10 / 32 / 80 patches, 1 vs 2 torch threads; and
   its arithmetic: multiply-adds per patch (counted from the layers' shapes) against the
   float32 matrix-multiply rate this machine reaches (``torch.mm``), i.e. the fastest
   the network could run here without changing its numbers;
3. **end to end** -- ``transform`` on uncached clips: the 0.1 code path (all clips'
   patches computed, concatenated, then the network) against the current one (clips
   streamed into the network as their patches arrive, cache hits served in this
   process), ``n_jobs=1`` and ``2``, alternating round by round.

Target (issue #12): >= 10 clips/s on 2 cores, or the stage that is the floor and its
measured cost.

Run from the repository root::

    python benchmarks/bench_embedding.py            # 8 clips, 3 rounds
    python benchmarks/bench_embedding.py --quick    # CI: 2 clips, 1 round

Prints a table and writes ``benchmarks/results/embedding.json``
(``embedding.quick.json`` with ``--quick``).
"""

import argparse
import os
import statistics
import time

import _common
import numpy as np
import soundfile
import torch

from spectroclf.features import load_audio
from spectroclf.musicnn import MusicnnEmbedding, musicnn_patches
from spectroclf.musicnn._frontend import (
    MUSICNN_HOP_LENGTH,
    MUSICNN_N_FFT,
    MUSICNN_N_MELS,
    MUSICNN_SR,
    _clip_patches,
)


def timed(func, *args, **kwargs):
    start = time.perf_counter()
    out = func(*args, **kwargs)
    return time.perf_counter() - start, out


def stage_costs(paths, net, batch_size=32):
    """Seconds per clip of each stage of the embedding, on these files."""
    import librosa

    t = dict.fromkeys(["decode (soundfile, 22 050 Hz)", "resample to 16 kHz (soxr hq)",
                       "load_audio(sr=16000) (decode + resample + checks)",
                       "mel power spectrogram (STFT 512 / hop 256, 96 bands)",
                       "log10(1 + 10000 S) and 3-s patches"], 0.0)
    patches = []
    for path in paths:
        dt, (y22, sr) = timed(soundfile.read, path, dtype="float32")
        t["decode (soundfile, 22 050 Hz)"] += dt
        t["resample to 16 kHz (soxr hq)"] += timed(
            librosa.resample, y22, orig_sr=sr, target_sr=MUSICNN_SR, res_type="soxr_hq")[0]
        dt, y = timed(load_audio, path, sr=MUSICNN_SR)
        t["load_audio(sr=16000) (decode + resample + checks)"] += dt
        dt, S = timed(librosa.feature.melspectrogram, y=y, sr=MUSICNN_SR,
                      hop_length=MUSICNN_HOP_LENGTH, n_fft=MUSICNN_N_FFT,
                      n_mels=MUSICNN_N_MELS)
        t["mel power spectrogram (STFT 512 / hop 256, 96 bands)"] += dt
        dt, P = timed(lambda S=S: musicnn_patches(np.log10(10000 * S.T.astype(np.float32) + 1)))
        t["log10(1 + 10000 S) and 3-s patches"] += dt
        patches.append(P)
    allp = torch.from_numpy(np.concatenate(patches))
    with torch.inference_mode():
        dt = timed(lambda: [net.forward_features(b) for b in allp.split(batch_size)])[0]
    t[f"network forward ({len(allp) // len(paths)} patches, batches of {batch_size})"] = dt
    return {k: v / len(paths) for k, v in t.items()}, allp


def count_macs(net):
    """Multiply-adds of one 187-frame patch, from the conv and linear layers' shapes."""
    macs = []

    def hook(module, inputs, output):
        if isinstance(module, (torch.nn.Conv1d, torch.nn.Conv2d)):
            per_out = module.weight[0].numel()  # in_channels x kernel
            macs.append(output.numel() * per_out)
        elif isinstance(module, torch.nn.Linear):
            macs.append(module.weight.numel())

    handles = [m.register_forward_hook(hook) for m in net.modules()
               if isinstance(m, (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Linear))]
    with torch.inference_mode():
        net.forward_features(torch.zeros(1, 187, 96))
    for h in handles:
        h.remove()
    return sum(macs)


def sgemm_gflops(n=2048, repeats=5):
    """The best float32 matrix-multiply rate of ``repeats`` products (GFLOP/s)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    return max(2 * n**3 / timed(torch.mm, a, b)[0] / 1e9 for _ in range(repeats))


def network_variants(net, patches, rounds):
    """Seconds per 10 patches (one 30-s clip) of the forward pass, by variant."""
    threads = torch.get_num_threads()
    variants = {
        "no_grad, batch 32 (0.1)": (torch.no_grad, 32, threads),
        "inference_mode, batch 32": (torch.inference_mode, 32, threads),
        "inference_mode, batch 10 (one clip)": (torch.inference_mode, 10, threads),
        "inference_mode, batch 80": (torch.inference_mode, 80, threads),
        "inference_mode, batch 32, 1 thread": (torch.inference_mode, 32, 1),
    }
    out = {k: [] for k in variants}
    out["sgemm"] = []
    per_clip = len(patches) / 10
    for _ in range(rounds):
        out["sgemm"].append(sgemm_gflops())  # the machine's rate, between the variants
        for name, (mode, bs, n_threads) in variants.items():
            torch.set_num_threads(n_threads)
            with mode():
                dt = timed(lambda bs=bs: [net.forward_features(b)
                                          for b in patches.split(bs)])[0]
            out[name].append(dt / per_clip)
    torch.set_num_threads(threads)
    gflops = max(out.pop("sgemm"))
    return {k: statistics.median(v) for k, v in out.items()}, gflops


def transform_v0_1(emb, sources):
    """The 0.1 transform: every clip's patches first, concatenated, then the network."""
    from joblib import Parallel, delayed

    patches = Parallel(n_jobs=emb.n_jobs)(
        delayed(_clip_patches)(s, mtime=os.path.getmtime(s), sr=emb.sr,
                               patch_hop=emb.patch_hop) for s in sources)
    counts = [len(p) for p in patches]
    allp = np.concatenate(patches)
    out = []
    with torch.no_grad():
        for start in range(0, len(allp), emb.batch_size):
            batch = torch.from_numpy(allp[start : start + emb.batch_size])
            out.append(emb.net_.forward_features(batch)[emb.layer].numpy())
    values = np.concatenate(out)
    return np.stack([c.mean(0) for c in np.split(values, np.cumsum(counts)[:-1])])


def end_to_end(paths, rounds):
    # the first n_jobs=2 call starts joblib's loky workers, each importing torch (via
    # spectroclf.musicnn) and librosa: timed apart, then reused by the rounds
    startup = timed(MusicnnEmbedding(n_jobs=2).fit().transform, paths[:2])[0]
    runs = {}
    for r in range(rounds):
        for n_jobs in (1, 2):
            emb = MusicnnEmbedding(n_jobs=n_jobs).fit()
            order = ["0.1", "now"] if r % 2 == 0 else ["now", "0.1"]  # ABBA
            out = {}
            for which in order:
                func = transform_v0_1 if which == "0.1" else type(emb).transform
                dt, out[which] = timed(func, emb, paths)
                runs.setdefault(f"{which}, n_jobs={n_jobs}", []).append(dt)
            np.testing.assert_array_equal(out["now"], out["0.1"])  # identical
    return runs, startup


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clips", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default=None)
    parser.add_argument("--quick", action="store_true",
                        help="2 clips, 1 round, results to *.quick.json (CI)")
    args = parser.parse_args(argv)
    if args.quick:
        args.n_clips, args.rounds = 2, 1
    paths = _common.emotify_clips(args.n_clips)
    load_start = _common.loadavg()
    print(f"{len(paths)} Emotify clips (30 s), {args.rounds} rounds, "
          f"{torch.get_num_threads()} torch threads, load {load_start}")

    result = measure(paths, args.rounds)
    result["loadavg_start"], result["loadavg_end"] = load_start, _common.loadavg()
    print(f"load average: {load_start} at start, {result['loadavg_end']} at end "
          "(2 cores shared)")
    _common.write(_common.out_path("embedding", args.quick, args.out), result)


def measure(paths, rounds):
    """All three parts on ``paths``; prints the tables, returns the JSON dict."""
    emb = MusicnnEmbedding().fit()
    emb.transform(paths[:1])  # imports, first-call costs
    stages, patches = stage_costs(paths, emb.net_)
    total = sum(v for k, v in stages.items()
                if not k.startswith(("decode", "resample")))
    print("\nstage                                                   ms/clip   share")
    for k, v in stages.items():
        share = "" if k.startswith(("decode", "resample")) else f"{100 * v / total:6.1f}%"
        print(f"{k:55s} {v * 1e3:8.1f} {share}")
    print(f"{'total (load_audio + mel + patches + network)':55s} {total * 1e3:8.1f}")

    macs = count_macs(emb.net_)
    variants, gflops = network_variants(emb.net_, patches, rounds)
    floor = 10 * 2 * macs / (gflops * 1e9)
    print(f"\nnetwork: {macs / 1e9:.2f} G multiply-adds per patch, "
          f"{20 * macs / 1e9:.1f} GFLOP per 30-s clip; torch.mm reaches {gflops:.0f} "
          f"GFLOP/s here (best of {5 * rounds}) -> at best {floor * 1e3:.0f} ms/clip "
          f"({1 / floor:.1f} clips/s)")
    for k, v in variants.items():
        print(f"  {k:45s} {v * 1e3:8.1f} ms/clip  {20 * macs / v / 1e9:5.1f} GFLOP/s")

    e2e_runs, startup = end_to_end(paths, rounds)
    e2e = {k: statistics.median(v) for k, v in e2e_runs.items()}
    print(f"\nstart-up: the first n_jobs=2 call (2 clips) took {startup:.1f} s (loky "
          "workers importing torch and librosa); the rounds below reuse the workers")
    n = len(paths)
    print("\nend to end (uncached)            seconds   clips/s")
    for k, v in e2e.items():
        print(f"  {k:30s} {v:8.2f} {n / v:9.2f}")
    best = max(n / v for k, v in e2e.items() if k.startswith("now"))
    net_share = stages[next(k for k in stages if k.startswith("network"))] / total
    print(f"\nbest now: {best:.2f} clips/s (target 10): the floor is the network's forward "
          f"pass, {100 * net_share:.0f}% of the time; even at this machine's matrix-multiply "
          f"rate it allows {1 / floor:.1f} clips/s")
    return {
        "machine": _common.machine(),
        "data": {"clips": n, "clip_seconds": 30.0, "patches_per_clip": 10,
                 "source": "emotify/audio (first clips by name)"},
        "rounds": rounds,
        "stages_ms_per_clip": {k: round(v * 1e3, 2) for k, v in stages.items()},
        "network": {
            "multiply_adds_per_patch": int(macs),
            "gflop_per_clip": round(20 * macs / 1e9, 2),
            "sgemm_gflops_best": round(gflops, 1),
            "floor_ms_per_clip_at_sgemm_rate": round(floor * 1e3, 1),
            "variants_ms_per_clip": {k: round(v * 1e3, 1) for k, v in variants.items()},
        },
        "n_jobs_2_first_call_seconds": round(startup, 2),
        "end_to_end_seconds": {k: round(v, 3) for k, v in e2e.items()},
        "end_to_end_seconds_per_round": {k: [round(t, 3) for t in v]
                                         for k, v in e2e_runs.items()},
        "clips_per_second": {k: round(n / v, 3) for k, v in e2e.items()},
        "target_clips_per_second": 10,
        "floor": "the network's forward pass (float32 convolutions, oneDNN); see "
                 "stages_ms_per_clip and network",
    }


if __name__ == "__main__":
    main()
