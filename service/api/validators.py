"""marshmallow's Range, Length and OneOf, with their messages said in the reader's language.

marshmallow fills a validator's numbers into its message ("Length must be between 1 and 200.") before the
API's error handler sees it, so the message could no longer be looked up in the catalogue. These keep the
same English words but raise a `Message`: the English text as before, with the gettext message and the
values apart, which service/api/errors.py translates and fills. An `error=` given to them is a gettext
message with %(min)s, %(max)s (and %(choices)s for OneOf) places, marked with N_ where it is written.
"""

from __future__ import annotations

from marshmallow import validate

from service.translations import N_
from service.translations.messages import Message

# marshmallow's own messages (its wording, inclusive bounds: the only ones the schemas use), as gettext messages.
RANGE = {"min": N_("Must be greater than or equal to %(min)s."), "max": N_("Must be less than or equal to %(max)s."),
         "all": N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s.")}
LENGTH = {"min": N_("Shorter than minimum length %(min)s."), "max": N_("Longer than maximum length %(max)s."),
          "all": N_("Length must be between %(min)s and %(max)s."), "equal": N_("Length must be %(equal)s.")}
ONE_OF = N_("Must be one of: %(choices)s.")


class Range(validate.Range):
    def __init__(self, min=None, max=None, *, error: str | None = None):  # noqa: A002 (marshmallow's names)
        super().__init__(min, max, error=error)  # inclusive bounds: RANGE's words say so

    def _format_error(self, value, message: str) -> Message:
        which = "all" if message == self.message_all else "min" if message == self.message_min else "max"
        return Message(self.error or RANGE[which], min=self.min, max=self.max)


class Length(validate.Length):
    def _format_error(self, value, message: str) -> Message:
        which = {self.message_all: "all", self.message_min: "min", self.message_max: "max"}.get(message, "equal")
        return Message(self.error or LENGTH[which], min=self.min, max=self.max, equal=self.equal)


class OneOf(validate.OneOf):
    def __init__(self, choices, *, error: str | None = None):
        super().__init__(choices, error=error or ONE_OF)

    def _format_error(self, value) -> Message:
        return Message(self.error, choices=self.choices_text)


# The API's own wording for a few limits (English as it has always read).
BETWEEN = N_("must be between %(min)s and %(max)s")
CLAIMS_PER_REQUEST = N_("send %(min)s to %(max)s claims per request")
