"""Items: an example domain. Each item belongs to one user; others cannot see it."""
