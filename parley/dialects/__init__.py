"""Dialects: the four seed contracts served at their own paths over the same services."""
