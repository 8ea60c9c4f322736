"""Release student material from the reference solutions (the single source of truth)."""
