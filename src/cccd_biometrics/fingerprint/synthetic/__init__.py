"""fingerprint.synthetic."""
