"""Transcript → ticket (R4, R5, R19), quality checks on the agent's side (R2, R3, R16), and the
ticket service with first-contact ownership (R14)."""
