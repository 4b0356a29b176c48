"""The web client: static ES modules served by Parley itself, and offline API docs."""
