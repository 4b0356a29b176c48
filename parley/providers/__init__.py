"""Sign-in with Yandex ID, VK ID, Google and Telegram."""
