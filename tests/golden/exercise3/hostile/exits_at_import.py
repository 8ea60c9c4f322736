"""Calls sys.exit(0) while being imported, hoping a clean exit reads as success."""
import sys

sys.exit(0)
