"""`make bench`: see bench/run.py and the README's "Performance" section."""

# Bump when the seeded practice changes shape: older bench databases are then
# seeded again by the next run.
SEED_VERSION = 4
