"""The product's heart as pure functions: decode a webhook body, translate Slack, split text."""
