"""Where a saved check stands in the newsroom: to check, in progress, checked, published; and who it is
assigned to. Set on the check page and over `PATCH /v1/checks/<id>`, filtered in the history and
`GET /v1/checks`. A new check starts as `to_check`, assigned to no one."""

from __future__ import annotations

from enum import StrEnum


class CheckStatus(StrEnum):
    TO_CHECK = "to_check"
    IN_PROGRESS = "in_progress"
    CHECKED = "checked"
    PUBLISHED = "published"


STATUSES = tuple(s.value for s in CheckStatus)
FIRST_STATUS = CheckStatus.TO_CHECK
MAX_ASSIGNEE_CHARS = 100
