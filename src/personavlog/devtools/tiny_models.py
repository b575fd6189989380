"""Tiny randomly initialised models of the real classes, saved in their real on-disk layouts.

They exercise every real-model backend end to end on a CPU in seconds (their output is noise): a Stable
Diffusion pipeline with an IP-Adapter, a Wan 2.1 image-to-video pipeline and a MusicGen model. Tokenizers are
built from vocabularies written here, so nothing is downloaded.

    python -m personavlog.devtools.tiny_models DIR
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from personavlog.engines.visual.diffusers.runtime import import_torch

# Words the tiny tokenizers know; anything else falls back to bytes (CLIP) or pieces (T5).
_CORPUS = (
    "a person walks through the city at dawn in the rain with an umbrella the camera slowly pushes in "
    "cinematic style watercolor anime film documentary calm joyful nostalgic energetic warm light "
    "music piano guitar strings drums ambient lofi pop acoustic major minor bpm key mood featuring "
    "blurry deformed distorted face extra limbs watermark text low quality beach forest mountains cafe home"
)


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2/CLIP's reversible map from bytes to printable characters."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    printable += list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, map(chr, chars), strict=True))


def write_clip_tokenizer(folder: Path) -> Path:
    """vocab.json + merges.txt of a byte-level BPE: every byte, a few merges, CLIP's special tokens."""
    from transformers import CLIPTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    symbols = list(_bytes_to_unicode().values())
    vocab_list = symbols + [s + "</w>" for s in symbols]
    merges = ["t h", "th e</w>", "a n", "i n", "e r", "o n"]
    for merge in merges:
        vocab_list.append(merge.replace(" ", ""))
    vocab_list += ["<|startoftext|>", "<|endoftext|>"]
    vocab = {token: index for index, token in enumerate(dict.fromkeys(vocab_list))}
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    pairs = [tuple(m.split()) for m in merges]
    tokenizer = CLIPTokenizer(vocab=vocab, merges=pairs)  # type: ignore[arg-type]  # BPE takes pairs
    tokenizer.model_max_length = 77
    tokenizer.save_pretrained(str(folder))
    return folder


def write_t5_tokenizer(folder: Path) -> Path:
    """A SentencePiece unigram model trained here on a few sentences, wrapped as T5's tokenizer."""
    import sentencepiece as spm
    from transformers import T5Tokenizer

    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / "corpus.txt"
    corpus.write_text("\n".join([_CORPUS] * 4), encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(folder / "spiece"),
        vocab_size=100,
        hard_vocab_limit=False,
        model_type="unigram",
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        pad_piece="<pad>",
        eos_piece="</s>",
        unk_piece="<unk>",
        character_coverage=1.0,
        minloglevel=2,
    )
    corpus.unlink()
    (folder / "spiece.vocab").unlink(missing_ok=True)
    model = spm.SentencePieceProcessor(model_file=str(folder / "spiece.model"))
    pieces = [(model.id_to_piece(i), model.get_score(i)) for i in range(model.get_piece_size())]
    tokenizer = T5Tokenizer(vocab=pieces, extra_ids=0)
    tokenizer.save_pretrained(str(folder))
    return folder


def _tiny_t5_config(vocab_size: int):
    from transformers import T5Config

    return T5Config(  # type: ignore[call-arg]  # config accepts kwargs
        vocab_size=vocab_size,
        d_model=32,
        d_kv=8,
        d_ff=37,
        num_layers=2,
        num_heads=4,
        relative_attention_num_buckets=8,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
    )


def build_keyframe_model(out: Path) -> Path:
    """A Stable Diffusion pipeline (64 px) and, in out/ip_adapter, an IP-Adapter with its image encoder."""
    torch = import_torch()
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from safetensors.torch import save_file
    from transformers import (
        CLIPTextConfig,
        CLIPTextModel,
        CLIPTokenizer,
        CLIPVisionConfig,
        CLIPVisionModelWithProjection,
    )

    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as scratch:
        tokenizer = CLIPTokenizer.from_pretrained(str(write_clip_tokenizer(Path(scratch))))
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16),
        layers_per_block=1,
        sample_size=32,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=4,
        norm_num_groups=4,
    )
    vae = AutoencoderKL(
        block_out_channels=[8, 16],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
        up_block_types=["UpDecoderBlock2D", "UpDecoderBlock2D"],
        latent_channels=4,
        norm_num_groups=4,
        sample_size=64,
    )
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=len(tokenizer) - 2,
            eos_token_id=len(tokenizer) - 1,
            pad_token_id=len(tokenizer) - 1,
            hidden_size=32,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=2,
            vocab_size=len(tokenizer),
            max_position_embeddings=77,
        )
    )
    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    pipe = StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        image_encoder=None,
        requires_safety_checker=False,
    )
    pipe.save_pretrained(str(out / "keyframe"))  # type: ignore[attr-defined]  # diffusers dummy stubs

    adapter = out / "ip_adapter" / "models"
    encoder = CLIPVisionModelWithProjection(
        CLIPVisionConfig(
            hidden_size=16,
            projection_dim=16,
            num_hidden_layers=2,
            num_attention_heads=2,
            image_size=32,
            intermediate_size=24,
            patch_size=8,
        )
    )
    encoder.save_pretrained(str(adapter / "image_encoder"))
    cross = unet.config.cross_attention_dim  # type: ignore[attr-defined]  # diffusers dummy stubs
    weights = {
        "image_proj.proj.weight": torch.randn(cross * 4, 16) * 0.02,
        "image_proj.proj.bias": torch.zeros(cross * 4),
        "image_proj.norm.weight": torch.ones(cross),
        "image_proj.norm.bias": torch.zeros(cross),
    }
    key_id = 1
    channels = list(unet.config.block_out_channels)  # type: ignore[attr-defined]  # diffusers dummy stubs
    for name in unet.attn_processors:  # type: ignore[attr-defined]  # diffusers dummy stubs
        if name.endswith("attn1.processor"):
            continue
        if name.startswith("mid_block"):
            hidden = channels[-1]
        elif name.startswith("up_blocks"):
            hidden = list(reversed(channels))[int(name[len("up_blocks.")])]
        else:
            hidden = channels[int(name[len("down_blocks.")])]
        weights[f"ip_adapter.{key_id}.to_k_ip.weight"] = torch.randn(hidden, cross) * 0.02
        weights[f"ip_adapter.{key_id}.to_v_ip.weight"] = torch.randn(hidden, cross) * 0.02
        key_id += 2
    save_file({k: v.contiguous() for k, v in weights.items()}, str(adapter / "ip-adapter_tiny.safetensors"))
    return out / "keyframe"


def build_motion_model(out: Path) -> Path:
    """A Wan 2.1 image-to-video pipeline: tiny 3D transformer, causal video VAE, T5 encoder, CLIP image encoder."""
    torch = import_torch()
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanImageToVideoPipeline,
        WanTransformer3DModel,
    )
    from transformers import (
        CLIPImageProcessor,
        CLIPVisionConfig,
        CLIPVisionModel,
        T5Tokenizer,
        UMT5Config,
        UMT5EncoderModel,
    )

    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as scratch:
        tokenizer = T5Tokenizer.from_pretrained(str(write_t5_tokenizer(Path(scratch))))
    vae = AutoencoderKLWan(
        base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True]
    )
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=36,
        out_channels=16,
        text_dim=32,
        freq_dim=256,
        ffn_dim=32,
        num_layers=2,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32,
        image_dim=4,
    )
    image_encoder = CLIPVisionModel(
        CLIPVisionConfig(
            hidden_size=4,
            projection_dim=4,
            num_hidden_layers=2,
            num_attention_heads=2,
            image_size=32,
            intermediate_size=16,
            patch_size=1,
        )
    )
    pipe = WanImageToVideoPipeline(
        tokenizer=tokenizer,
        text_encoder=UMT5EncoderModel(UMT5Config(**_tiny_t5_config(len(tokenizer)).to_dict())),
        vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0),
        image_processor=CLIPImageProcessor(crop_size=32, size=32),
        image_encoder=image_encoder,
        transformer=transformer,
    )
    pipe.save_pretrained(str(out / "motion"))  # type: ignore[attr-defined]  # diffusers dummy stubs
    write_motion_lora(transformer, out / "motion_lora")
    return out / "motion"


def write_motion_lora(transformer, folder: Path) -> Path:
    """A LoRA on the video transformer's attention, saved the way diffusers' LoRA loaders read it."""
    from diffusers import WanImageToVideoPipeline
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    config = LoraConfig(r=4, lora_alpha=4, target_modules=["to_q", "to_k", "to_v"], init_lora_weights=False)
    transformer.add_adapter(config, adapter_name="tiny")
    layers = get_peft_model_state_dict(transformer, adapter_name="tiny")
    WanImageToVideoPipeline.save_lora_weights(str(folder), transformer_lora_layers=layers)
    transformer.delete_adapters("tiny")
    return folder


def build_music_model(out: Path) -> Path:
    """A MusicGen model: tiny T5 text encoder, EnCodec at 32 kHz with 4 codebooks, 2-layer decoder."""
    torch = import_torch()
    from transformers import (
        EncodecConfig,
        EncodecFeatureExtractor,
        MusicgenConfig,
        MusicgenDecoderConfig,
        MusicgenForConditionalGeneration,
        MusicgenProcessor,
        T5Tokenizer,
    )

    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as scratch:
        tokenizer = T5Tokenizer.from_pretrained(str(write_t5_tokenizer(Path(scratch))))
    codebook = 64
    audio = EncodecConfig(
        sampling_rate=32000,
        target_bandwidths=[2.2],
        upsampling_ratios=[8, 5, 4, 4],
        hidden_size=16,
        num_filters=4,
        num_lstm_layers=1,
        codebook_size=codebook,
        audio_channels=1,
    )
    decoder = MusicgenDecoderConfig(
        vocab_size=codebook,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        ffn_dim=64,
        num_codebooks=4,
        max_position_embeddings=4096,
        pad_token_id=codebook,
        bos_token_id=codebook,
    )
    config = MusicgenConfig(
        text_encoder=_tiny_t5_config(len(tokenizer)).to_dict(), audio_encoder=audio.to_dict(), decoder=decoder.to_dict()
    )
    model = MusicgenForConditionalGeneration(config)
    # EnCodec's codebooks start as zeros (they are buffers filled by training): give them random codes too.
    with torch.no_grad():
        for layer in model.audio_encoder.quantizer.layers:  # type: ignore[union-attr]  # torch dynamic submodules
            layer.codebook.embed.copy_(torch.randn_like(layer.codebook.embed))
    generation = model.generation_config
    generation.decoder_start_token_id = codebook
    generation.pad_token_id = codebook
    generation.bos_token_id = codebook
    generation.do_sample = True
    generation.guidance_scale = 3.0
    generation.max_length = 1500
    model.save_pretrained(str(out / "music"))
    processor = MusicgenProcessor(
        feature_extractor=EncodecFeatureExtractor(feature_size=1, sampling_rate=32000), tokenizer=tokenizer
    )
    processor.save_pretrained(str(out / "music"))
    return out / "music"


def build_all(root: Path) -> dict[str, Path]:
    """Every tiny model under `root` (idempotent: a finished root is reused)."""
    root = Path(root)
    done = root / "READY"
    paths = {
        "keyframe": root / "keyframe",
        "ip_adapter": root / "ip_adapter",
        "motion": root / "motion",
        "motion_lora": root / "motion_lora",
        "music": root / "music",
    }
    if done.is_file():
        return paths
    root.mkdir(parents=True, exist_ok=True)
    build_keyframe_model(root)
    build_motion_model(root)
    build_music_model(root)
    done.write_text("tiny random models for tests and `make demo-tiny`\n", encoding="utf-8")
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the models into")
    args = parser.parse_args(argv)
    for role, path in build_all(args.out).items():
        print(f"{role}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
