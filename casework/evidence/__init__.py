"""Evidence rows of investigations: who may add, hold and dispose of them (the files are in vault/)."""
