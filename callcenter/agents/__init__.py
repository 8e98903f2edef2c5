"""Agents: softphone credentials, queue states over AMI, the screen pop and the desk's work."""
