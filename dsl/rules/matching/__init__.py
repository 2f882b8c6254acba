"""Rules about what a customer's message matches: asks and the confidence levels."""
