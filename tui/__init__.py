"""Every terminal face of kefu: the command line (`kefu ...`) and, later, the Textual app."""
