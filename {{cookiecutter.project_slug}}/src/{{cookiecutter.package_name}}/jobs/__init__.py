"""Jobs: background work a user asks for over HTTP and polls for. Enqueueing is idempotent."""
