"""The ``yuqing`` command."""
