"""Speed and memory benchmarks (``make bench`` / ``python -m bench``); not part of the tests."""
