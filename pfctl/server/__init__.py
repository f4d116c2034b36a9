"""The local PaddleFlow-compatible job server (imported only by `pfctl server` commands)."""
