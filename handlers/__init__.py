"""Platform-neutral feature handlers; each module exposes ``register(dispatcher)``."""
