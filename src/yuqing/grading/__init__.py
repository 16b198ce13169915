"""Grading: measured signals -> a proposed level with reasons; people decide (M2).

Start with ``propose_level(plan, signals)``. The rules live in the plan file (see
``yuqing.incidents.plan``); this package only evaluates them and records decisions.
"""

from yuqing.grading.decision import DecisionRefused, GradingDecision, decide
from yuqing.grading.levels import LEVELS_BY_SEVERITY, Colour, Level, highest, is_higher
from yuqing.grading.proposal import HasGrading, Proposal, Reason, propose_level
from yuqing.grading.rules import Condition, GradingTable, LevelGrading, Rule, evaluate
from yuqing.grading.signals import SIGNALS, IncidentKind, MediaPickup, Signals, SignalType

__all__ = [
    "LEVELS_BY_SEVERITY",
    "SIGNALS",
    "Colour",
    "Condition",
    "DecisionRefused",
    "GradingDecision",
    "GradingTable",
    "HasGrading",
    "IncidentKind",
    "Level",
    "LevelGrading",
    "MediaPickup",
    "Proposal",
    "Reason",
    "Rule",
    "SignalType",
    "Signals",
    "decide",
    "evaluate",
    "highest",
    "is_higher",
    "propose_level",
]
