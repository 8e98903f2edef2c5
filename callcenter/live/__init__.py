"""Live transcription and alerts while the caller is on the line (issue 17)."""
