"""Background work: today the projection sweep; dramatiq actors arrive with the workers issue."""
