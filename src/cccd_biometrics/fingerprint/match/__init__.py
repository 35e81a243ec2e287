"""fingerprint.match."""
