"""fingerprint.quality."""
