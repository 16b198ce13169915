"""yuqing: executable emergency plans for online public-opinion incidents."""

__version__ = "0.1.0"
