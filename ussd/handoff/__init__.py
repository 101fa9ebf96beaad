"""The Flex hand-off: task attributes, the outbox queue, the dispatcher that delivers it
through TaskRouter, and TaskRouter's event callback (/flex/events)."""
