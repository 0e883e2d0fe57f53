"""Token-level projection head (paper Eq. 3-4): z_i = normalize(W2 GELU(W1 x_i + b1) + b2)."""
from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

HEAD_WEIGHTS = "contrastive_head.safetensors"
HEAD_CONFIG = "contrastive_head.json"


class ProjectionHead(nn.Module):
    def __init__(self, hidden_size: int, proj_dim: int):
        super().__init__()
        self.hidden_size, self.proj_dim = hidden_size, proj_dim
        self.fc1 = nn.Linear(hidden_size, hidden_size)
        self.fc2 = nn.Linear(hidden_size, proj_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(..., hidden) -> (..., proj_dim), unit L2 norm per token."""
        return F.normalize(self.fc2(F.gelu(self.fc1(x))), dim=-1)

    def save(self, directory: Path, state: dict | None = None) -> None:
        """Weights (this head's own, or `state` gathered from FSDP shards) and config."""
        from safetensors.torch import save_file

        directory = Path(directory)
        state = self.state_dict() if state is None else state
        save_file({k: v.detach().cpu().contiguous() for k, v in state.items()}, str(directory / HEAD_WEIGHTS))
        (directory / HEAD_CONFIG).write_text(
            json.dumps({"hidden_size": self.hidden_size, "proj_dim": self.proj_dim, "activation": "gelu"},
                       sort_keys=True) + "\n")

    @classmethod
    def load(cls, directory: Path) -> "ProjectionHead":
        from safetensors.torch import load_file

        directory = Path(directory)
        cfg = json.loads((directory / HEAD_CONFIG).read_text())
        head = cls(cfg["hidden_size"], cfg["proj_dim"])
        head.load_state_dict(load_file(str(directory / HEAD_WEIGHTS)))
        return head
