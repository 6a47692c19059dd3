"""Pythia 8 generation of quark and gluon jets, in seeded chunks that can run in parallel."""
