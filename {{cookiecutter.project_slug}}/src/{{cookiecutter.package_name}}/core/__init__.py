"""Shared infrastructure: settings, database, logging, security, errors, middleware, health."""
