"""Asterisk's manager interface (AMI) and FastAGI: connection, typed events, actions, replay."""
