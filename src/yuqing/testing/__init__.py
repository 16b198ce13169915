"""Fakes that ship with yuqing's protocols, for tests and drills."""
