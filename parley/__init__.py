"""Parley: a self-hostable chat platform with its own identity service."""
