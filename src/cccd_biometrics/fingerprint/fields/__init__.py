"""fingerprint.fields."""
