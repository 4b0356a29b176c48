"""Backups: the database, the shared keys and file-backend media in one archive."""
