"""The fact-checker's desk: saved checks (what was shown, with the corpus
generation, model versions and settings of the time) and the reviews people
make of their evidence. Used by the API, the CLI and the page alike.

- `store.py`: the SQLite tables and typed rows (`SavedCheck`, `Review`);
- `desk.py`: check-and-save, reopen with reviews applied, review, undo, export.
"""

from service.history.desk import CheckView, Desk
from service.history.store import HistoryStore, Review, SavedCheck

__all__ = ["CheckView", "Desk", "HistoryStore", "Review", "SavedCheck"]
