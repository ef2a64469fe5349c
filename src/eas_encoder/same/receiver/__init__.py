"""Streaming SAME receiver, one small stage per module."""
