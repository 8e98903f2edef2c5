"""What a process tells the outside about itself: Prometheus metrics, health and readiness."""
