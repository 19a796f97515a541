"""The typed view of the runtime config reads exactly what the document holds."""

from __future__ import annotations

from dataclasses import fields

from inbound.config import SECTIONS, Config, validate

SECTION_ATTRIBUTES = {
    "ServiceSettings": "service",
    "PrivacySettings": "privacy",
    "SqlSettings": "sql",
    "RateLimitSettings": "rate_limit",
    "MetricsSettings": "metrics",
    "TeamSettings": "team",
}


def test_every_setting_reads_back_typed() -> None:
    config = Config(
        validate(
            {
                "ServiceSettings": {"SiteURL": "https://chat.example.com/", "ReadTimeout": 5},
                "RateLimitSettings": {"Enable": True, "VaryByHeader": "X-Real-IP"},
            }
        )
    )
    assert config.service.site_url == "https://chat.example.com"
    assert (config.service.read_timeout, config.rate_limit.enable) == (5, True)
    assert list(SECTION_ATTRIBUTES) == [section.__name__ for section in SECTIONS]
    for name, attribute in SECTION_ATTRIBUTES.items():
        section = getattr(config, attribute)
        for spec in fields(section):
            assert getattr(section, spec.name) == config.document[name][spec.metadata["key"]]
