"""What the user works on: the Document with its events, the session file and the exports."""
