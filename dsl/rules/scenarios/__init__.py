"""Rules about the scenarios a shop plays with `kefu test`."""
