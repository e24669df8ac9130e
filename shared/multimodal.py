"""Um CLIP de brinquedo (capítulo 10): imagens sintéticas com legendas em português e aprendizado contrastivo.

As imagens (formas, cores e posições) são desenhadas com NumPy; o modelo tem um codificador de imagem
(uma CNN pequena) e um de texto (média dos embeddings das palavras), treinados para que a imagem e a sua
legenda fiquem próximas e as outras, longe — a mesma perda do CLIP (Radford et al., 2021), em miniatura.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

SHAPES = ("círculo", "quadrado", "triângulo")
COLORS = {"vermelho": (220, 40, 40), "verde": (40, 170, 60), "azul": (40, 80, 220), "amarelo": (230, 200, 30)}
POSITIONS = ("esquerda", "direita")
SIZE = 32


@dataclass(frozen=True)
class Concept:
    """Uma combinação de forma, cor e posição: o que uma legenda descreve."""

    shape: str
    color: str
    position: str

    @property
    def caption(self) -> str:
        return f"um {self.shape} {self.color} à {self.position}"


def all_concepts() -> list[Concept]:
    """As 24 combinações possíveis (3 formas × 4 cores × 2 posições)."""
    return [Concept(s, c, p) for s, c, p in itertools.product(SHAPES, COLORS, POSITIONS)]


def split_concepts(n_unseen: int = 6, seed: int = 0) -> tuple[list[Concept], list[Concept]]:
    """Separa combinações nunca vistas no treino; cada forma, cor e posição continua aparecendo no treino."""
    rng = np.random.default_rng(seed)
    concepts = all_concepts()
    while True:
        order = rng.permutation(len(concepts))
        unseen = [concepts[i] for i in order[:n_unseen]]
        seen = [concepts[i] for i in order[n_unseen:]]
        covered = all(
            any(getattr(c, field) == value for c in seen)
            for field, values in (("shape", SHAPES), ("color", COLORS), ("position", POSITIONS))
            for value in values
        )
        if covered:
            return seen, unseen


def draw(concept: Concept, rng: np.random.Generator) -> np.ndarray:
    """Desenha uma imagem SIZE×SIZE (RGB, 0 a 1) com tamanho, lugar exato e ruído sorteados."""
    img = np.full((SIZE, SIZE, 3), 0.92) + rng.normal(0, 0.04, (SIZE, SIZE, 3))
    radius = rng.integers(4, 7)
    half = SIZE // 2
    cx = rng.integers(radius + 1, half - radius) + (0 if concept.position == "esquerda" else half)
    cy = rng.integers(radius + 1, SIZE - radius - 1)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    if concept.shape == "círculo":
        mask = (xx - cx) ** 2 + (yy - cy) ** 2 <= radius**2
    elif concept.shape == "quadrado":
        mask = (abs(xx - cx) <= radius) & (abs(yy - cy) <= radius)
    else:  # triângulo com a ponta para cima
        mask = (yy >= cy - radius) & (yy <= cy + radius) & (abs(xx - cx) <= (yy - (cy - radius)) / 2)
    color = np.array(COLORS[concept.color]) / 255 + rng.normal(0, 0.05, 3)
    img[mask] = color
    return np.clip(img, 0, 1).astype(np.float32)


def make_images(concepts: list[Concept], per_concept: int, seed: int = 0) -> tuple[torch.Tensor, list[Concept]]:
    """``per_concept`` imagens de cada combinação: tensor (N, 3, SIZE, SIZE) e o conceito de cada uma."""
    rng = np.random.default_rng(seed)
    labels = [c for c in concepts for _ in range(per_concept)]
    images = np.stack([draw(c, rng) for c in labels]).transpose(0, 3, 1, 2)
    return torch.from_numpy(images), labels


class Vocabulary:
    """Palavras das legendas → ids (0 é o preenchimento)."""

    def __init__(self, captions: list[str]):
        words = sorted({w for c in captions for w in c.split()})
        self.index = {w: i + 1 for i, w in enumerate(words)}

    def encode(self, captions: list[str]) -> torch.Tensor:
        rows = [[self.index.get(w, 0) for w in c.split()] for c in captions]
        width = max(len(r) for r in rows)
        return torch.tensor([r + [0] * (width - len(r)) for r in rows])


class TinyCLIP(nn.Module):
    """Dois codificadores que levam imagem e texto para o mesmo espaço de ``dim`` dimensões."""

    def __init__(self, vocab_size: int, dim: int = 32):
        super().__init__()
        self.image = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * (SIZE // 8) ** 2, dim),
        )  # fmt: skip
        self.words = nn.Embedding(vocab_size + 1, dim, padding_idx=0)
        self.text_proj = nn.Linear(dim, dim)
        self.log_temperature = nn.Parameter(torch.tensor(np.log(1 / 0.07), dtype=torch.float32))

    def encode_image(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.image(images), dim=-1)

    def encode_text(self, ids: torch.Tensor) -> torch.Tensor:
        mask = (ids > 0).unsqueeze(-1).float()
        mean = (self.words(ids) * mask).sum(1) / mask.sum(1).clamp(min=1)
        return F.normalize(self.text_proj(mean), dim=-1)


def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, log_temperature: torch.Tensor) -> torch.Tensor:
    """Perda contrastiva simétrica: em cada linha e coluna da matriz de similaridades, o par certo é a diagonal."""
    logits = image_emb @ text_emb.T * log_temperature.exp().clamp(max=100)
    target = torch.arange(len(logits))
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


def train_clip(
    model: TinyCLIP, images: torch.Tensor, concepts: list[Concept], vocab: Vocabulary,
    steps: int = 300, batch_size: int = 64, learning_rate: float = 3e-3, seed: int = 0,
) -> list[float]:  # fmt: skip
    """Treina com lotes sorteados; num lote, imagens da mesma combinação não contam como negativas entre si."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    captions = vocab.encode([c.caption for c in concepts])
    keys = torch.tensor([hash(c) % (1 << 31) for c in concepts])
    history = []
    model.train()
    for _ in range(steps):
        idx = torch.randperm(len(images), generator=generator)[:batch_size]
        _, first = np.unique(keys[idx].numpy(), return_index=True)  # um exemplo por combinação no lote
        idx = idx[torch.from_numpy(np.sort(first))]
        loss = clip_loss(model.encode_image(images[idx]), model.encode_text(captions[idx]), model.log_temperature)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(float(loss.detach()))
    model.eval()
    return history


@torch.no_grad()
def zero_shot(model: TinyCLIP, images: torch.Tensor, concepts: list[Concept], vocab: Vocabulary,
              candidates: list[Concept]) -> dict[str, float]:  # fmt: skip
    """Para cada imagem, a legenda mais parecida entre ``candidates``; acertos no total e por atributo."""
    text = model.encode_text(vocab.encode([c.caption for c in candidates]))
    best = (model.encode_image(images) @ text.T).argmax(dim=1).tolist()
    guesses = [candidates[i] for i in best]
    result = {"acerto": float(np.mean([g == c for g, c in zip(guesses, concepts)]))}
    for field, name in (("shape", "forma"), ("color", "cor"), ("position", "posição")):
        result[name] = float(np.mean([getattr(g, field) == getattr(c, field) for g, c in zip(guesses, concepts)]))
    result["acaso"] = 1 / len(candidates)
    return result
