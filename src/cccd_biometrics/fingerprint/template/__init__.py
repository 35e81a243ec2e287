"""fingerprint.template."""
