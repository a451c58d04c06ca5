"""Demo data: the generator with planted patterns (:mod:`.generate`) and the data profiles
that cut it down to what real teams keep (:mod:`.profiles`), and the action log of an
earlier review (:mod:`.story`)."""

from .generate import (COLLAPSE_SEGMENT, MIN_REPS, STAGES, export_date, generate, planted,
                       write_tables)
from .profiles import NEW_HIRE, PROFILES, build_profile, profile
from .story import seed_action_log

__all__ = ["generate", "planted", "export_date", "write_tables", "MIN_REPS", "STAGES",
           "COLLAPSE_SEGMENT", "PROFILES", "NEW_HIRE", "profile", "build_profile",
           "seed_action_log"]
