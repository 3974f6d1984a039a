"""Users: accounts, self-service profile and admin management."""
