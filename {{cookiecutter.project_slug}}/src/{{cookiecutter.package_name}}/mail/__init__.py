"""Outgoing email: the message, the SMTP sender (aiosmtplib) and the outbox routes hand it to."""
