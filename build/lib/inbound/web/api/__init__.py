"""Mattermost API v4 endpoints under ``/api/v4``."""
