"""Jobs: background work a client asks for over HTTP and polls for. Enqueueing is idempotent."""
