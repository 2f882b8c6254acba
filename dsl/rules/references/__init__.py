"""Rules about names that point elsewhere: the entries and people that tests and scenarios name."""
