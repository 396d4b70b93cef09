"""Live-server reliability tests (issue 7, items 4-6) and the crash-leftover regression."""
