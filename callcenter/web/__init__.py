"""The web UI: supervisors' reports, the live wallboard, call details and the JSON API (C7)."""
