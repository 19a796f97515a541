"""Search's pure rules: the terms grammar (``query``) and a post's searchable text (``text``)."""
