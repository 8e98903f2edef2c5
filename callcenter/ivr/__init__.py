"""The hotline's voice and routing: prompts (sounds/), the rendered Asterisk configuration
(dialplans/), and the FastAGI scripts the dialplan calls (inbound, answered, message)."""
