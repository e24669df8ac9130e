"""LoRA do zero: uma camada linear congelada mais uma atualização de posto baixo, W + (α/r)·B·A.

O capítulo 6 escreve a ideia à mão e prova que ela é a mesma do ``peft``: com as mesmas matrizes A e B, as
saídas coincidem, e depois de fundir (*merge*) o peso é W + (α/r)·B·A.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class LoRALinear(nn.Module):
    """Envolve uma ``nn.Linear``: o peso original W fica congelado e só A (r × entrada) e B (saída × r) treinam.

    B começa em zero, então no início a camada é exatamente a original; A começa aleatória (como no
    ``peft``). A saída é ``W·x + b + (α/r)·B·(A·x)``.
    """

    def __init__(self, base: nn.Linear, r: int = 8, alpha: float = 16, dropout: float = 0.0):
        super().__init__()
        if r < 1:
            raise ValueError(f"O posto r deve ser pelo menos 1, não {r}.")
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.r, self.alpha, self.scaling = r, alpha, alpha / r
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))  # a mesma inicialização do peft
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (self.dropout(x) @ self.lora_A.T @ self.lora_B.T) * self.scaling

    def merged_weight(self) -> torch.Tensor:
        """O peso depois de fundir: W + (α/r)·B·A (mesma forma de W; nenhum custo extra na inferência)."""
        return self.base.weight + self.scaling * self.lora_B @ self.lora_A


def inject_lora(model: nn.Module, targets: tuple[str, ...] = ("query", "value"), r: int = 8, alpha: float = 16) -> list[str]:
    """Troca cada ``nn.Linear`` cujo nome termina em um de ``targets`` por uma :class:`LoRALinear`.

    Devolve os nomes trocados. Não congela o resto do modelo: isso é decisão de quem treina.
    """
    replaced = []
    for name, module in list(model.named_modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, nn.Linear) and child_name in targets:
                setattr(module, child_name, LoRALinear(child, r=r, alpha=alpha))
                replaced.append(f"{name}.{child_name}" if name else child_name)
    if not replaced:
        raise ValueError(f"Nenhuma camada linear chamada {targets} foi encontrada no modelo.")
    return replaced


def lora_layers(model: nn.Module) -> dict[str, LoRALinear]:
    """As camadas :class:`LoRALinear` de um modelo, pelo nome."""
    return {name: m for name, m in model.named_modules() if isinstance(m, LoRALinear)}


def copy_into_peft(model: nn.Module, peft_model: nn.Module, adapter: str = "default") -> int:
    """Copia A e B das nossas camadas para as camadas LoRA equivalentes de um modelo do ``peft``.

    Os nomes casam porque o ``peft`` envolve o modelo original (``base_model.model.<nome>``). Devolve quantas
    camadas foram copiadas; erro claro se alguma não tiver par.
    """
    peft_modules = dict(peft_model.named_modules())
    copied = 0
    for name, layer in lora_layers(model).items():
        target = peft_modules.get(f"base_model.model.{name}")
        if target is None or not hasattr(target, "lora_A"):
            raise KeyError(f"A camada '{name}' não tem par LoRA no modelo do peft (confira target_modules).")
        with torch.no_grad():
            target.lora_A[adapter].weight.copy_(layer.lora_A)
            target.lora_B[adapter].weight.copy_(layer.lora_B)
        copied += 1
    return copied
