"""Sign-in security: client address, throttling, the security log."""
