"""ParticleNet and ParticleNet-Lite (Qu and Gouskos, arXiv:1902.08570)."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from jetgnn.graphs.features import num_features, particle_features, relative_coordinates
from jetgnn.graphs.knn import knn
from jetgnn.models import hyperparameters as hp
from jetgnn.models.edgeconv import EdgeConvBlock, EdgeGraph
from jetgnn.models.packed import PackedBatch, PackedBatchNorm


class ParticleNet(nn.Module):
    """ParticleNet: a dynamic graph CNN on the particle cloud of a jet (arXiv:1902.08570).

    Layers: BatchNorm on the input features, then EdgeConv blocks. Each block applies three
    (linear, BatchNorm, ReLU) edge layers to [x_i, x_j - x_i], averages over the k neighbours,
    adds a shortcut and applies ReLU. Then come global average pooling over the real particles,
    a fully connected layer with ReLU and dropout, and a final linear layer to 2 logits. The first block finds neighbours by (Delta eta, Delta phi) to
    the jet axis, later blocks by the previous block's output features.

    Defaults are the published ParticleNet: k = 16, blocks (64, 64, 64), (128, 128, 128),
    (256, 256, 256), FC 256, dropout 0.1. This has 366,160 parameters for the 7-feature input of
    the published top-tagging count (feature_set "kin") and 367,324 for "kinpid" (13 features);
    the paper reports about 366k. Like the paper, and unlike the later weaver-core default, there
    is no fusion layer between the blocks and the pooling.

    Args:
        feature_set: per-particle input features, "kin" (7) or "kinpid" (13).
        k: number of kNN neighbours in every block.
        conv_channels: edge-layer widths, one tuple per EdgeConv block.
        fc_channels: width of the fully connected layer after pooling.
        dropout: dropout probability after the fully connected layer.

    Shapes:
        particles: (B, P, 4) with columns (pt [GeV], y, phi [rad], pid); mask: bool (B, P).
        Output: logits (B, 2), column 1 the quark class.

    BatchNorm statistics in training use the real particles and valid edges only, so padding does
    not change them (weaver-core also counts the padded slots). In eval mode every jet is scored
    independently of its batch.
    """

    name = "particlenet"
    DEFAULT_HYPERPARAMETERS: dict[str, object] = {
        "k": 16,
        "conv_channels": ((64, 64, 64), (128, 128, 128), (256, 256, 256)),
        "fc_channels": 256,
        "dropout": 0.1,
    }

    def __init__(
        self,
        feature_set: str = "kinpid",
        *,
        k: int | None = None,
        conv_channels: Sequence[Sequence[int]] | None = None,
        fc_channels: int | None = None,
        dropout: float | None = None,
    ) -> None:
        super().__init__()
        defaults = self.DEFAULT_HYPERPARAMETERS
        in_channels = num_features(feature_set)
        self.feature_set = feature_set
        self.k = hp.positive_int("k", defaults["k"] if k is None else k)
        self.conv_channels = hp.nested_widths(
            "conv_channels", defaults["conv_channels"] if conv_channels is None else conv_channels
        )
        self.fc_channels = hp.positive_int(
            "fc_channels", defaults["fc_channels"] if fc_channels is None else fc_channels
        )
        self.dropout = hp.probability(
            "dropout", defaults["dropout"] if dropout is None else dropout
        )

        self.input_norm = PackedBatchNorm(in_channels)
        blocks = []
        width = in_channels
        for channels in self.conv_channels:
            blocks.append(EdgeConvBlock(width, channels, self.k))
            width = channels[-1]
        self.blocks = nn.ModuleList(blocks)
        self.head = nn.Sequential(
            nn.Linear(width, self.fc_channels),
            nn.ReLU(),
            nn.Dropout(self.dropout),
            nn.Linear(self.fc_channels, 2),
        )

    @property
    def hyperparameters(self) -> dict[str, object]:
        """Keyword arguments that rebuild this architecture with `build_model`."""
        return {
            "k": self.k,
            "conv_channels": self.conv_channels,
            "fc_channels": self.fc_channels,
            "dropout": self.dropout,
        }

    def forward(self, particles: Tensor, mask: Tensor) -> Tensor:
        mask = mask.bool()
        features = particle_features(particles, mask, self.feature_set)  # (B, P, C)
        coordinates = relative_coordinates(particles, mask)  # (B, P, 2)
        batch = PackedBatch(mask)

        x = self.input_norm(batch.pack(features))  # (N, C)
        points = coordinates
        for position, block in enumerate(self.blocks):
            index, valid = knn(points, mask, block.k)  # (B, P, k)
            x = block(x, EdgeGraph(batch, mask, index, valid))  # (N, C_block)
            if position + 1 < len(self.blocks):
                points = batch.unpack(x.detach())  # (B, P, C_block), for the next kNN

        pooled = batch.pool_mean(x)  # (B, C_last)
        return self.head(pooled)  # (B, 2)


class ParticleNetLite(ParticleNet):
    """ParticleNet-Lite, the smaller ParticleNet of arXiv:1902.08570.

    Same layers as ParticleNet with k = 7, blocks (32, 32, 32), (64, 64, 64) and FC 128. This has
    26,416 parameters for the 7-feature input of the published count (feature_set "kin") and
    27,004 for "kinpid" (13 features); the paper reports about 26k.

    Shapes:
        particles: (B, P, 4) with columns (pt [GeV], y, phi [rad], pid); mask: bool (B, P).
        Output: logits (B, 2), column 1 the quark class.
    """

    name = "particlenet-lite"
    DEFAULT_HYPERPARAMETERS: dict[str, object] = {
        "k": 7,
        "conv_channels": ((32, 32, 32), (64, 64, 64)),
        "fc_channels": 128,
        "dropout": 0.1,
    }
