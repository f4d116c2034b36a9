"""The command-line layer: option parsing and rendering only; logic lives in the pfctl modules."""
