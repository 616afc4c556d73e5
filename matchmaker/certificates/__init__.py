"""Certificates: staff checks, validity badges and the list of those about to expire."""
