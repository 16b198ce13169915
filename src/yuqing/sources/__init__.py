"""Connectors: each reads one kind of source and yields posts or rejections."""
