"""Rules about the text a shop sends its customers: replies, asks, titles, greetings, fallbacks."""
