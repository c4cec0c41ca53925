"""The conversation core, channel-neutral: understand -> retrieve -> compose -> check, one turn at a time."""
