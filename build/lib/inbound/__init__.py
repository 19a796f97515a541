"""inbound: self-hosted team messaging with Mattermost- and Slack-compatible incoming webhooks."""

__version__ = "0.1.0"
