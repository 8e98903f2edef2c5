"""The chaos suite (``make chaos``): faults injected into a running service, calls counted."""
