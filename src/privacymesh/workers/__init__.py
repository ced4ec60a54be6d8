"""Worker processes for the Python parts of a run (the PII detector over each product's sample):
a small pool of `python -m privacymesh.workers.main` processes, fed pickled jobs over pipes.
The runner owns the pool; a measure names the work group its jobs belong to."""
