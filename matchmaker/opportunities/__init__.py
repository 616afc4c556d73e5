"""Needs that fit me: a supplier's own view of the open needs it ranks for."""
