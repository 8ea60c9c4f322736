"""Names that newer Pythons have built in, for the oldest one the kit supports (3.10)."""
from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    BaseExceptionGroup = BaseExceptionGroup  # the builtin, re-exported
else:  # pytest depends on the backport on 3.10, so it is always there
    from exceptiongroup import BaseExceptionGroup  # novermin (the backport is the guard)

__all__ = ["BaseExceptionGroup"]
