"""Event detection: stories into events online, burst-based alerts, monitor bursts.

Start with ``EventDetector`` (``detector.py``): feed it ``DetectionPost`` batches in stream
time, store the ``Occurrence`` records it returns. ``MonitorBurstTracker`` (``burst.py``)
watches monitors' volumes; the detector runs one for the ``monitor_ids`` of its posts.
See README.md in this folder.
"""

from __future__ import annotations

from yuqing.detection.burst import MonitorBurstTracker, VolumeBaseline
from yuqing.detection.detector import EventDetector
from yuqing.detection.model import (
    OCCURRENCE_KINDS,
    SKIP_REASONS,
    BatchResult,
    DetectionConfig,
    DetectionPost,
    EventSummary,
    Occurrence,
)
from yuqing.detection.terms import TermBurst, TermModel

__all__ = [
    "OCCURRENCE_KINDS",
    "SKIP_REASONS",
    "BatchResult",
    "DetectionConfig",
    "DetectionPost",
    "EventDetector",
    "EventSummary",
    "MonitorBurstTracker",
    "Occurrence",
    "TermBurst",
    "TermModel",
    "VolumeBaseline",
]
