"""Whisper (seed 003): the end-to-end encrypted chat's REST contract under /api/v1."""
