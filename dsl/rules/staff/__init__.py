"""Rules about the shop's staff: its owner and each person's one line."""
