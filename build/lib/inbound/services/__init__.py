"""Rules that need storage. Each module serves one noun; handlers call exactly one function."""
