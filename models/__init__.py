"""Leadbook's data and domain rules: peewee models over SQLite. No Qt, no network."""
