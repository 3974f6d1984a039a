"""The live channel: events of a user's own data, pushed over a WebSocket (`/api/v1/ws`).

The domains publish events into it (`bus.publish`); the bus carries them to every process that
serves sockets (over Redis pub/sub when the service has Redis, within the process otherwise); each
process's hub hands them to the connections they belong to. See docs/websockets.md.
"""
