"""shared.multimodal: dados sintéticos, perda do CLIP conferida com o transformers e um treino curto."""

from __future__ import annotations

import numpy as np
import torch

from shared import multimodal as mm


def test_concepts_and_split_cover_every_attribute():
    concepts = mm.all_concepts()
    assert len(concepts) == 24 and len(set(c.caption for c in concepts)) == 24
    seen, unseen = mm.split_concepts(6, seed=0)
    assert len(unseen) == 6 and not set(seen) & set(unseen)
    for field, values in (("shape", mm.SHAPES), ("color", mm.COLORS), ("position", mm.POSITIONS)):
        assert {getattr(c, field) for c in seen} == set(values)


def test_drawing_puts_the_shape_on_the_right_side():
    rng = np.random.default_rng(0)
    for position in mm.POSITIONS:
        img = mm.draw(mm.Concept("quadrado", "azul", position), rng)
        blue = (img[:, :, 2] > 0.6) & (img[:, :, 0] < 0.4)
        cols = np.nonzero(blue)[1]
        assert cols.size > 20
        assert (cols.mean() < mm.SIZE / 2) == (position == "esquerda")
    images, labels = mm.make_images(mm.all_concepts()[:2], 3, seed=1)
    assert images.shape == (6, 3, mm.SIZE, mm.SIZE) and labels[0] == labels[2]


def test_clip_loss_matches_transformers_and_prefers_aligned_pairs():
    from transformers.models.clip.modeling_clip import image_text_contrastive_loss as clip_loss

    torch.manual_seed(0)
    img = torch.nn.functional.normalize(torch.randn(5, 8), dim=-1)
    txt = torch.nn.functional.normalize(torch.randn(5, 8), dim=-1)
    log_t = torch.tensor(2.0)
    assert torch.allclose(mm.clip_loss(img, txt, log_t), clip_loss((txt @ img.T) * log_t.exp()), atol=1e-6)
    assert mm.clip_loss(img, img, log_t) < mm.clip_loss(img, txt, log_t)


def test_short_training_beats_chance_on_seen_concepts():
    torch.manual_seed(0)
    concepts = mm.all_concepts()
    vocab = mm.Vocabulary([c.caption for c in concepts])
    images, labels = mm.make_images(concepts, 10, seed=0)
    model = mm.TinyCLIP(len(vocab.index))
    history = mm.train_clip(model, images, labels, vocab, steps=120, seed=0)
    assert np.mean(history[-10:]) < np.mean(history[:10])
    result = mm.zero_shot(model, images, labels, vocab, concepts)
    assert result["acaso"] == 1 / 24 and result["acerto"] > 5 * result["acaso"]
    assert vocab.encode(["um círculo", "palavra desconhecida aqui"]).tolist()[1] == [0, 0, 0]
