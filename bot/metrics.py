"""What the operator watches, in Prometheus's text format (served at ``/metrics``).

Counters count from the process's start (Prometheus adds the instances up); the outbox's
numbers are read from the database when scraped, so every instance reports the same totals.
Labels carry kinds and outcomes only, never a person, a chat or a text.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

CONTENT_TYPE = CONTENT_TYPE_LATEST
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """The process's counters, in a registry of its own (no module-level state)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.events = Counter(
            "entraide_events",
            "Messages, commands, presses and forms handled.",
            ["platform", "kind"],
            registry=self.registry,
        )
        self.event_seconds = Histogram(
            "entraide_event_seconds",
            "Time to answer one event, from the core's point of view.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.answers = Counter(
            "entraide_answers",
            "Questions to the tutorials: answered, suggestions offered, or declined.",
            ["outcome"],
            registry=self.registry,
        )
        self.signups = Counter(
            "entraide_signups",
            "Sign-ups to missions by outcome (confirmed, waitlisted, cancelled).",
            ["outcome"],
            registry=self.registry,
        )
        self.outbox = Gauge(
            "entraide_outbox_messages",
            "Outbox messages by status (all instances: read from the database).",
            ["status"],
            registry=self.registry,
        )
        self.deliveries = Counter(
            "entraide_deliveries",
            "Outbox deliveries by this instance, by platform and result.",
            ["platform", "result"],
            registry=self.registry,
        )
        self.send_seconds = Histogram(
            "entraide_send_seconds",
            "Time the platform took to accept one outbox message.",
            ["platform"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.adapter_up = Gauge(
            "entraide_adapter_connected",
            "1 when the adapter is connected to its platform.",
            ["adapter"],
            registry=self.registry,
        )

    def set_outbox(self, counts: Mapping[str, int]) -> None:
        """The outbox's totals by status, as just read."""
        for status, count in counts.items():
            self.outbox.labels(status=status).set(count)

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
