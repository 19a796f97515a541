"""Markdown and Slack attachments → safe HTML for the web app."""
