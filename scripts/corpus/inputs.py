"""Realistic, deterministic inputs for each corpus model (tests/corpus/models.json).

Usage: inputs.py [--only ID,ID…] [--ci]

Writes CACHE/inputs/<id>/calib.npz (8 samples, for `pare compress --calib`) and
CACHE/inputs/<id>/heldout.npz (8 other samples, never used for calibration): one array per model
input, named after it, first axis = samples, each sample the full input tensor (the format
`pare compress --calib` and `--compare-inputs` read). Each model's `recipe` in models.json says
how its inputs are made:
  image          photos (china.jpg, flower.jpg from the scikit-learn wheel: random crops and
                 rescales), documents, text lines or captchas rendered with Pillow in DejaVu fonts
                 (matplotlib wheel); then the model's own preprocessing (size, scale, mean/std,
                 NCHW/NHWC, gray).
  audio          speech-like signals (harmonics of a moving pitch shaped by moving formants, with
                 syllable envelopes, fricative noise, pauses and background noise) or musical
                 notes, at the model's sample rate.
  silero_*       the speech stream cut into the windows Silero VAD takes, with the recurrent state
                 carried over by running the model itself in onnxruntime over the earlier windows.
  oww_*          openWakeWord's chain: audio → melspectrogram model → embedding model, each run in
                 onnxruntime, so a classifier gets real embeddings.
  whisper_features / dnsmos_mel / aecmos / plcmos
                 the feature extractors these models' packages use (log-mel, STFT log power),
                 re-implemented in numpy.
  magika         byte tokens (first and last 1024 bytes, padding 256) of real files taken from the
                 scikit-learn and matplotlib wheels.
  iris           rows of iris.csv from the scikit-learn wheel.
Seeded per model and split; a second run skips models whose inputs are up to date.
"""
import argparse
import hashlib
import io
import json
import pathlib
import sys
import time
import zipfile

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import asset_path, cache_dir, inputs_dir, load_corpus, model_path, select  # noqa: E402

CALIB_SAMPLES = 8
HELDOUT_SAMPLES = 8

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Invoice No. 2024-0117  Total due: $1,284.50",
    "Compress ONNX models in the browser and on the command line.",
    "Meeting moved to Thursday 14:30, room B-204.",
    "Pack my box with five dozen liquor jugs!",
    "Temperature: 23.5 C  Humidity: 61%  Wind: 12 km/h",
    "Chapter 3. Quantization and pruning of neural networks",
    "Please sign and return the attached form by May 31.",
    "ORDER #88213 SHIPPED VIA EXPRESS",
    "Einstein was born in Ulm on 14 March 1879.",
    "Tel +1 (555) 010-2938  fax 010-2939",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
    "Batch normalization folds into the preceding convolution.",
    "Gate 17  Boarding 09:45  Seat 23C",
    "Sphinx of black quartz, judge my vow.",
    "Net weight 500 g  Best before 2026-11-30",
]
CAPTCHA_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"


# --- assets ------------------------------------------------------------------------------------
class Assets:
    def __init__(self, corpus: dict):
        self.by_id = {a["id"]: asset_path(a) for a in corpus["assets"]}
        self._photos = None
        self._files = None

    def photos(self):
        from PIL import Image

        if self._photos is None:
            self._photos = [Image.open(self.by_id[k]).convert("RGB") for k in ("china_jpg", "flower_jpg")]
        return self._photos

    def font(self, rng, size):
        from PIL import ImageFont

        key = ["dejavu_sans_ttf", "dejavu_serif_ttf"][int(rng.integers(2))]
        return ImageFont.truetype(str(self.by_id[key]), size)

    def iris(self):
        lines = self.by_id["iris_csv"].read_text().splitlines()[1:]
        return np.array([[float(v) for v in line.split(",")[:4]] for line in lines if line.strip()], dtype=np.float32)

    def real_files(self):
        """(name, bytes) of varied real files from the wheels the assets come from."""
        if self._files is None:
            corpus_archives = cache_dir() / "archives" / "pypi"
            files = []
            for wheel in sorted(corpus_archives.glob("scikit-learn-*/*.whl")) + sorted(corpus_archives.glob("matplotlib-*/*.whl")):
                with zipfile.ZipFile(wheel) as z:
                    names = sorted(n for n in z.namelist() if not n.endswith("/"))
                    by_ext: dict[str, list[str]] = {}
                    for n in names:
                        by_ext.setdefault(pathlib.PurePosixPath(n).suffix or n, []).append(n)
                    for ext in sorted(by_ext):
                        for n in by_ext[ext][:3]:  # a few of each kind: .py, .so, .csv, .ttf, .png, .svg, .json…
                            info = z.getinfo(n)
                            if 16 <= info.file_size:
                                files.append((n, z.read(n)))
            self._files = files
        return self._files


# --- images ------------------------------------------------------------------------------------
def photo(assets, rng, h, w):
    from PIL import Image

    img = assets.photos()[int(rng.integers(2))]
    scale = rng.uniform(0.3, 1.0)
    ch, cw = int(img.height * scale), int(img.height * scale * w / h)
    cw = min(cw, img.width)
    ch = min(ch, img.height)
    x0 = int(rng.integers(0, img.width - cw + 1))
    y0 = int(rng.integers(0, img.height - ch + 1))
    crop = img.crop((x0, y0, x0 + cw, y0 + ch)).resize((w, h), Image.BILINEAR)
    if rng.random() < 0.5:
        crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
    return crop


def document(assets, rng, h, w):
    from PIL import Image, ImageDraw

    page = Image.new("RGB", (w, h), tuple(int(v) for v in rng.integers(225, 256, 3)))
    draw = ImageDraw.Draw(page)
    y = int(rng.integers(2, max(3, h // 12)))
    while y < h - 8:
        size = int(rng.integers(max(8, h // 40), max(10, h // 12)))
        font = assets.font(rng, size)
        text = SENTENCES[int(rng.integers(len(SENTENCES)))]
        ink = tuple(int(v) for v in rng.integers(0, 90, 3))
        draw.text((int(rng.integers(2, max(3, w // 10))), y), text, font=font, fill=ink)
        y += int(size * rng.uniform(1.3, 2.2))
    if rng.random() < 0.4:  # a photo pasted into the page, as in scanned documents
        ph, pw = h // 3, w // 3
        page.paste(photo(assets, rng, ph, pw), (int(rng.integers(0, w - pw)), int(rng.integers(0, h - ph))))
    return page


def textline(assets, rng, h, w):
    """A text line rendered at height h, resized keeping its aspect; returns (image, used width)."""
    from PIL import Image, ImageDraw

    font = assets.font(rng, 40)
    text = SENTENCES[int(rng.integers(len(SENTENCES)))]
    words = text.split()
    text = " ".join(words[: int(rng.integers(2, len(words) + 1))])
    left, top, right, bottom = font.getbbox(text)
    bg = tuple(int(v) for v in rng.integers(200, 256, 3))
    line = Image.new("RGB", (right - left + 16, bottom - top + 12), bg)
    ImageDraw.Draw(line).text((8 - left, 6 - top), text, font=font, fill=tuple(int(v) for v in rng.integers(0, 80, 3)))
    used = min(w, max(8, int(round(line.width * h / line.height))))
    return line.resize((used, h), Image.BILINEAR), used


def captcha(assets, rng, h, w):
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (w, h), tuple(int(v) for v in rng.integers(150, 256, 3)))
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(3, 8))):  # interference lines
        draw.line([tuple(int(v) for v in rng.integers(0, [w, h, w, h]))[:2], tuple(int(v) for v in rng.integers(0, [w, h]))],
                  fill=tuple(int(v) for v in rng.integers(0, 200, 3)), width=int(rng.integers(1, 3)))
    n = int(rng.integers(4, 7))
    x = int(rng.integers(2, max(3, w // (n * 3))))
    for _ in range(n):
        size = int(rng.integers(int(h * 0.45), int(h * 0.8)))
        font = assets.font(rng, size)
        glyph = CAPTCHA_CHARS[int(rng.integers(len(CAPTCHA_CHARS)))]
        tile = Image.new("RGBA", (size + 8, size + 8), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((4, 0), glyph, font=font, fill=tuple(int(v) for v in rng.integers(0, 120, 3)) + (255,))
        tile = tile.rotate(float(rng.uniform(-30, 30)), expand=True)
        y = int(rng.integers(0, max(1, h - tile.height)))
        img.paste(tile, (min(x, w - 4), y), tile)
        x += int(size * rng.uniform(0.6, 1.0))
    noise = rng.normal(0, 12, (h, w, 3))
    return Image.fromarray(np.clip(np.asarray(img, np.float32) + noise, 0, 255).astype(np.uint8))


def image_sample(assets, rng, r):
    from PIL import Image

    h, w = r["size"]
    source = r["source"]
    pad_from = None
    if source == "photo":
        img = photo(assets, rng, h, w)
    elif source == "document":
        img = document(assets, rng, h, w)
    elif source == "document_rot":
        img = document(assets, rng, h, w).rotate(90 * int(rng.integers(4)))
    elif source in ("textline", "textline_flip"):
        img, used = textline(assets, rng, h, w)
        if source == "textline_flip" and rng.random() < 0.5:
            img = img.rotate(180)
        pad_from = used
        canvas = Image.new("RGB", (w, h))
        canvas.paste(img, (0, 0))
        img = canvas
    elif source == "captcha":
        img = captcha(assets, rng, h, w)
    else:
        raise SystemExit(f"unknown image source {source}")
    if r.get("gray"):
        img = img.convert("L")
    x = np.asarray(img, dtype=np.float32)
    if x.ndim == 2:
        x = x[:, :, None]
    x = x * float(r.get("scale", 1.0))
    mean = np.array(r.get("mean", [0.0] * x.shape[2]), np.float32)
    std = np.array(r.get("std", [1.0] * x.shape[2]), np.float32)
    x = (x - mean) / std
    if pad_from is not None and pad_from < w:
        x[:, pad_from:, :] = 0.0  # PaddleOCR pads recognizer inputs with zeros after normalizing
    if r["layout"] == "NCHW":
        x = x.transpose(2, 0, 1)
    return x.astype(np.float32)


def image_inputs(ctx, model, rng, n):
    r = model["recipe"]
    batch = r.get("batch", 1)
    name = model["inputs"][0]["name"]
    arr = np.stack([np.stack([image_sample(ctx.assets, rng, r) for _ in range(batch)]) for _ in range(n)])
    return {name: arr}


# --- audio -------------------------------------------------------------------------------------
def speech_like(rng, seconds, sr):
    """Voiced syllables (harmonics of a moving pitch, weighted by moving formants), fricative
    noise bursts, pauses and background noise; peak about 0.5."""
    n = int(seconds * sr)
    t = np.arange(n) / sr
    f0 = rng.uniform(95, 230) * (1 + 0.08 * np.sin(2 * np.pi * rng.uniform(0.5, 3) * t)) * (1 + 0.003 * rng.standard_normal(n).cumsum() / np.sqrt(n))
    phase = 2 * np.pi * np.cumsum(f0) / sr
    vowels = np.array([[730, 1090, 2440], [270, 2290, 3010], [530, 1840, 2480], [570, 840, 2410], [300, 870, 2240], [660, 1720, 2410]], float)
    syl = rng.uniform(0.12, 0.3)
    idx = (t / syl).astype(int)
    choice = rng.integers(len(vowels), size=idx.max() + 2)
    formants = vowels[choice[idx]]
    voiced = np.zeros(n)
    for k in range(1, int(min(40, (sr / 2 - 200) / 230)) + 1):
        fk = k * f0
        weight = sum(1.0 / (1 + ((fk - formants[:, j]) / (60 + 40 * j)) ** 2) for j in range(3)) / k ** 0.5
        voiced += weight * np.sin(k * phase)
    envelope = np.clip(np.sin(np.pi * (t % syl) / syl), 0, None) ** 0.7
    talking = rng.random(idx.max() + 2) > 0.2  # some syllables silent: pauses
    envelope *= talking[idx]
    sig = voiced * envelope
    hiss = rng.standard_normal(n) * (rng.random(idx.max() + 2) < 0.25)[idx] * 0.3
    hiss = np.diff(hiss, prepend=0.0)  # crude high-pass: fricatives
    sig = sig / (np.abs(sig).max() + 1e-9) * 0.5 + hiss * 0.2 + rng.standard_normal(n) * 0.003
    start = rng.uniform(0, 0.3)  # leading silence
    sig[: int(start * sr)] *= 0.02
    return sig.astype(np.float32)


def musical_notes(rng, seconds, sr):
    n = int(seconds * sr)
    sig = np.zeros(n)
    t0 = 0.0
    while t0 < seconds:
        dur = rng.uniform(0.15, 0.6)
        midi = rng.integers(40, 84)
        f = 440.0 * 2 ** ((midi - 69) / 12)
        a, b = int(t0 * sr), min(n, int((t0 + dur) * sr))
        tt = np.arange(b - a) / sr
        env = np.minimum(1, tt / 0.01) * np.exp(-tt * rng.uniform(1, 6))
        for k in range(1, 8):
            if k * f < sr / 2:
                sig[a:b] += env * np.sin(2 * np.pi * k * f * tt) / k ** 1.2
        t0 += dur * rng.uniform(0.5, 1.0)
    return (sig / (np.abs(sig).max() + 1e-9) * 0.6 + rng.standard_normal(n) * 0.002).astype(np.float32)


def mel_filters(sr, n_fft, n_mels, fmin=0.0, fmax=None):
    """Slaney-style mel filterbank with area normalisation (librosa's default)."""
    fmax = fmax or sr / 2

    def hz_to_mel(f):
        f = np.asanyarray(f, float)
        lin = f / (200.0 / 3)
        return np.where(f >= 1000, 15 + np.log(np.maximum(f, 1e-9) / 1000) / (np.log(6.4) / 27), lin)

    def mel_to_hz(m):
        m = np.asanyarray(m, float)
        return np.where(m >= 15, 1000 * np.exp((np.log(6.4) / 27) * (m - 15)), m * 200.0 / 3)

    freqs = np.linspace(0, sr / 2, n_fft // 2 + 1)
    pts = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(pts)
    ramps = pts[:, None] - freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (pts[2:] - pts[:-2]))[:, None]
    return weights


def power_stft(y, n_fft, hop, window, center=True):
    if center:
        y = np.pad(y, n_fft // 2, mode="reflect")
    frames = 1 + (len(y) - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(frames)[:, None]
    win = np.zeros(n_fft)
    win[: len(window)] = window[:n_fft]
    spec = np.fft.rfft(y[idx] * win, n=n_fft)
    return np.abs(spec) ** 2  # [frames, bins]


def librosa_mel_db(y, sr, n_fft, hop, n_mels):
    """(power_to_db(melspectrogram, ref=max) + 40) / 40, frames first, as speechmos computes it."""
    window = np.hanning(n_fft + 1)[:-1] if n_fft % 2 == 0 else 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    mel = power_stft(y, n_fft, hop, window) @ mel_filters(sr, n_fft, n_mels).T
    db = 10 * np.log10(np.maximum(mel, 1e-10))
    db -= 10 * np.log10(max(mel.max(), 1e-10))
    db = np.maximum(db, db.max() - 80)
    return ((db + 40) / 40).astype(np.float32)


def whisper_log_mel(audio):
    n_fft, hop = 400, 160
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    power = power_stft(audio, n_fft, hop, window)[:-1]
    mel = power @ mel_filters(16000, n_fft, 80, fmax=8000).T
    log = np.log10(np.maximum(mel, 1e-10))
    log = np.maximum(log, log.max() - 8.0)
    return ((log + 4.0) / 4.0).T.astype(np.float32)  # [80, frames]


# --- recipes -----------------------------------------------------------------------------------
class Context:
    def __init__(self, corpus):
        self.corpus = corpus
        self.assets = Assets(corpus)
        self._sessions = {}

    def session(self, model_id):
        import onnxruntime as ort

        if model_id not in self._sessions:
            opts = ort.SessionOptions()
            opts.log_severity_level = 3
            self._sessions[model_id] = ort.InferenceSession(str(model_path(model_id)), opts, providers=["CPUExecutionProvider"])
        return self._sessions[model_id]


def audio_inputs(ctx, model, rng, n):
    r = model["recipe"]
    seconds = r["samples"] / r["sr"]
    make = musical_notes if r.get("tones") else speech_like
    arr = np.stack([make(rng, seconds + 0.01, r["sr"])[: r["samples"]] for _ in range(n)])
    if r["shape"] == "N,T,1":
        arr = arr[:, None, :, None]
    else:
        arr = arr[:, None, :]
    return {model["inputs"][0]["name"]: arr}


def silero_stream(ctx, model, rng, n):
    """Windows of one speech stream with the state the model itself carried to them."""
    r = model["recipe"]
    names = [i["name"] for i in model["inputs"]]
    legacy = r["state"] == "hc"
    chunk = 1536 if legacy else 512
    context = 0 if legacy else 64
    sess = ctx.session(model["id"])
    samples = {k: [] for k in names}
    for _ in range(n):
        audio = speech_like(rng, 3.0, 16000)
        steps = len(audio) // chunk
        take = int(rng.integers(steps // 3, steps))
        state = {"state": np.zeros((2, 1, 128), np.float32)} if not legacy else {"h": np.zeros((2, 1, 64), np.float32), "c": np.zeros((2, 1, 64), np.float32)}
        prev = np.zeros(context, np.float32)
        for step in range(take + 1):
            window = audio[step * chunk:(step + 1) * chunk]
            x = np.concatenate([prev, window])[None, :].astype(np.float32)
            feeds = {"input": x, **state}
            if "sr" in names:
                feeds["sr"] = np.array(16000, np.int64)
            if step == take:
                for k in names:
                    samples[k].append(feeds[k])
                break
            outs = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds)))
            if legacy:
                state = {"h": outs["hn"], "c": outs["cn"]}
            else:
                state = {"state": outs["stateN"]}
            prev = window[-context:] if context else prev
    return {k: np.stack(v) for k, v in samples.items()}


def silero_sequence(ctx, model, rng, n):
    r = model["recipe"]
    sess = ctx.session(model["id"])
    out = {"input": [], "h": [], "c": []}
    for _ in range(n):
        audio = speech_like(rng, 3.0, 16000)
        wins = [np.concatenate([audio[max(0, i * 512 - 64):i * 512] if i else np.zeros(64, np.float32), audio[i * 512:(i + 1) * 512]]) for i in range(len(audio) // 512)]
        wins = np.stack(wins).astype(np.float32)
        first = int(rng.integers(0, len(wins) - 2 * r["windows"]))
        h = np.zeros((1, 1, 128), np.float32)
        c = np.zeros((1, 1, 128), np.float32)
        if first > 0:  # the state after the windows before this batch
            _, h, c = sess.run(None, {"input": wins[:first], "h": h, "c": c})
        out["input"].append(wins[first:first + r["windows"]])
        out["h"].append(h)
        out["c"].append(c)
    return {k: np.stack(v) for k, v in out.items()}


def oww_mel(ctx, audio):
    """openWakeWord's melspectrogram model on int16-scaled audio, then its x/10 + 2 transform."""
    sess = ctx.session("oww_melspectrogram")
    spec = sess.run(None, {"input": (audio * 32767).astype(np.float32)[None, :]})[0]
    return np.squeeze(spec) / 10 + 2  # [frames, 32]


def oww_audio(ctx, model, rng, n):
    r = model["recipe"]
    arr = np.stack([(speech_like(rng, r["samples"] / 16000 + 0.01, 16000)[: r["samples"]] * 32767).astype(np.float32)[None, :] for _ in range(n)])
    return {model["inputs"][0]["name"]: arr}


def oww_mel_windows(ctx, model, rng, n):
    out = []
    for _ in range(n):
        mel = oww_mel(ctx, speech_like(rng, 2.0, 16000))
        start = int(rng.integers(0, mel.shape[0] - 76))
        out.append(mel[start:start + 76][None, :, :, None].astype(np.float32))
    return {model["inputs"][0]["name"]: np.stack(out)}


def oww_embeddings(ctx, model, rng, n):
    frames = model["recipe"]["frames"]
    emb = ctx.session("oww_embedding")
    out = []
    for _ in range(n):
        mel = oww_mel(ctx, speech_like(rng, 0.5 + frames * 0.08 + 0.8, 16000))
        wins = np.stack([mel[i:i + 76] for i in range(0, mel.shape[0] - 76 + 1, 8)])[:, :, :, None].astype(np.float32)
        e = emb.run(None, {"input_1": wins})[0].reshape(len(wins), 96)
        out.append(e[-frames:][None].astype(np.float32))
    return {model["inputs"][0]["name"]: np.stack(out)}


def whisper_features(ctx, model, rng, n):
    out = []
    for _ in range(n):
        speech = speech_like(rng, rng.uniform(2.0, 8.0), 16000)
        audio = np.zeros(8 * 16000, np.float32)
        audio[-len(speech):] = speech[-len(audio):]  # smart-turn keeps the last 8 s, padded at the front
        out.append(whisper_log_mel(audio)[None, :, : model["recipe"]["frames"]])
    return {model["inputs"][0]["name"]: np.stack(out)}


def dnsmos_mel(ctx, model, rng, n):
    r = model["recipe"]
    out = []
    for _ in range(n):
        audio = speech_like(rng, 9.01, 16000)
        out.append(librosa_mel_db(audio, 16000, 321, 160, r["n_mels"])[None, : r["frames"]])
    return {model["inputs"][0]["name"]: np.stack(out)}


def aecmos(ctx, model, rng, n):
    r = model["recipe"]
    sr, n_fft, hop = 48000, 1537, 768
    length = r["frames"] * hop
    feats, h0 = [], []
    for _ in range(n):
        far = speech_like(rng, length / sr + 0.01, sr)[:length]
        near = speech_like(rng, length / sr + 0.01, sr)[:length] * rng.uniform(0, 1)
        delay = int(rng.integers(100, 2000))
        echo = np.concatenate([np.zeros(delay, np.float32), far[:-delay]]) * rng.uniform(0.2, 0.6)
        mic = near + echo
        enh = near + echo * rng.uniform(0.02, 0.2)
        f = np.stack([librosa_mel_db(s, sr, n_fft, hop, r["n_mels"])[: r["frames"]] for s in (far, mic, enh)])
        feats.append(f[None])
        h0.append(np.zeros(r["hidden"], np.float32))
    names = [i["name"] for i in model["inputs"]]
    return {names[0]: np.stack(feats).astype(np.float32), names[1]: np.stack(h0)}


def plcmos(ctx, model, rng, n):
    r = model["recipe"]
    feats, raters = [], []
    window = np.hamming(513)
    for _ in range(n):
        audio = speech_like(rng, (r["frames"] + 1) * 256 / 16000, 16000)
        for _ in range(int(rng.integers(2, 6))):  # lost packets concealed by silence
            a = int(rng.integers(0, len(audio) - 320))
            audio[a:a + 320] = 0
        power = power_stft(audio, 512, 256, window, center=False)[: r["frames"]]
        nonzero = power > 0
        logp = np.where(nonzero, np.log(np.where(nonzero, power, 1)), np.log(power[nonzero].min()) - 12 / np.log10(np.e) / 1)
        feats.append(logp[None, None].astype(np.float32))
        raters.append(rng.standard_normal((1, 64)).astype(np.float32))  # speechmos draws rater embeddings so
    names = [i["name"] for i in model["inputs"]]
    return {names[0]: np.stack(feats), names[1]: np.stack(raters)}


def magika(ctx, model, rng, n):
    r = model["recipe"]
    files = ctx.assets.real_files()
    out = []
    for _ in range(n):
        _, content = files[int(rng.integers(len(files)))]
        beg = list(content.lstrip()[: r["beg"]])
        end = list(content.rstrip()[-r["end"]:])
        beg = beg + [r["padding"]] * (r["beg"] - len(beg))
        end = [r["padding"]] * (r["end"] - len(end)) + end
        out.append(np.array([beg + end], dtype=np.int32))
    return {model["inputs"][0]["name"]: np.stack(out)}


def iris(ctx, model, rng, n):
    data = ctx.assets.iris()
    r = model["recipe"]
    rows = [data[rng.choice(len(data), r["rows"], replace=False), : r["features"]] for _ in range(n)]
    return {model["inputs"][0]["name"]: np.stack(rows).astype(np.float32)}


RECIPES = {
    "image": image_inputs, "audio": audio_inputs, "silero_stream": silero_stream, "silero_sequence": silero_sequence,
    "oww_audio": oww_audio, "oww_mel_windows": oww_mel_windows, "oww_embeddings": oww_embeddings,
    "whisper_features": whisper_features, "dnsmos_mel": dnsmos_mel, "aecmos": aecmos, "plcmos": plcmos,
    "magika": magika, "iris": iris,
}


def seed_of(model_id, split):
    return int.from_bytes(hashlib.sha256(f"{model_id}/{split}".encode()).digest()[:8], "little")


def stamp_of(model):
    source = pathlib.Path(__file__).read_bytes()
    return hashlib.sha256(source + json.dumps([model["sha256"], model["recipe"]], sort_keys=True).encode()).hexdigest()


def save_npz(path, arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(path)


def make(ctx, model):
    folder = inputs_dir(model["id"])
    stamp = folder / "stamp"
    if stamp.exists() and stamp.read_text() == stamp_of(model):
        return False
    folder.mkdir(parents=True, exist_ok=True)
    make_inputs = RECIPES[model["recipe"]["kind"]]
    for split, count in (("calib", CALIB_SAMPLES), ("heldout", HELDOUT_SAMPLES)):
        rng = np.random.default_rng(seed_of(model["id"], split))
        arrays = make_inputs(ctx, model, rng, count)
        want = {i["name"] for i in model["inputs"]}
        if set(arrays) != want:
            raise SystemExit(f"inputs: {model['id']}: made {sorted(arrays)}, the model takes {sorted(want)}")
        save_npz(folder / f"{split}.npz", arrays)
    stamp.write_text(stamp_of(model))
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated model ids")
    parser.add_argument("--ci", action="store_true", help="only the CI subset (models.json ci_subset)")
    args = parser.parse_args()
    started = time.time()
    corpus = load_corpus()
    ctx = Context(corpus)
    models = select(corpus["models"], args.only, corpus["ci_subset"] if args.ci else None)
    made = sum(make(ctx, m) for m in models)
    print(f"inputs: {made} of {len(models)} models' inputs written ({len(models) - made} up to date) "
          f"in {cache_dir() / 'inputs'} in {time.time() - started:.1f} s")


if __name__ == "__main__":
    main()
