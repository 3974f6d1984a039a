"""Account emails: address verification and password reset, with single-use emailed tokens."""
