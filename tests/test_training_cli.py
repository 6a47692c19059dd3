"""Parsing of `jetgnn train` options into a TrainConfig."""

from __future__ import annotations

import pytest

from jetgnn.cli.main import build_parser
from jetgnn.cli.train_commands import config_from_arguments, parse_hyperparameters
from jetgnn.errors import InvalidInputError
from jetgnn.training.config import TrainConfig

REQUIRED = ["train", "--model", "pfn", "--data", "store", "--out", "run"]


def parse(*options: str) -> TrainConfig:
    return config_from_arguments(build_parser().parse_args([*REQUIRED, *options]))


def test_unset_options_keep_defaults():
    assert parse() == TrainConfig(model="pfn", data="store", out="run")


def test_options_reach_config():
    config = parse(
        "--epochs", "3", "--batch-size", "64", "--lr", "0.002", "--optimizer", "radam-lookahead",
        "--threads", "2", "--bf16", "--patience", "0", "--max-train-jets", "500",
    )  # fmt: skip
    assert config.epochs == 3
    assert config.batch_size == 64
    assert config.lr == 0.002
    assert config.optimizer == "radam-lookahead"
    assert config.threads == 2
    assert config.bf16 is True
    assert config.patience == 0
    assert config.max_train_jets == 500


def test_hyperparameter_values_parsed_as_json():
    values = parse_hyperparameters(["k=16", "conv_params=[[16, [64, 64]]]", "name=mean"])
    assert values == {"k": 16, "conv_params": [[16, [64, 64]]], "name": "mean"}


def test_hyperparameter_without_equals_rejected():
    with pytest.raises(InvalidInputError):
        parse_hyperparameters(["k16"])
