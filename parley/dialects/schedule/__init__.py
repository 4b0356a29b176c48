"""The Schedule account API (seed 002)."""
