"""Speech: Vosk models, the recognizer, and the transcription jobs that turn a finished call's
recordings (one file per side) into a transcript with speaker turns (contract C4)."""
