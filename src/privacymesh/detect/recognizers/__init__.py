"""One module per category or family; each exposes `RECOGNIZERS`, registered in
`privacymesh.detect.registry`."""
