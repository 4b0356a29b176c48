"""The Schedule app's per-user data: `role` and `variants` (seed 002)."""
