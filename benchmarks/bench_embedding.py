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
3. **precision** (issue #21) -- the forward pass in float32 against bfloat16
   (``Musicnn.forward_features(precision=...)``: block-Toeplitz bfloat16 matrix products
   for the front end), side by side in each round, with the per-patch cosine of the
   penultimate features; and, with ``--sections blocks``, the block sizes of the
   Toeplitz products (``_TIMBRAL_BLOCK``, ``_TEMPORAL_BLOCK``), and with ``--sections
   chunks`` the patches per pass of the front end (``_LOWP_CHUNK``); and the **floor**
   of the bfloat16 path: the front end's matrix products in GFLOP per clip over the best
   rate ``torch.mm`` reaches on them here, with decoding the most clips/s the machine's
   arithmetic allows;
4. **end to end** -- ``transform`` on uncached clips, decoding included: the 0.1 code path
   (all clips' patches computed, concatenated, then the network, float32) against the
   current one (clips streamed into the network as their patches arrive) in float32 and
   bfloat16, with and without decoding the next clips in a background thread
   (``_PREFETCH``), ``n_jobs=1`` and ``2``, in an order rotated round by round.

bfloat16 runs only where the CPU has it natively (``avx512_bf16`` / ``amx_bf16``); the
JSON records the CPU's flags (``cpu_flags``) either way.

Targets: >= 10 clips/s on 2 cores (issue #12), and with the default precision >= 3x the
float32 path in the same run (issue #21).

Run from the repository root::

    python benchmarks/bench_embedding.py            # 8 clips, 3 rounds
    python benchmarks/bench_embedding.py --quick    # CI: 2 clips, 1 round
    python benchmarks/bench_embedding.py --sections precision,blocks

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

from spectroclf._cpu import cpu_flags
from spectroclf.features import load_audio
from spectroclf.musicnn import MusicnnEmbedding, _embedding, _network, musicnn_patches
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


def precision_variants(net, patches, rounds, batch_size=32):
    """Seconds per 10 patches of the forward pass in float32 and bfloat16, alternated."""
    out = {"float32": [], "bfloat16": []}
    order = list(out)
    with torch.inference_mode():
        exact = net.forward_features(patches[:batch_size])["penultimate"]
        fast = net.forward_features(patches[:batch_size], precision="bfloat16")
        cosine = torch.nn.functional.cosine_similarity(exact, fast["penultimate"], dim=1)
        for r in range(rounds):
            for name in order if r % 2 == 0 else order[::-1]:
                dt = timed(lambda name=name: [
                    net.forward_features(b, precision=name)
                    for b in patches.split(batch_size)])[0]
                out[name].append(dt / (len(patches) / 10))
    return {k: statistics.median(v) for k, v in out.items()}, float(cosine.min())


def block_sizes(net, patches, rounds, batch_size=32):
    """ms per 10 patches of the bfloat16 front end by Toeplitz block size."""
    saved = _network._TIMBRAL_BLOCK, _network._TEMPORAL_BLOCK
    out = {}
    try:
        with torch.inference_mode():
            for _ in range(rounds):
                for name, sizes, blocks in (("timbral", (2, 4, 8), net.timbral),
                                            ("temporal", (8, 16, 32), net.temporal)):
                    for size in sizes:
                        _network._TIMBRAL_BLOCK = _network._TEMPORAL_BLOCK = size
                        x = net.input_bn(patches[:batch_size].unsqueeze(1))[:, 0]
                        dt = timed(lambda blocks=blocks, x=x: [
                            b.forward_lowp(x, torch.bfloat16) for b in blocks])[0]
                        out.setdefault(f"{name} block {size}", []).append(
                            dt / (batch_size / 10))
    finally:
        _network._TIMBRAL_BLOCK, _network._TEMPORAL_BLOCK = saved
    return {k: round(statistics.median(v) * 1e3, 1) for k, v in out.items()}


def chunk_sizes(net, patches, rounds, batch_size=32):
    """ms per 10 patches of the bfloat16 forward pass by ``_LOWP_CHUNK`` (patches per
    pass of the front end), alternated round by round."""
    saved = _network._LOWP_CHUNK
    sizes = (1, 2, 4, 8, batch_size)
    out = {}
    try:
        with torch.inference_mode():
            for r in range(rounds):
                for size in sizes if r % 2 == 0 else sizes[::-1]:
                    _network._LOWP_CHUNK = size
                    dt = timed(lambda: [net.forward_features(b, precision="bfloat16")
                                        for b in patches.split(batch_size)])[0]
                    out.setdefault(f"chunk {size}", []).append(dt / (len(patches) / 10))
    finally:
        _network._LOWP_CHUNK = saved
    return {k: round(statistics.median(v) * 1e3, 1) for k, v in out.items()}


def bfloat16_floor(net, repeats=5):
    """The bfloat16 front end's matrix products: GFLOP per 30-s clip and the best rate
    ``torch.mm`` reaches on the largest of them (one chunk of patches) on this CPU."""
    mats = _network._lowp_constants(net, torch.bfloat16)[0]
    n_mels, n_frames = _network.N_MELS, _network.N_FRAMES
    flop, shapes = 0, []
    for W, kr, kl, block in mats:
        if kr == 1:  # temporal: rows are mel bands, blocks along time
            rows, cols = n_mels, n_frames + kl - 1
        else:  # timbral: rows are (padded) frames, blocks along mel bands
            rows, cols = n_frames + 6, n_mels
        m = (rows - kr + 1) * -(-(cols - kl + 1) // block)  # rows of the product per patch
        flop += 2 * m * W.shape[0] * W.shape[1]
        shapes.append((m, *W.shape))
    m, k, n = max(shapes, key=lambda s: s[0] * s[1] * s[2])
    a = torch.randn(m * _network._LOWP_CHUNK, k).bfloat16()
    b = torch.randn(k, n).bfloat16()
    a @ b
    rate = max(2 * a.shape[0] * k * n / timed(torch.mm, a, b)[0] / 1e9 for _ in range(repeats))
    # the mid end (under autocast) and the dense layers add ~4 % to the products' count
    return 10 * flop / 1e9, rate


def _transform(emb, paths, prefetch):
    saved = _embedding._PREFETCH
    _embedding._PREFETCH = prefetch
    try:
        return emb.transform(paths)
    finally:
        _embedding._PREFETCH = saved


def end_to_end(paths, rounds, bf16, quick=False):
    """Seconds of ``transform`` by variant; ``quick``: n_jobs=1 only, no start-up run."""
    # the first n_jobs=2 call starts joblib's loky workers, each importing torch (via
    # spectroclf.musicnn) and librosa: timed apart, then reused by the rounds
    startup = None
    if not quick:
        startup = timed(MusicnnEmbedding(n_jobs=2).fit().transform, paths[:2])[0]
    precisions = ["float32"] + (["bfloat16"] if bf16 else [])
    variants = {"0.1, n_jobs=1 (float32)": (1, "float32", None)}
    for p in precisions:
        for n_jobs in (1,) if quick else (1, 2):
            variants[f"{p}, n_jobs={n_jobs}"] = (n_jobs, p, 0)
            variants[f"{p} + prefetch thread, n_jobs={n_jobs}"] = (n_jobs, p, 2)
    fitted = {(n, p): MusicnnEmbedding(n_jobs=n, precision=p).fit()
              for n in (1, 2) for p in precisions}
    runs, out = {}, {}
    names = list(variants)
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:  # rotated order
            n_jobs, precision, prefetch = variants[name]
            emb = fitted[n_jobs, precision]
            if prefetch is None:
                dt, out[name] = timed(transform_v0_1, emb, paths)
            else:
                dt, out[name] = timed(_transform, emb, paths, prefetch)
            runs.setdefault(name, []).append(dt)
    for name, value in out.items():
        if "float32" in name:
            np.testing.assert_array_equal(value, out["0.1, n_jobs=1 (float32)"])
    cosine = None
    if bf16:
        a, b = out["float32, n_jobs=1"], out["bfloat16, n_jobs=1"]
        cosine = float(((a * b).sum(1) / np.linalg.norm(a, axis=1)
                        / np.linalg.norm(b, axis=1)).min())
    return runs, startup, cosine


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clips", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default=None)
    parser.add_argument("--quick", action="store_true",
                        help="2 clips, 1 round, results to *.quick.json (CI)")
    parser.add_argument("--sections", default="stages,network,precision,end_to_end",
                        help="comma-separated: stages, network, precision, blocks, "
                             "chunks, end_to_end (default: all but blocks and chunks)")
    args = parser.parse_args(argv)
    if args.quick:  # CI: the precision comparison and a short end to end
        args.n_clips, args.rounds = 2, 1
        args.sections = "precision,end_to_end"
    sections = set(args.sections.split(","))
    paths = _common.emotify_clips(args.n_clips)
    load_start = _common.loadavg()
    print(f"{len(paths)} Emotify clips (30 s), {args.rounds} rounds, "
          f"{torch.get_num_threads()} torch threads, load {load_start}, "
          f"CPU flags {cpu_flags()}")

    result = measure(paths, args.rounds, sections, quick=args.quick)
    result["loadavg_start"], result["loadavg_end"] = load_start, _common.loadavg()
    print(f"load average: {load_start} at start, {result['loadavg_end']} at end "
          "(2 cores shared)")
    _common.write(_common.out_path("embedding", args.quick, args.out), result)


def measure(paths, rounds, sections, quick=False):
    """The chosen parts on ``paths``; prints the tables, returns the JSON dict."""
    flags = cpu_flags()
    bf16 = flags["native_bfloat16"]
    n = len(paths)
    result = {
        "machine": _common.machine(),
        "cpu_flags": flags,
        "data": {"clips": n, "clip_seconds": 30.0, "patches_per_clip": 10,
                 "source": "emotify/audio (first clips by name)"},
        "rounds": rounds,
        "target_clips_per_second": 10,
    }
    emb = MusicnnEmbedding(precision="float32").fit()
    emb.transform(paths[:1])  # imports, first-call costs
    stages, patches = stage_costs(paths, emb.net_)
    total = sum(v for k, v in stages.items()
                if not k.startswith(("decode", "resample")))
    if "stages" in sections:
        print("\nstage (float32)                                         ms/clip   share")
        for k, v in stages.items():
            share = "" if k.startswith(("decode", "resample")) else f"{100 * v / total:6.1f}%"
            print(f"{k:55s} {v * 1e3:8.1f} {share}")
        print(f"{'total (load_audio + mel + patches + network)':55s} {total * 1e3:8.1f}")
        result["stages_ms_per_clip"] = {k: round(v * 1e3, 2) for k, v in stages.items()}

    macs = count_macs(emb.net_)
    if "network" in sections:
        variants, gflops = network_variants(emb.net_, patches, rounds)
        floor = 10 * 2 * macs / (gflops * 1e9)
        print(f"\nnetwork: {macs / 1e9:.2f} G multiply-adds per patch, "
              f"{20 * macs / 1e9:.1f} GFLOP per 30-s clip; torch.mm reaches {gflops:.0f} "
              f"GFLOP/s here (best of {5 * rounds}) -> at best {floor * 1e3:.0f} ms/clip "
              f"({1 / floor:.1f} clips/s) in float32")
        for k, v in variants.items():
            print(f"  {k:45s} {v * 1e3:8.1f} ms/clip  {20 * macs / v / 1e9:5.1f} GFLOP/s")
        result["network"] = {
            "multiply_adds_per_patch": int(macs),
            "gflop_per_clip": round(20 * macs / 1e9, 2),
            "sgemm_gflops_best": round(gflops, 1),
            "floor_ms_per_clip_at_sgemm_rate": round(floor * 1e3, 1),
            "variants_ms_per_clip": {k: round(v * 1e3, 1) for k, v in variants.items()},
        }

    if "precision" in sections and bf16:
        prec, cosine = precision_variants(emb.net_, patches, rounds)
        print("\nforward pass by precision (batches of 32), ms per clip of 10 patches")
        for k, v in prec.items():
            print(f"  {k:10s} {v * 1e3:8.1f} ms/clip  {20 * macs / v / 1e9:6.1f} "
                  "GFLOP/s (float32-equivalent)")
        speedup = prec["float32"] / prec["bfloat16"]
        print(f"  bfloat16 / float32 speed-up {speedup:.2f}x; penultimate cosine >= "
              f"{cosine:.5f} per patch")
        result["precision"] = {
            "forward_ms_per_clip": {k: round(v * 1e3, 1) for k, v in prec.items()},
            "speedup": round(speedup, 2),
            "min_patch_cosine_penultimate": round(cosine, 6),
        }
    elif "precision" in sections:
        print("\nno native bfloat16 on this CPU: precision='auto' is float32 here")
        result["precision"] = "skipped: no native bfloat16 (avx512_bf16 / amx_bf16)"
    if "precision" in sections and bf16 and not quick:
        gflop, rate = bfloat16_floor(emb.net_)
        threads = torch.get_num_threads()
        floor = gflop / (rate * threads)
        decode = stages["load_audio(sr=16000) (decode + resample + checks)"] + stages[
            "mel power spectrogram (STFT 512 / hop 256, 96 bands)"]
        ceiling = threads / (floor * threads + decode)
        print(f"\nbfloat16 floor: the front end's products are {gflop:.1f} GFLOP per clip; "
              f"torch.mm reaches {rate:.0f} GFLOP/s per thread on them here -> at best "
              f"{floor * 1e3:.0f} ms/clip on {threads} threads, and with decoding "
              f"({decode * 1e3:.0f} ms/clip on one core) at most {ceiling:.1f} clips/s "
              f"end to end on {threads} cores")
        result["bfloat16_floor"] = {
            "toeplitz_gflop_per_clip": round(gflop, 2),
            "bf16_mm_gflops_per_thread_best": round(rate, 1),
            "threads": threads,
            "floor_forward_ms_per_clip": round(floor * 1e3, 1),
            "decode_and_mel_ms_per_clip_one_core": round(decode * 1e3, 1),
            "ceiling_clips_per_second": round(ceiling, 2),
        }
    if "chunks" in sections and bf16:
        result["lowp_chunk_ms_per_clip"] = chunks = chunk_sizes(emb.net_, patches, rounds)
        print("\nbfloat16 forward pass by patches per front-end pass (ms per clip)")
        for k, v in chunks.items():
            print(f"  {k:25s} {v:8.1f}")
    if "blocks" in sections and bf16:
        result["toeplitz_block_ms_per_clip"] = blocks = block_sizes(
            emb.net_, patches, rounds)
        print("\nbfloat16 front end by Toeplitz block size (ms per clip)")
        for k, v in blocks.items():
            print(f"  {k:25s} {v:8.1f}")

    if "end_to_end" in sections:
        e2e_runs, startup, cosine = end_to_end(paths, rounds, bf16, quick)
        e2e = {k: statistics.median(v) for k, v in e2e_runs.items()}
        if startup is not None:
            print(f"\nstart-up: the first n_jobs=2 call (2 clips) took {startup:.1f} s "
                  "(loky workers importing torch and librosa); the rounds below reuse "
                  "the workers")
        print("\nend to end (uncached, decoding included)     seconds   clips/s")
        for k, v in e2e.items():
            print(f"  {k:42s} {v:8.2f} {n / v:9.2f}")
        best = min(e2e, key=e2e.get)
        ref = e2e["float32, n_jobs=1"]
        print(f"\nbest: {best}: {n / e2e[best]:.2f} clips/s (target 10), "
              f"{ref / e2e[best]:.2f}x float32 n_jobs=1"
              + (f"; clip cosine bfloat16 vs float32 >= {cosine:.5f}" if bf16 else ""))
        result.update({
            "n_jobs_2_first_call_seconds": None if startup is None else round(startup, 2),
            "end_to_end_seconds": {k: round(v, 3) for k, v in e2e.items()},
            "end_to_end_seconds_per_round": {k: [round(t, 3) for t in v]
                                             for k, v in e2e_runs.items()},
            "clips_per_second": {k: round(n / v, 3) for k, v in e2e.items()},
            "best": best,
            "best_speedup_over_float32_n_jobs_1": round(ref / e2e[best], 2),
            "min_clip_cosine_bfloat16_vs_float32": cosine,
        })
    return result


if __name__ == "__main__":
    main()
