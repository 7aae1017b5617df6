"""taskclock's relay server (the single source of truth) and its pure domain core."""
