"""Milestones: the recorded moments that start and complete response clocks.

A clock in the plan says which milestone starts it (``starts_on``) and which completes
it (``completed_by``). The incident records each milestone once, with who and when;
plans may declare more milestones of their own under ``[milestones.<id>]``.
"""

from __future__ import annotations

from enum import StrEnum


class Milestone(StrEnum):
    """The built-in milestones every plan can use."""

    OPENED = "opened"
    """The incident was opened (from an event above the threshold, an accepted
    suggestion or a patrol report)."""
    GRADED = "graded"
    """A person decided the incident's level for the first time."""
    REPORTED_TO_LEADERS = "reported_to_leaders"
    REPORTED_TO_OFFICE = "reported_to_office"
    STAFF_AT_POSTS = "staff_at_posts"
    MEETING_CONVENED = "meeting_convened"
    MEETING_HELD = "meeting_held"
    INFORMATION_OFFICERS_ONLINE = "information_officers_online"
    RESPONDING = "responding"
    STATEMENT_PUBLISHED = "statement_published"
    MONITORING = "monitoring"
    CLOSED = "closed"


MILESTONE_NAMES: dict[str, tuple[str, str]] = {
    Milestone.OPENED: ("立案", "incident opened"),
    Milestone.GRADED: ("定级", "level decided"),
    Milestone.REPORTED_TO_LEADERS: ("已报告领导", "reported to leaders"),
    Milestone.REPORTED_TO_OFFICE: ("已报告网信办", "reported to the lead office"),
    Milestone.STAFF_AT_POSTS: ("人员到岗", "staff at their posts"),
    Milestone.MEETING_CONVENED: ("已通知召开联席会议", "joint meeting convened"),
    Milestone.MEETING_HELD: ("联席会议已召开", "joint meeting held"),
    Milestone.INFORMATION_OFFICERS_ONLINE: ("信息员在线", "information officers online"),
    Milestone.RESPONDING: ("处置中", "response started"),
    Milestone.STATEMENT_PUBLISHED: ("已发布权威信息", "statement published"),
    Milestone.MONITORING: ("持续监测", "monitoring"),
    Milestone.CLOSED: ("结案", "incident closed"),
}
