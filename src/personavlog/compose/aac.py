"""AAC encoding to packets held in memory, and decoding them back for measurement.

The soundtrack is encoded once, before the video: its packets are small (about 20 kB per second),
decoding them tells exactly what a player will hear, and the muxer then interleaves those very
packets with the video.
"""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np

AAC_FRAME = 1024


def _encoder(rate: int, bit_rate: int) -> av.AudioCodecContext:
    codec = av.CodecContext.create("aac", "w")
    codec.sample_rate = rate
    codec.layout = "stereo"
    codec.format = "fltp"
    codec.bit_rate = bit_rate
    codec.time_base = Fraction(1, rate)
    return codec


def encode_aac(audio: np.ndarray, rate: int, bit_rate: int = 160_000) -> tuple[list[av.Packet], bytes]:
    """Encode (samples, 2) float audio; returns the packets (pts in 1/rate) and the codec's extradata."""
    codec = _encoder(rate, bit_rate)
    planar = np.ascontiguousarray(np.clip(audio, -1.0, 1.0).T, dtype=np.float32)
    packets: list[av.Packet] = []
    for first in range(0, planar.shape[1], AAC_FRAME):
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(planar[:, first : first + AAC_FRAME]), format="fltp", layout="stereo"
        )
        frame.sample_rate = rate
        frame.pts = first
        frame.time_base = Fraction(1, rate)
        packets.extend(codec.encode(frame))
    packets.extend(codec.encode(None))
    return packets, bytes(codec.extradata or b"")


def decode_aac(packets: list[av.Packet], extradata: bytes, rate: int, samples: int) -> np.ndarray:
    """Decode packets back to (samples, 2) float32, dropping the encoder's priming samples."""
    codec = av.CodecContext.create("aac", "r")
    codec.extradata = extradata
    chunks: list[np.ndarray] = []
    for packet in [*packets, None]:
        for frame in codec.decode(packet):
            chunks.append(frame.to_ndarray().reshape(-1, frame.samples))
    audio = np.concatenate(chunks, axis=1).T if chunks else np.zeros((0, 2), dtype=np.float32)
    priming = -int(packets[0].pts) if packets and packets[0].pts is not None and packets[0].pts < 0 else 0
    audio = audio[priming : priming + samples]
    if audio.shape[0] < samples:
        audio = np.concatenate([audio, np.zeros((samples - audio.shape[0], audio.shape[1]), np.float32)])
    return np.ascontiguousarray(audio, dtype=np.float32)
