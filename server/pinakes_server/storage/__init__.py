"""Persistence: the Peewee database and its tables."""
