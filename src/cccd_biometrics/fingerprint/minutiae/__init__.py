"""fingerprint.minutiae."""
