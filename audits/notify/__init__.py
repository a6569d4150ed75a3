"""Notifications (お知らせ): an in-app notice list for everyone and e-mail through the city's SMTP server."""
