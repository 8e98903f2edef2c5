"""Benchmarks: `make bench` runs every module here that has a ``main()``; each writes its
measured results to ``bench/results/<name>.json``."""
