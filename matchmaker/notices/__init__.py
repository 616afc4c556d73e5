"""E-mail notices: queued in the transaction that causes them, delivered after commit."""
