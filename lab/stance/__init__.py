"""Training the stance model: `data` reads and mixes the training sets, `augment` writes synthetic
contradictions, `mine` finds same-topic neutrals, `train` runs the recipe, `export` writes the
shipped artefact and builds its ONNX runtimes, `calibrate` fits its temperature, `evaluate`
measures it on held-out data, `promote` ships a candidate that beats the shipped model. The label
vocabulary is the service's (service/stance/__init__.py)."""
