"""Ministry warnings: subscriptions, campaigns and the outbox engine that delivers them."""
