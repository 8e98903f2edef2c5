"""Errors the service names for the people who run it."""

from __future__ import annotations


class CallcenterError(Exception):
    """Base of every error the service raises on purpose, with a message meant for people."""


class ConfigError(CallcenterError):
    """A setting is missing or wrong; the message names the setting and what is wrong."""

    def __init__(self, setting: str, problem: str) -> None:
        self.setting = setting
        self.problem = problem
        super().__init__(f"configuration error: {setting}: {problem}")
