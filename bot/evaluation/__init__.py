"""Quality measurement: retrieval metrics on judged datasets and the conversation regression suite."""
