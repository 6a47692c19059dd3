"""Sub-commands about jet samples: ``jetgnn generate``, ``jetgnn data import``, ``jetgnn data info``."""

from __future__ import annotations

import argparse
import logging
import shlex
import sys

from jetgnn.errors import InvalidInputError

logger = logging.getLogger(__name__)


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Register ``generate`` and the ``data`` group (``data import``, ``data info``)."""
    _add_generate_parser(subparsers)
    data_parser = subparsers.add_parser(
        "data", help="import and inspect jet stores", description="Import and inspect jet stores."
    )
    data_subparsers = data_parser.add_subparsers(dest="data_command", metavar="COMMAND")
    _add_import_parser(data_subparsers)
    _add_info_parser(data_subparsers)
    data_parser.set_defaults(func=lambda args: _print_help(data_parser))


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _add_import_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        help="convert energyflow-format .npz files into a jet store",
        description=(
            "Convert .npz files with X (N, M, 4) zero-padded particles (pt, y, phi, pid) and y (N,) "
            "labels (quark = 1, gluon = 0), such as the public QG_jets*.npz files, into a jet "
            "store. Files are read in blocks of jets, so memory use does not grow with file size. "
            "Public file names are checked against their published SHA-256; a bare public file "
            "name is also looked up in ~/.energyflow/datasets. The 20 files of one public "
            "release, in order, get the published split (last 200k jets as test); other inputs "
            "get a seeded 80/10/10 split. Input files are only read."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help=".npz files, in this order")
    parser.add_argument(
        "--out", required=True, metavar="STORE", help="jet store directory to create"
    )
    parser.add_argument(
        "--no-verify", action="store_true", help="skip the SHA-256 check of public file names"
    )
    parser.add_argument(
        "--split-seed", type=int, default=0, help="seed of the train/val/test split (default: 0)"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(func=run_import)


def _add_info_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "info",
        help="summarise a jet store or .npz file",
        description=(
            "Print the number of jets, jets per class, multiplicity mean and standard deviation "
            "per class, jet pt and y ranges, split sizes and provenance."
        ),
    )
    parser.add_argument("store", metavar="STORE", help="jet store directory or .npz file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run_info)


def run_import(args: argparse.Namespace) -> int:
    """Convert ``args.paths`` into the jet store ``args.out``."""
    from jetgnn.data.importer import import_npz_files

    path = import_npz_files(
        args.paths,
        args.out,
        verify=not args.no_verify,
        split_seed=args.split_seed,
        command=shlex.join(["jetgnn", *sys.argv[1:]]),
        show_progress=not args.no_progress,
    )
    print(f"wrote jet store {path}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    """Print the summary of ``args.store``."""
    import json

    from jetgnn.data import open_jets
    from jetgnn.data.info import format_summary, summarize

    summary = summarize(open_jets(args.store))
    if args.json:
        print(json.dumps(summary, indent=2, sort_keys=True))
    else:
        print(format_summary(summary))
    return 0


def _add_generate_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="generate quark and gluon jets with Pythia 8 into a jet store",
        description=(
            "Generate quark jets (q g -> Z q) and gluon jets (q qbar -> Z g), Z -> neutrinos, in pp "
            "collisions at 14 TeV with Pythia 8 (default tune), cluster anti-kT R = 0.4 jets on "
            "visible final-state particles and keep the hardest jet if 500 <= pt <= 550 GeV and "
            "|y| < YMAX. Half the jets are quark jets. Work is cut into seeded chunks, so the same "
            "command gives the same jets for any --workers, and rerunning it resumes."
        ),
    )
    parser.add_argument("--jets", required=True, type=int, metavar="N", help="number of jets")
    parser.add_argument(
        "--out", required=True, metavar="DIR", help="jet store directory to create or resume"
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="run seed; chunk seeds derive from it (default: 1)"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes, one chunk each (default: 1)"
    )
    parser.add_argument(
        "--ymax", type=float, default=1.7, help="maximum |y| of the jet (default: 1.7)"
    )
    parser.add_argument(
        "--with-bc",
        action="store_true",
        help="include c and b quarks in the incoming quarks (u, d, s only by default)",
    )
    parser.add_argument(
        "--shard",
        default="0/1",
        metavar="I/N",
        help=(
            "generate only chunks I, I+N, I+2N, ... (for batch array jobs); the store is written "
            "by the run that finds every chunk present (default: 0/1)"
        ),
    )
    parser.add_argument(
        "--chunk-jets",
        type=int,
        default=None,
        metavar="K",
        help="jets per chunk; changing it changes the jets (default: 250)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(func=run_generate)


def parse_shard(text: str) -> tuple[int, int]:
    """Parse 'I/N' into (I, N) with 0 <= I < N."""
    try:
        index_text, count_text = text.split("/")
        index, count = int(index_text), int(count_text)
    except ValueError:
        raise InvalidInputError(f"--shard {text!r} must look like I/N, for example 0/4") from None
    if count < 1 or not 0 <= index < count:
        raise InvalidInputError(f"--shard {text!r} needs N >= 1 and 0 <= I < N")
    return index, count


def generate_command(args: argparse.Namespace, chunk_jets: int) -> str:
    """Return the ``jetgnn generate`` command line with every option spelled out."""
    words = ["jetgnn", "generate", "--jets", str(args.jets), "--out", str(args.out)]
    words += ["--seed", str(args.seed), "--workers", str(args.workers), "--ymax", str(args.ymax)]
    words += ["--shard", args.shard, "--chunk-jets", str(chunk_jets)]
    if args.with_bc:
        words.append("--with-bc")
    return shlex.join(words)


def run_generate(args: argparse.Namespace) -> int:
    """Generate ``args.jets`` jets into the store ``args.out``."""
    from jetgnn.data.generation.runner import DEFAULT_CHUNK_JETS, GenerationRequest, generate_store
    from jetgnn.data.generation.settings import JetSelection

    if args.ymax <= 0:
        raise InvalidInputError(f"--ymax {args.ymax} must be positive")
    request = GenerationRequest(
        n_jets=args.jets,
        seed=args.seed,
        selection=JetSelection(y_max=args.ymax),
        with_bc=args.with_bc,
        chunk_jets=args.chunk_jets or DEFAULT_CHUNK_JETS,
    )
    command = generate_command(args, request.chunk_jets)
    path = generate_store(
        args.out,
        request,
        workers=args.workers,
        shard=parse_shard(args.shard),
        command=command,
        show_progress=not args.no_progress,
    )
    if path is None:
        print(f"shard {args.shard} done; the store is written once every shard has finished")
    else:
        print(f"wrote {args.jets} jets to {path}")
    return 0
