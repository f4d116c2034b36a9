"""pfctl: declarative PaddleFlow jobs and a local PaddleFlow-compatible job server."""

__version__ = "0.1.0"
