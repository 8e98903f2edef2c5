"""Callbacks that keep the promises (R6-R9, R12, R18, R21, R22): policies turn calls, tickets and
messages into callbacks with due times; a scheduler wakes them; the executor calls the agent first,
then the customer, over AMI."""
