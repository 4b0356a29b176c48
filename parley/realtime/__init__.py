"""The realtime gateway: `/v1/gateway`, fan-out of bus events to connected clients."""
