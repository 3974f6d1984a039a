"""Deploy artifacts of the baked project, each checked by the real tool that reads its format."""
