"""Authentication: sign-up, login, refresh-token rotation, logout, the current-user dependency."""
