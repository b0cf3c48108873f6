"""Word lists the rules and the features share, defined once."""

from __future__ import annotations

# Words naming the place a count applies to: "188 millions sur Instagram et 30 millions sur Facebook".
# Platforms are objects, not subjects: "Instagram" in a claim does not say whom it is about.
PLATFORMS = ["instagram", "facebook", "twitter", "tiktok", "youtube", "snapchat", "linkedin", "threads"]

# A claim that something does not happen ("ne publiera pas mercredi", "will not post on Wednesday")
# is not refuted by the same thing happening on another day. Folded words.
# "plus" is also "more"; a negation needs "ne"/"n'" in French, so the French words count only together.
FRENCH_NEGATION_ANCHORS = {"ne", "n"}
FRENCH_NEGATION_PARTS = {"pas", "jamais", "plus", "aucun", "aucune", "rien", "personne"}
ENGLISH_NEGATIONS = {"not", "never", "no", "cannot", "nt", "won", "don", "doesn", "didn", "isn", "wasn", "aren",
                     "weren"}
