"""Delivering notices: e-mail over SMTP, posts to group robots (企业微信, 钉钉), and the worker that sends the outbox."""
